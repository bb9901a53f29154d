/**
 * `npm run console [-- --env <name>] [-- --allow-writes] [-- --read-only] [-- --port <n>]`: the
 * on-call web console on http://127.0.0.1:<port>/console/, talking to the local platform (the
 * one `npm start` runs) or, with `--env`, to a deployed stack with your own AWS credentials, as
 * the `jobs` CLI does. Nothing is deployed for it: it runs on this machine only.
 *
 * Writes (redrive, purge): a deployed environment's console is read-only unless started with
 * `--allow-writes`; the local platform's allows them unless started with `--read-only`.
 */
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from '../cli/cli-error.ts';
import { resolveTarget } from '../cli/target.ts';
import { consoleWritable } from './console-api.ts';
import { startConsoleServer } from './console-server.ts';

const program = new Command('console')
  .description('The on-call web console for jobs and the DLQ, on 127.0.0.1.')
  .option('--env <name>', 'deployed environment (stack jobs-<name>, found with your AWS credentials); default: the local platform')
  .option('--allow-writes', 'deployed environments: allow redrive and purge (read-only otherwise)')
  .option('--read-only', 'refuse redrive and purge, also on the local platform')
  .option('--port <n>', 'port on 127.0.0.1', process.env.CONSOLE_PORT ?? '3100')
  .option('--caller <id>', 'local platform only: the caller whose jobs the Jobs view opens with (default: local-user)')
  .option('--platform-file <path>', 'local platform only: the descriptor it wrote (default: .local/local/platform.json)')
  .exitOverride();

try {
  program.parse();
  const options = program.opts<{
    env?: string;
    allowWrites?: boolean;
    readOnly?: boolean;
    port: string;
    caller?: string;
    platformFile?: string;
  }>();
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new CliError(`--port must be a port number from 0 to 65535, '${options.port}' given`, EXIT.usage);
  const target = await resolveTarget(options);
  const writable = consoleWritable(options);
  const server = await startConsoleServer(port, { target, writable });
  console.log(`Jobs console for ${target.description}: ${server.url}  (${writable ? 'redrive and purge allowed' : 'read-only'})`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void server.close().then(() => process.exit(0)));
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(error instanceof CliError ? error.exitCode : 1);
}
