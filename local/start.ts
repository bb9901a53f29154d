/**
 * `npm start [-- --reset] [-- --data-dir <dir>]`: the whole platform on this machine, with no AWS
 * account and no Docker. Its tables, queues and outbox live in `.local/local/` (or `--data-dir`)
 * and survive a restart; `--reset` starts from a clean slate.
 * Ports: PORT (API, default 3000), DYNAMODB_PORT (default 8000), SQS_PORT (default 4566).
 */
import { parseArgs } from 'node:util';
import { formatBanner } from './banner.ts';
import { targetOfLocalPlatform } from './cli/target.ts';
import { CONSOLE_BASE_PATH, consoleApp } from './console/console-server.ts';
import { formatFunctionOutput } from './function-output.ts';
import { onParentExit } from './parent-watch.ts';
import { defaultDataDir, localEnvironment, resetLocalState, startLocalPlatform } from './platform.ts';
import { PrerequisiteError } from './services/prerequisite-error.ts';

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`${name} must be a port number from 0 to 65535, '${raw}' given`);
    process.exit(1);
  }
  return port;
}

function commandLine(): { reset: boolean; dataDir: string } {
  try {
    const { values } = parseArgs({ options: { reset: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } } });
    return { reset: values.reset, dataDir: values['data-dir'] ?? defaultDataDir(localEnvironment().name) };
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\nusage: npm start [-- --reset] [-- --data-dir <dir>]`);
    process.exit(2);
  }
}

const startedAt = performance.now();
const { reset, dataDir } = commandLine();
try {
  if (reset) await resetLocalState(dataDir);
  const platform = await startLocalPlatform({
    apiPort: portFromEnv('PORT', 3000),
    dynamoDbPort: portFromEnv('DYNAMODB_PORT', 8000),
    sqsPort: portFromEnv('SQS_PORT', 4566),
    dataDir,
    persist: true,
    warmAllWorkers: true,
    onFunctionOutput: (line, functionName) => {
      const formatted = formatFunctionOutput(line, functionName);
      if (formatted !== undefined) console.log(formatted);
    },
    onError: (error) => console.error(`event source: ${error instanceof Error ? error.message : String(error)}`),
  });
  // The on-call console at /console of the local API, with writes: the local platform is a sandbox.
  platform.mount(CONSOLE_BASE_PATH, consoleApp({ target: targetOfLocalPlatform(platform.descriptor), writable: true }).listener);
  console.log(formatBanner(platform, { readySeconds: (performance.now() - startedAt) / 1000, dataDir, reset }));
  void platform.warming?.then(() =>
    console.log(
      `All ${platform.workerEnvironments} worker environments warm (${((performance.now() - startedAt) / 1000).toFixed(1)} s after the start)`,
    ),
  );
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${reason}: stopping the local platform…`);
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  // Ctrl-C, `kill`, `timeout`, an IDE's stop button or a closed terminal: all stop everything.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
  // npm does not pass every signal on (SIGHUP, or SIGKILL of npm itself): stop when it is gone.
  onParentExit(() => shutdown('the parent process ended'));
} catch (error) {
  if (error instanceof PrerequisiteError) {
    console.error(`Cannot start the local platform: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
