import { Option, type Command } from 'commander';
import { JOB_PRIORITIES } from '../../functions/jobs/domain/priority.ts';
import { table, truncate } from './format.ts';
import { JobsApi, type Schedule } from './jobs-api.ts';
import type { Target } from './target.ts';

/** What a command needs of the program: its target, and printing as text or `--json`. */
export interface CommandContext {
  readonly target: () => Promise<Target>;
  readonly print: (json: boolean, value: unknown, text: () => string) => void;
  readonly parsePayload: (text: string | undefined) => unknown;
  readonly integer: (name: string) => (value: string) => number;
}

/**
 * Every item of a listing read a page at a time: the first page, or with `all` every page
 * (following `nextCursor`). Returns the items and the cursor left.
 */
export async function collectPages<Item>(
  readPage: (cursor: string | undefined) => Promise<{ items: Item[]; nextCursor: string | null }>,
  all: boolean,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const items: Item[] = [];
  let cursor: string | undefined;
  let nextCursor: string | null = null;
  do {
    const page = await readPage(cursor);
    items.push(...page.items);
    nextCursor = page.nextCursor;
    cursor = nextCursor ?? undefined;
  } while (all && cursor !== undefined);
  return { items, nextCursor };
}

/** `echo {"n":1}`: the job a schedule submits, in a line. */
function jobSummary(schedule: Schedule): string {
  const { type, payload, ...rest } = schedule.job as { type: string; payload?: unknown };
  const extra = Object.entries(rest).map(([key, value]) => ` ${key}=${JSON.stringify(value)}`);
  return `${type} ${JSON.stringify(payload ?? {})}${extra.join('')}`;
}

function describeSchedule(schedule: Schedule): string {
  return [
    `schedule  ${schedule.name}`,
    `fires     ${schedule.expression} (${schedule.timezone})`,
    `enabled   ${schedule.enabled ? 'yes' : 'no (paused)'}`,
    `job       ${truncate(jobSummary(schedule), 200)}`,
    `created   ${schedule.createdAt}`,
    `updated   ${schedule.updatedAt}`,
  ].join('\n');
}

const SCHEDULE_HEADER = ['NAME', 'EXPRESSION', 'TIMEZONE', 'ENABLED', 'JOB', 'UPDATED'];

function scheduleRow(schedule: Schedule): string[] {
  return [
    schedule.name,
    schedule.expression,
    schedule.timezone,
    schedule.enabled ? 'yes' : 'paused',
    truncate(jobSummary(schedule), 50),
    schedule.updatedAt,
  ];
}

interface CreateOptions {
  timezone?: string;
  disabled?: boolean;
  maxAttempts?: number;
  delay?: number;
  priority?: string;
  json?: boolean;
}

/** `jobs schedule create|list|get|pause|resume|delete`: recurring schedules, through the client. */
export function addScheduleCommands(program: Command, context: CommandContext): void {
  const { target, print, parsePayload, integer } = context;
  const api = async () => new JobsApi(await target());
  const schedule = program
    .command('schedule')
    .description('Recurring schedules: each firing of a cron(...) or rate(...) expression submits one job.');

  schedule
    .command('create')
    .description("Create a schedule whose every firing submits a job of <type> with [payload] (e.g. 'cron(0 3 * * ? *)' echo '{}').")
    .argument('<name>', 'schedule name: 1-40 characters of A-Z, a-z, 0-9, _ and -')
    .argument('<expression>', "EventBridge Scheduler 'cron(minutes hours day-of-month month day-of-week year)' or 'rate(5 minutes)'")
    .argument('<type>', 'job type of the job each firing submits, e.g. echo, email')
    .argument('[payload]', 'payload as JSON', undefined)
    .option('--timezone <zone>', 'IANA time zone the expression is read in (default: UTC)')
    .option('--disabled', 'create it paused (resume starts it)')
    .option('--max-attempts <n>', "attempts of each firing's job (1-10)", integer('--max-attempts'))
    .option('--delay <seconds>', "seconds each firing's job waits (0-900)", integer('--delay'))
    .addOption(new Option('--priority <level>', "priority of each firing's job (default: normal)").choices(JOB_PRIORITIES))
    .option('--json', 'print JSON')
    .action(async (name: string, expression: string, type: string, payload: string | undefined, options: CreateOptions) => {
      const job = {
        type,
        payload: parsePayload(payload),
        ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
        ...(options.delay === undefined ? {} : { delaySeconds: options.delay }),
        ...(options.priority === undefined ? {} : { priority: options.priority }),
      };
      const created = await (
        await api()
      ).createSchedule({
        name,
        expression,
        job,
        ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
        ...(options.disabled === true ? { enabled: false } : {}),
      });
      print(options.json === true, created, () => describeSchedule(created));
    });

  schedule
    .command('list')
    .description('List your schedules by name.')
    .option('--limit <n>', 'schedules per page (1-100)', integer('--limit'), 20)
    .option('--all', 'follow the cursor through every page')
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; all?: boolean; json?: boolean }) => {
      const client = await api();
      const listed = await collectPages(
        (cursor) => client.listSchedules({ limit: options.limit, ...(cursor === undefined ? {} : { cursor }) }),
        options.all === true,
      );
      print(options.json === true, listed, () =>
        listed.items.length === 0
          ? 'no schedules'
          : `${table([SCHEDULE_HEADER, ...listed.items.map(scheduleRow)])}${listed.nextCursor === null ? '' : '\n(more: use --all)'}`,
      );
    });

  schedule
    .command('get')
    .description('Show one schedule (its jobs: jobs list --schedule <name>).')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const found = await (await api()).getSchedule(name);
      print(options.json === true, found, () => describeSchedule(found));
    });

  for (const [command, enabled, verb] of [
    ['pause', false, 'paused'],
    ['resume', true, 'resumed'],
  ] as const) {
    schedule
      .command(command)
      .description(enabled ? 'Let a paused schedule fire again.' : 'Stop a schedule firing; its definition and jobs stay.')
      .argument('<name>')
      .option('--json', 'print JSON')
      .action(async (name: string, options: { json?: boolean }) => {
        const client = await api();
        const changed = await (enabled ? client.resumeSchedule(name) : client.pauseSchedule(name));
        print(options.json === true, changed, () => `${verb} ${changed.name}`);
      });
  }

  schedule
    .command('delete')
    .description('Delete a schedule; the jobs it made stay.')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const deleted = await (await api()).deleteSchedule(name);
      print(options.json === true, deleted ?? { name }, () => `deleted ${name}`);
    });
}
