import {
  JobsApiError,
  JobsClient,
  NetworkError,
  type BatchOutcome,
  type JobPage,
  type ListQuery,
  type PageQuery,
  type Schedule,
  type ScheduleCreation,
  type SchedulePage,
} from '../../clients/typescript/src/index.ts';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { CliError, EXIT, exitCodeOfStatus } from './cli-error.ts';
import type { Target } from './target.ts';

export type BatchItemResult = BatchOutcome;
export type { JobPage, Schedule, SchedulePage };

/** The client's error as the CLI reports it: one line (plus failing fields) and its exit code. */
function cliErrorOf(error: unknown, target: Target): unknown {
  if (error instanceof NetworkError)
    return new CliError(
      `Cannot reach ${target.description}: ${error.cause instanceof Error ? error.cause.message : error.message}`,
      EXIT.unavailable,
    );
  if (!(error instanceof JobsApiError)) return error;
  const details = error.details.map((detail) => `\n  ${detail.path}: ${detail.message}`).join('');
  const message = error.code === undefined ? error.message : `${error.code}: ${error.message}${details}`;
  return new CliError(message, exitCodeOfStatus(error.status));
}

/** The first page of a listing (the CLI follows `nextCursor` itself, with `--all`). */
async function firstPage<Item>(
  pages: AsyncGenerator<{ items: Item[]; nextCursor: string | null }>,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  for await (const page of pages) return page;
  return { items: [], nextCursor: null };
}

/**
 * The platform's API as the CLI uses it: the TypeScript client (clients/typescript), which signs
 * requests to AWS and retries what is safe, with its errors turned into the CLI's exit codes.
 */
export class JobsApi {
  private readonly client: JobsClient;

  constructor(private readonly target: Target) {
    this.client = new JobsClient({
      baseUrl: target.apiUrl,
      ...(target.signRequests ? { region: target.region } : {}),
      ...(target.caller === undefined ? {} : { caller: target.caller }),
    });
  }

  private async call<T>(request: (client: JobsClient) => Promise<T>): Promise<T> {
    try {
      return await request(this.client);
    } catch (error) {
      throw cliErrorOf(error, this.target);
    }
  }

  submit(body: unknown, idempotencyKey?: string): Promise<JobResource> {
    return this.call((client) => client.submitBody(body, idempotencyKey) as Promise<JobResource>);
  }

  /** Up to 100 jobs in one request; each body may carry its own `idempotencyKey`. */
  async submitBatch(jobs: readonly unknown[]): Promise<{ items: BatchItemResult[] }> {
    // Lines of a file, as the user wrote them: the API validates each in its slot.
    return { items: await this.call((client) => client.submitBatch(jobs as Record<string, unknown>[])) };
  }

  get(jobId: string): Promise<JobResource> {
    return this.call((client) => client.get(jobId) as Promise<JobResource>);
  }

  /** One page of the listing; the API validates the user's `status`. */
  list(query: Omit<ListQuery, 'status'> & { status?: string }): Promise<JobPage> {
    return this.call((client) => firstPage(client.list(query as ListQuery)));
  }

  cancel(jobId: string): Promise<JobResource> {
    return this.call((client) => client.cancel(jobId) as Promise<JobResource>);
  }

  /** A schedule as the user wrote it: the API validates its job. */
  createSchedule(schedule: Record<string, unknown>): Promise<Schedule> {
    return this.call((client) => client.createSchedule(schedule as ScheduleCreation));
  }

  getSchedule(name: string): Promise<Schedule> {
    return this.call((client) => client.getSchedule(name));
  }

  /** One page of the caller's schedules. */
  listSchedules(query: PageQuery): Promise<SchedulePage> {
    return this.call((client) => firstPage(client.listSchedules(query)));
  }

  pauseSchedule(name: string): Promise<Schedule> {
    return this.call((client) => client.pauseSchedule(name));
  }

  resumeSchedule(name: string): Promise<Schedule> {
    return this.call((client) => client.resumeSchedule(name));
  }

  deleteSchedule(name: string): Promise<Schedule | undefined> {
    return this.call((client) => client.deleteSchedule(name));
  }
}
