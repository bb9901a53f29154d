import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import { localFunctionSpecs } from '../local/function-environment.ts';
import { localEnvironment } from '../local/platform.ts';
import { median } from './stats.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/**
 * The bundling of lib/constructs/job-function.ts (`NodejsFunction` props: ESM, node24, minified,
 * source maps, `mainFields: ['module', 'main']`, the SDK bundled), repeated here because the
 * construct passes them to the CDK, which calls esbuild itself.
 */
const LAMBDA_BUNDLE: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'silent',
};

/** Where the handlers' variables point: nowhere they are called, as they only load here. */
const NOWHERE = 'http://127.0.0.1:1';
const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:000000000000:${resource}`;

/**
 * What a handler module needs in its environment to load (its cold start reads these): the
 * variables its declaration names, as the local runtime sets them, so a new variable can never
 * leave this measurement behind.
 */
function handlerEnv(id: 'api' | 'worker'): NodeJS.ProcessEnv {
  const spec = localFunctionSpecs(
    localEnvironment({ name: 'bench' }),
    {
      endpoints: { dynamodb: NOWHERE, sqs: NOWHERE },
      tableName: 'jobs-bench-jobs',
      queueUrls: { high: `${NOWHERE}/q/high`, normal: `${NOWHERE}/q/normal`, low: `${NOWHERE}/q/low` },
      deadLetterQueueUrl: `${NOWHERE}/q/dlq`,
      scheduler: {
        endpoint: NOWHERE,
        queueArns: { high: arn('sqs', 'high'), normal: arn('sqs', 'normal'), low: arn('sqs', 'low') },
        deadLetterQueueUrl: `${NOWHERE}/q/schedule-dlq`,
        deadLetterQueueArn: arn('sqs', 'schedule-dlq'),
        roleArn: 'arn:aws:iam::000000000000:role/scheduler',
        firingFunctionArn: arn('lambda', 'function:firing'),
      },
      webhooks: {
        queueUrl: `${NOWHERE}/q/webhooks`,
        deadLetterQueueUrl: `${NOWHERE}/q/webhooks-dlq`,
        secretId: 'secret',
        secretsManagerEndpoint: NOWHERE,
      },
    },
    { STATE_MACHINE_ARN: '' },
  )[id];
  return { ...spec.env, NODE_OPTIONS: '' };
}

export interface BundleMeasurement {
  readonly handler: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Median ms to import the bundle in a fresh Node process. */
  readonly bundledLoadMs: number;
  /** Median ms to import the same handler with its dependencies loaded from node_modules. */
  readonly unbundledLoadMs: number;
  readonly runs: number;
}

/** Milliseconds to `import()` the module in a fresh process, timed inside that process. */
async function loadTimeMs(modulePath: string, env: NodeJS.ProcessEnv): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(modulePath).href)}); console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env, cwd: root });
  return Number(stdout.trim().split('\n').pop());
}

/**
 * Bundles each handler as the CDK does and as a baseline with its dependencies left in
 * node_modules (`packages: 'external'`: the project's own code in one file, the SDK and
 * Powertools resolved file by file as an unbundled deployment would), then imports each in
 * `runs` fresh processes and keeps the median.
 */
export async function measureBundles(runs: number, onProgress: (done: number, total: number) => void): Promise<BundleMeasurement[]> {
  const outDir = join(root, 'bench/report/bundles');
  await mkdir(outDir, { recursive: true });
  const handlers = [
    { name: 'api', entry: join(root, 'functions/api/handler.ts'), env: handlerEnv('api') },
    { name: 'worker', entry: join(root, 'functions/worker/handler.ts'), env: handlerEnv('worker') },
  ] as const;
  const results: BundleMeasurement[] = [];
  const total = handlers.length * runs * 2;
  let done = 0;
  for (const handler of handlers) {
    const bundled = join(outDir, `${handler.name}.mjs`);
    const unbundled = join(outDir, `${handler.name}.external.mjs`);
    await build({ ...LAMBDA_BUNDLE, entryPoints: [handler.entry], outfile: bundled });
    await build({
      ...LAMBDA_BUNDLE,
      minify: false,
      sourcemap: false,
      packages: 'external',
      entryPoints: [handler.entry],
      outfile: unbundled,
    });
    const code = await readFile(bundled);
    const bundledTimes: number[] = [];
    const unbundledTimes: number[] = [];
    // Alternate the two so that a busy moment of the machine hits both alike.
    for (let index = 0; index < runs; index += 1) {
      bundledTimes.push(await loadTimeMs(bundled, handler.env));
      onProgress(++done, total);
      unbundledTimes.push(await loadTimeMs(unbundled, handler.env));
      onProgress(++done, total);
    }
    results.push({
      handler: handler.name,
      bytes: code.byteLength,
      gzipBytes: gzipSync(code).byteLength,
      bundledLoadMs: median(bundledTimes),
      unbundledLoadMs: median(unbundledTimes),
      runs,
    });
  }
  return results;
}
