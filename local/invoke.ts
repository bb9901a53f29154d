/**
 * `npm run invoke -- <api|worker|reconciler|long-job-steps> <event.json>`: runs one handler once
 * on a sample event from `events/`, against the platform `npm start` is running, and prints its
 * response. The function runs as declared (`lib/config/function-declarations.ts`): same entry,
 * timeout, memory and variables as in AWS.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { PlatformFunctionId } from '../lib/config/function-declarations.ts';
import { localFunctionSpecs } from './function-environment.ts';
import { FunctionProcess } from './function-process.ts';
import { localDescriptorPath, localEnvironment, type LocalPlatformDescriptor } from './platform.ts';

const FUNCTIONS: Readonly<Record<string, PlatformFunctionId>> = {
  api: 'api',
  worker: 'worker',
  reconciler: 'reconciler',
  'long-job-steps': 'longJobSteps',
};

const [name, eventFile] = process.argv.slice(2);
const id = name === undefined ? undefined : FUNCTIONS[name];
if (id === undefined || eventFile === undefined) {
  console.error(
    `usage: npm run invoke -- <${Object.keys(FUNCTIONS).join('|')}> <event.json>   e.g. npm run invoke -- api events/api/submit-echo.json`,
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
// No long-job twin here: an API invocation refuses long jobs, as where the stack is off.
const specs = localFunctionSpecs(localEnvironment(), descriptor, { STATE_MACHINE_ARN: '' });
const handler = FunctionProcess.fromSpec(specs[id], (line) => console.error(line), { EMAIL_OUTBOX_DIR: descriptor.outboxDir });
try {
  console.log(JSON.stringify(await handler.invoke(event), null, 2));
} finally {
  await handler.stop();
}
