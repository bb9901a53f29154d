import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
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

/** What a handler module needs in its environment to load (its cold start reads these). */
const HANDLER_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'jobs-bench-jobs',
  QUEUE_URL: 'http://127.0.0.1:1/000000000000/jobs-bench-queue',
  HIGH_PRIORITY_QUEUE_URL: 'http://127.0.0.1:1/000000000000/jobs-bench-queue-high',
  LOW_PRIORITY_QUEUE_URL: 'http://127.0.0.1:1/000000000000/jobs-bench-queue-low',
  DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:1/000000000000/jobs-bench-dlq',
  RETRY_MAX_ATTEMPTS: '3',
  RETRY_BASE_SECONDS: '2',
  RETRY_CAP_SECONDS: '60',
  JOB_RETENTION_DAYS: '15',
  WORKER_CONCURRENCY: '10',
  WORKER_TIMEOUT_SECONDS: '30',
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_METRICS_NAMESPACE: 'bench',
};

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
async function loadTimeMs(modulePath: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(modulePath).href)}); console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: HANDLER_ENV, cwd: root });
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
    { name: 'api', entry: join(root, 'functions/api/handler.ts') },
    { name: 'worker', entry: join(root, 'functions/worker/handler.ts') },
  ];
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
      bundledTimes.push(await loadTimeMs(bundled));
      onProgress(++done, total);
      unbundledTimes.push(await loadTimeMs(unbundled));
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
