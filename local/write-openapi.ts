/**
 * `npm run openapi`: writes the API's OpenAPI 3.1 document to `openapi.json` at the repository
 * root (the types a deployed environment accepts: no drill types), and the TypeScript client's
 * types generated from it (openapi-typescript) to `clients/typescript/src/openapi-types.ts`. A
 * unit test keeps both committed files equal to what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { openApiDocument } from '../functions/api/openapi.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../openapi.json', import.meta.url));
export const CLIENT_TYPES_FILE = fileURLToPath(new URL('../clients/typescript/src/openapi-types.ts', import.meta.url));

/** The document as the file holds it: two-space JSON and a final newline. */
export function openApiFileText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}

/** The client's types of the document. */
export async function clientTypesText(): Promise<string> {
  const types = astToString(await openapiTS(JSON.parse(openApiFileText()) as Parameters<typeof openapiTS>[0]));
  return `// Generated from openapi.json by \`npm run openapi\` (openapi-typescript): do not edit.\n${types}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_FILE, openApiFileText());
  writeFileSync(CLIENT_TYPES_FILE, await clientTypesText());
  console.log(`wrote ${OPENAPI_FILE} and ${CLIENT_TYPES_FILE}`);
}
