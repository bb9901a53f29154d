/**
 * `npm run invoke -- <api|worker|reconciler> <event.json>`: runs one handler once on a sample
 * event from `events/`, against the platform `npm start` is running, and prints its response.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourceNames } from '../lib/config/resource-names.ts';
import { localFunctionEnvironment } from './function-environment.ts';
import { FunctionProcess } from './function-process.ts';
import { localDescriptorPath, localEnvironment, type LocalPlatformDescriptor } from './platform.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const HANDLERS = {
  api: 'functions/api/handler.ts',
  worker: 'functions/worker/handler.ts',
  reconciler: 'functions/reconciler/handler.ts',
} as const;

const [name, eventFile] = process.argv.slice(2);
if (name === undefined || !(name in HANDLERS) || eventFile === undefined) {
  console.error(
    `usage: npm run invoke -- <${Object.keys(HANDLERS).join('|')}> <event.json>   e.g. npm run invoke -- api events/api/submit-echo.json`,
  );
  process.exit(2);
}

let descriptor: LocalPlatformDescriptor;
try {
  descriptor = JSON.parse(await readFile(localDescriptorPath(), 'utf8')) as LocalPlatformDescriptor;
} catch {
  console.error(`No local platform found (${localDescriptorPath()}): start it with 'npm start' first`);
  process.exit(1);
}
const event = JSON.parse(await readFile(resolve(eventFile), 'utf8')) as unknown;
const environment = localEnvironment();
const handler = new FunctionProcess({
  name: `${resourceNames(environment.name).stack}-${name}`,
  modulePath: join(root, HANDLERS[name as keyof typeof HANDLERS]),
  env: {
    ...localFunctionEnvironment(environment, descriptor),
    POWERTOOLS_SERVICE_NAME: `jobs-${name}`,
    EMAIL_OUTBOX_DIR: descriptor.outboxDir,
  },
  timeoutSeconds: environment.worker.timeoutSeconds,
  onOutput: (line) => console.error(line),
});
try {
  console.log(JSON.stringify(await handler.invoke(event), null, 2));
} finally {
  await handler.stop();
}
