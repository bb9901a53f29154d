/**
 * `npm run openapi`: writes the API's OpenAPI 3.1 document to `openapi.json` at the repository
 * root (the types a deployed environment accepts: no drill types). A unit test keeps the
 * committed file equal to what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../functions/api/openapi.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi.json', import.meta.url));

/** The document as the file holds it: two-space JSON and a final newline. */
export function openApiFileText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, openApiFileText());
  console.log(`wrote ${OPENAPI_FILE}`);
}
