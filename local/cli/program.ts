import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommanderError, Option } from 'commander';
import { FINISHED_STATUSES, JOB_STATUSES, lastErrorOf, toJobResource, type JobResource } from '../../functions/jobs/domain/job.ts';
import { JOB_PRIORITIES } from '../../functions/jobs/domain/priority.ts';
import { CliError, EXIT, type ExitCode } from './cli-error.ts';
import { DeadLetters, deadLetterVerdict, describeDeadLetter, failedAtOf, planRedrive, type DeadLetterEntry } from './dead-letters.ts';
import { formatAge, jobLine, parseSince, progressBar, table, truncate } from './format.ts';
import { JobsApi } from './jobs-api.ts';
import { addScheduleCommands, collectPages } from './schedule-commands.ts';
import { describeFileSubmission, fileProgress, submitFile } from './submit-file.ts';
import { resolveTarget, type Target } from './target.ts';

/** How the CLI talks to the person (or script) running it; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Asks a yes/no question; only called when the input is a terminal. */
  confirm(question: string): Promise<boolean>;
  readonly interactive: boolean;
  /** Rewrites the current line (a live progress bar) when output is a terminal. */
  readonly liveOutput: boolean;
}

interface GlobalOptions {
  env?: string;
  caller?: string;
  platformFile?: string;
}

const SECONDS_TO_HOLD_DLQ_READS = 60;

function statusExit(job: JobResource): ExitCode {
  return job.status === 'completed' ? EXIT.ok : job.status === 'failed' || job.status === 'cancelled' ? EXIT.jobFailed : EXIT.ok;
}

function parsePayload(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`The payload is not valid JSON: ${(error as Error).message}`, EXIT.usage);
  }
}

function integer(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed)) throw new CliError(`${name} must be an integer, '${value}' given`, EXIT.usage);
    return parsed;
  };
}

function describeJob(job: JobResource): string {
  const lines = [
    `job       ${job.jobId}`,
    `type      ${job.type}`,
    `status    ${job.status}`,
    `attempts  ${job.attempts}/${job.maxAttempts}${job.run > 1 ? ` (run ${job.run})` : ''}`,
    `created   ${job.createdAt}`,
  ];
  if (job.startedAt !== undefined) lines.push(`started   ${job.startedAt}`);
  if (job.completedAt !== undefined) lines.push(`finished  ${job.completedAt}`);
  if (job.nextAttemptAt !== undefined) lines.push(`next try  ${job.nextAttemptAt}`);
  if (job.progress !== undefined) lines.push(`progress  ${progressBar(job.progress.done, job.progress.total)}`);
  if (job.lastError !== undefined) lines.push(`error     attempt ${job.lastError.attempt}: ${job.lastError.message}`);
  if (job.result !== undefined) lines.push(`result    ${truncate(JSON.stringify(job.result), 200)}`);
  return lines.join('\n');
}

/** Polls a job until it finishes, drawing its status and progress; returns the finished job. */
async function watchJob(api: JobsApi, jobId: string, io: CliIo, json: boolean, intervalMs = 500): Promise<JobResource> {
  let last = '';
  for (;;) {
    const job = await api.get(jobId);
    const line = `${job.status.padEnd(9)} attempt ${job.attempts}/${job.maxAttempts}${
      job.progress === undefined ? '' : `  ${progressBar(job.progress.done, job.progress.total)}`
    }${job.lastError === undefined || job.status === 'completed' ? '' : `  last error: ${truncate(job.lastError.message, 60)}`}`;
    if (line !== last && !json) {
      if (io.liveOutput) io.out(`\r\x1b[2K${line}${FINISHED_STATUSES.has(job.status) ? '\n' : ''}`);
      else io.out(`${line}\n`);
      last = line;
    }
    if (FINISHED_STATUSES.has(job.status)) return job;
    await sleep(intervalMs);
  }
}

/** The LETTER column: whether a redrive runs the job again, or why it cannot. */
function letterKind(entry: DeadLetterEntry): string {
  const verdict = deadLetterVerdict(entry);
  return verdict.kind === 'poison' ? `poison: ${verdict.reason}` : verdict.kind === 'redrive' ? 'redrivable' : 'awaiting reconciler';
}

const DEAD_LETTER_HEADER = ['JOB', 'TYPE', 'ATTEMPTS', 'STATUS', 'AGE', 'LETTER', 'LAST ERROR'];

function deadLetterRow(entry: DeadLetterEntry, now: number): string[] {
  const { letter, job } = entry;
  return [
    letter.job?.jobId ?? `(message ${letter.messageId})`,
    job?.type ?? letter.job?.type ?? '?',
    job === undefined ? '-' : `${job.attempts}/${job.maxAttempts}`,
    job?.status ?? 'no record',
    formatAge(now - (job?.completedAt === undefined ? letter.sentAt : Date.parse(job.completedAt))),
    letterKind(entry),
    truncate((job === undefined ? undefined : lastErrorOf(job))?.message ?? '', 70),
  ];
}

/**
 * `dlq purge`: deletes every message, or with `--poison` only the letters no redrive can run;
 * asks first unless `--yes`.
 */
async function purgeDeadLetters(target: Target, options: { yes?: boolean; poison?: boolean }, io: CliIo): Promise<void> {
  const confirm = async (what: string) => {
    if (options.yes === true) return;
    if (!io.interactive) throw new CliError('Refusing to purge without confirmation: pass --yes', EXIT.usage);
    if (!(await io.confirm(`Delete ${what}? This cannot be undone. [y/N] `))) throw new CliError('Purge aborted', EXIT.aborted);
  };
  const letters = new DeadLetters(target);
  if (options.poison !== true) {
    await confirm(`every message in ${target.deadLetterQueueUrl}`);
    await letters.queue.purge();
    io.out('purged the dead-letter queue\n');
    return;
  }
  const entries = await letters.read(SECONDS_TO_HOLD_DLQ_READS);
  const poison = entries.filter((entry) => deadLetterVerdict(entry).kind === 'poison');
  await letters.release(entries.filter((entry) => !poison.includes(entry)));
  try {
    await confirm(`${poison.length} poison letter(s) from ${target.deadLetterQueueUrl}`);
  } catch (error) {
    await letters.release(poison);
    throw error;
  }
  await letters.queue.delete(poison.map((entry) => entry.letter));
  io.out(`deleted ${poison.length} poison letter(s)\n`);
}

/**
 * Builds the `jobs` command line. Every command resolves its target (the local platform, or a
 * deployed stack with `--env`) and returns an exit code instead of exiting, so tests can run it.
 */
export function buildProgram(io: CliIo, setExit: (code: ExitCode) => void): Command {
  const program = new Command('jobs')
    .description('Submit, inspect and operate jobs on the job platform (local by default, or a deployed stack with --env).')
    .option(
      '--env <name>',
      'deployed environment to target (stack jobs-<name>, found with your AWS credentials); default: the local platform',
    )
    .option('--caller <id>', `local platform only: the caller identity to act as (default: local-user)`)
    .option('--platform-file <path>', 'local platform only: the descriptor it wrote (default: .local/local/platform.json)')
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .exitOverride()
    .showHelpAfterError();

  const target = (): Promise<Target> => resolveTarget(program.opts<GlobalOptions>());
  const print = (json: boolean, value: unknown, text: () => string) => io.out(`${json ? JSON.stringify(value, null, 2) : text()}\n`);

  program
    .command('submit')
    .description(
      'Submit a job and print it (with --watch, follow it until it finishes); with --file, submit every job of an NDJSON file in batches of 100.',
    )
    .argument('[type]', 'job type, e.g. echo, sleep, flaky, email, report')
    .argument('[payload]', 'payload as JSON', undefined)
    .option('--file <path>', 'NDJSON file: one POST /jobs body per line, each with an optional "idempotencyKey"')
    .option('--max-attempts <n>', 'attempts before the job fails (1-10)', integer('--max-attempts'))
    .option('--delay <seconds>', 'seconds before the first attempt (0-900)', integer('--delay'))
    .addOption(
      new Option('--priority <level>', 'each level has its own queue and worker concurrency (default: normal)').choices(JOB_PRIORITIES),
    )
    .option('--idempotency-key <key>', 'resubmitting with the same key within 24 h returns the same job')
    .option('--watch', 'follow the job until it finishes; the exit code tells how it ended')
    .option('--json', 'print JSON')
    .action(
      async (
        type: string | undefined,
        payload: string | undefined,
        options: {
          file?: string;
          maxAttempts?: number;
          delay?: number;
          priority?: string;
          idempotencyKey?: string;
          watch?: boolean;
          json?: boolean;
        },
      ) => {
        if (options.file !== undefined && type !== undefined) throw new CliError('Give either a job type or --file, not both', EXIT.usage);
        if (options.file === undefined && type === undefined) {
          throw new CliError("Give a job type (e.g. jobs submit echo '{}') or --file <jobs.ndjson>", EXIT.usage);
        }
        const api = new JobsApi(await target());
        if (options.file !== undefined) {
          const submission = await submitFile(api, options.file, (done, total) => {
            if (io.liveOutput) io.err(`\r${fileProgress(done, total)}${done === total ? '\n' : ''}`);
          });
          print(options.json === true, submission.outcomes, () => describeFileSubmission(submission));
          setExit(submission.exitCode);
          return;
        }
        const body = {
          type: type as string,
          payload: parsePayload(payload),
          ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
          ...(options.delay === undefined ? {} : { delaySeconds: options.delay }),
          ...(options.priority === undefined ? {} : { priority: options.priority }),
        };
        const job = await api.submit(body, options.idempotencyKey);
        print(options.json === true, job, () => (options.watch === true ? `submitted ${job.jobId}` : describeJob(job)));
        if (options.watch === true) setExit(statusExit(await watchJob(api, job.jobId, io, options.json === true)));
      },
    );

  program
    .command('get')
    .description('Show one job.')
    .argument('<jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { json?: boolean }) => {
      const job = await new JobsApi(await target()).get(jobId);
      print(options.json === true, job, () => describeJob(job));
    });

  program
    .command('list')
    .description('List your jobs, newest first.')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices([...JOB_STATUSES]))
    .option('--type <type>', 'only jobs of this type')
    .option('--schedule <name>', 'only the jobs this recurring schedule made')
    .option('--limit <n>', 'jobs per page (1-100)', integer('--limit'), 20)
    .option('--all', 'follow the cursor through every page')
    .option('--json', 'print JSON')
    .action(async (options: { status?: string; type?: string; schedule?: string; limit: number; all?: boolean; json?: boolean }) => {
      const api = new JobsApi(await target());
      const { items, nextCursor } = await collectPages(
        (cursor) =>
          api.list({
            status: options.status,
            type: options.type,
            schedule: options.schedule,
            limit: options.limit,
            ...(cursor === undefined ? {} : { cursor }),
          }),
        options.all === true,
      );
      print(options.json === true, { items, nextCursor }, () =>
        items.length === 0
          ? 'no jobs'
          : `${table([['JOB', 'TYPE', 'STATUS', 'ATTEMPTS', 'CREATED', 'LAST ERROR'], ...items.map(jobLine)])}${nextCursor === null ? '' : '\n(more: use --all)'}`,
      );
    });

  program
    .command('watch')
    .description('Follow a job live, with its progress bar, until it finishes. Exit code 0 completed, 1 failed or cancelled.')
    .argument('<jobId>')
    .option('--json', 'print the finished job as JSON')
    .action(async (jobId: string, options: { json?: boolean }) => {
      const job = await watchJob(new JobsApi(await target()), jobId, io, options.json === true);
      if (options.json === true) print(true, job, () => '');
      setExit(statusExit(job));
    });

  program
    .command('cancel')
    .description('Cancel a queued or retrying job (exit code 4 if it is past that).')
    .argument('<jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { json?: boolean }) => {
      const job = await new JobsApi(await target()).cancel(jobId);
      print(options.json === true, job, () => `cancelled ${job.jobId}`);
    });

  addScheduleCommands(program, { target, print, parsePayload, integer });

  const dlq = program.command('dlq').description('Inspect and operate the dead-letter queue (needs SQS and DynamoDB access to the stack).');

  dlq
    .command('list')
    .description('List dead-lettered jobs: id, type, attempts, status, age, whether a redrive can run it (poison: it cannot), last error.')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const entries = await new DeadLetters(await target()).read(0);
      const now = Date.now();
      print(options.json === true, entries.map(describeDeadLetter), () =>
        entries.length === 0
          ? 'the dead-letter queue is empty'
          : table([DEAD_LETTER_HEADER, ...entries.map((entry) => deadLetterRow(entry, now))]),
      );
    });

  dlq
    .command('show')
    .description('Show a dead-lettered job with its message and error history.')
    .argument('<jobId>')
    .option('--json', 'print JSON')
    .action(async (jobId: string, options: { json?: boolean }) => {
      const entries = await new DeadLetters(await target()).read(0);
      const entry = entries.find((candidate) => candidate.letter.job?.jobId === jobId);
      if (entry === undefined) throw new CliError(`No message for job ${jobId} in the dead-letter queue`, EXIT.notFound);
      print(options.json === true, { ...describeDeadLetter(entry), job: entry.job ?? null, body: entry.letter.body }, () =>
        [
          `message   ${entry.letter.messageId} (sent ${new Date(entry.letter.sentAt).toISOString()}, received ${entry.letter.receiveCount} times)`,
          entry.job === undefined ? 'job       no record' : describeJob(toJobResource(entry.job)),
          ...(entry.job?.errorHistory ?? []).map((error) => `  run ${error.run} attempt ${error.attempt} at ${error.at}: ${error.message}`),
        ].join('\n'),
      );
    });

  dlq
    .command('redrive')
    .description(
      'Send failed jobs back to the job queue to run again (attempts restart; their error history is kept). Poison letters stay in the DLQ.',
    )
    .option('--type <type>', 'only jobs of this type')
    .option('--since <when>', 'only jobs that failed since then: a duration back from now (30m, 2h, 7d) or an ISO-8601 time')
    .option('--dry-run', 'list what would be redriven, change nothing')
    .option('--json', 'print JSON')
    .action(async (options: { type?: string; since?: string; dryRun?: boolean; json?: boolean }) => {
      let since: number | undefined;
      try {
        since = options.since === undefined ? undefined : parseSince(options.since);
      } catch (error) {
        throw new CliError(`--since: ${(error as Error).message}`, EXIT.usage);
      }
      const letters = new DeadLetters(await target());
      const entries = await letters.read(SECONDS_TO_HOLD_DLQ_READS);
      const { selected, staleCopies, poison } = planRedrive(entries, (entry) => {
        const type = entry.job?.type ?? entry.letter.job?.type;
        return (options.type === undefined || type === options.type) && (since === undefined || failedAtOf(entry) >= since);
      });
      if (options.dryRun === true) await letters.release(entries);
      else await letters.carryOut({ selected, staleCopies, entries });
      const now = Date.now();
      const poisonNote =
        poison.length === 0 ? '' : `\nleft ${poison.length} poison letter(s) in the DLQ (see dlq list; dlq purge --poison removes them)`;
      print(
        options.json === true,
        { dryRun: options.dryRun === true, redriven: selected.map(describeDeadLetter), poison: poison.map(describeDeadLetter) },
        () =>
          (selected.length === 0
            ? 'nothing to redrive'
            : `${table([DEAD_LETTER_HEADER, ...selected.map((entry) => deadLetterRow(entry, now))])}\n${
                options.dryRun === true ? `would redrive ${selected.length} job(s)` : `redrove ${selected.length} job(s)`
              }`) + poisonNote,
      );
    });

  dlq
    .command('purge')
    .description(
      'Delete every message in the dead-letter queue (their jobs stay failed), or with --poison only the poison letters. Asks first unless --yes.',
    )
    .option('--poison', 'delete only letters no redrive can run (see dlq list)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (options: { yes?: boolean; poison?: boolean }) => purgeDeadLetters(await target(), options, io));

  return program;
}

/** Runs the CLI on `argv` (without the node and script entries) and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exit: ExitCode = EXIT.ok;
  const program = buildProgram(io, (code) => (exit = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      io.err(`${error.message}\n`);
      return error.exitCode;
    }
    io.err(`${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.unavailable;
  }
}
