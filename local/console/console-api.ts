import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  PurgeQueueCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { JobRepository } from '../../functions/jobs/adapters/job-repository.ts';
import { JOB_STATUSES, toJobResource, type JobStatus } from '../../functions/jobs/domain/job.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../functions/jobs/domain/errors.ts';
import { jobTypeNames } from '../../functions/jobs/domain/registry.ts';
import { DEFAULT_CALLER, localCallerArn } from '../api-gateway.ts';
import { DeadLetters, planRedrive } from '../cli/dead-letters.ts';
import type { Target } from '../cli/target.ts';
import { DeadLetterBrowser } from './dead-letter-browser.ts';
import { consoleQueues, type ConsoleQueue } from './console-queues.ts';
import { errorsByRun, jobTimeline } from './job-timeline.ts';
import { oldestMessageAgeOf, queueFigures, type OldestMessageAge } from './queue-statistics.ts';

/** Jobs per page of the Jobs view; each page is one query per shard of the caller (64), never a scan. */
export const JOBS_PAGE_SIZE = 25;
/** Messages per page of the DLQ view. */
export const DEAD_LETTERS_PAGE_SIZE = 50;

/** What the page learns of its console once: the target, whether it may write, the domain's statuses and types, the queues. */
export type ConsoleConfig = ReturnType<ConsoleApi['config']>;
export type JobsPage = Awaited<ReturnType<ConsoleApi['listJobs']>>;
export type JobDetail = Awaited<ReturnType<ConsoleApi['getJob']>>;
export type MoveTaskSummary = Awaited<ReturnType<ConsoleApi['moveTasks']>>[number];

/** A redrive or purge asked of a console started read-only. */
export class ReadOnlyConsoleError extends Error {
  readonly status = 403;
  constructor() {
    super('This console is read-only: start it with --allow-writes to redrive or purge');
    this.name = 'ReadOnlyConsoleError';
  }
}

/** Whether a console may redrive and purge: a deployed environment only when asked to, the local sandbox unless told not to. */
export function consoleWritable(options: { env?: string; allowWrites?: boolean; readOnly?: boolean }): boolean {
  if (options.readOnly === true) return false;
  const local = options.env === undefined || options.env === 'local';
  return local || options.allowWrites === true;
}

export interface ConsoleRequest {
  readonly method: string;
  /** The path below the console's API (`/jobs`, `/dlq/jobs-local-dlq`). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface ConsoleApiOptions {
  readonly target: Target;
  /** Redrive and purge are refused unless true. */
  readonly writable: boolean;
  /** Where the queues' oldest-message ages come from; CloudWatch or the local SQS server by default. */
  readonly oldestMessageAge?: OldestMessageAge;
}

type Route = (request: ConsoleRequest, parameters: string[]) => Promise<unknown>;

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

/**
 * The console's JSON API over a target's table and queues, read with the engineer's own
 * credentials as the CLI reads them. Every read respects the table layout: a job by its key,
 * a caller's jobs by their shards or the sparse status index, one page at a time.
 */
export class ConsoleApi {
  private readonly repository: JobRepository;
  private readonly queues: ReturnType<typeof consoleQueues>;
  private readonly browsers = new Map<string, DeadLetterBrowser>();
  private readonly oldestMessageAge: OldestMessageAge;
  private readonly routes: [method: string, pattern: RegExp, route: Route][];

  constructor(private readonly options: ConsoleApiOptions) {
    const { target } = options;
    this.repository = new JobRepository(target.dynamodb, target.tableName);
    this.queues = consoleQueues(target);
    this.oldestMessageAge = options.oldestMessageAge ?? oldestMessageAgeOf(target);
    for (const queue of this.queues.deadLetterQueues) {
      this.browsers.set(queue.name, new DeadLetterBrowser(new DeadLetters({ ...target, deadLetterQueueUrl: queue.url })));
    }
    this.routes = [
      ['GET', /^\/config$/, async () => this.config()],
      ['GET', /^\/overview$/, () => queueFigures(target.sqs, this.oldestMessageAge, this.queues)],
      ['GET', /^\/jobs$/, (request) => this.listJobs(request.query)],
      ['GET', /^\/jobs\/([^/]+)$/, (request, [jobId]) => this.getJob(jobId as string, request.query)],
      ['GET', /^\/dlq\/([^/]+)$/, (request, [name]) => this.browser(name).page(this.pageNumber(request.query), DEAD_LETTERS_PAGE_SIZE)],
      ['POST', /^\/dlq\/([^/]+)\/refresh$/, async (_, [name]) => this.browser(name).releaseAll()],
      ['POST', /^\/dlq\/([^/]+)\/redrive$/, (request, [name]) => this.redriveSelected(name as string, request.body)],
      ['POST', /^\/dlq\/([^/]+)\/redrive-all$/, (_, [name]) => this.redriveAll(name as string)],
      ['GET', /^\/dlq\/([^/]+)\/move-tasks$/, (_, [name]) => this.moveTasks(name as string)],
      ['POST', /^\/dlq\/([^/]+)\/purge$/, (request, [name]) => this.purge(name as string, request.body)],
    ];
  }

  /** Answers one request with the JSON to send back; throws an ApiError (or ReadOnlyConsoleError) for a refusal. */
  async handle(request: ConsoleRequest): Promise<unknown> {
    for (const [method, pattern, route] of this.routes) {
      const found = pattern.exec(request.path);
      if (found === null || method !== request.method) continue;
      if (method !== 'GET' && !this.options.writable) {
        throw new ReadOnlyConsoleError();
      }
      return route(
        request,
        found.slice(1).map((part) => decodeURIComponent(part)),
      );
    }
    throw new NotFoundError(`No console route ${request.method} ${request.path}`);
  }

  config() {
    const { target, writable } = this.options;
    return {
      target: target.description,
      local: target.localSqsEndpoint !== undefined,
      writable,
      statuses: JOB_STATUSES,
      jobTypes: jobTypeNames(),
      defaultCaller: target.localSqsEndpoint === undefined ? null : localCallerArn(target.caller ?? DEFAULT_CALLER),
      jobQueues: this.queues.jobQueues.map((queue) => queue.name),
      deadLetterQueues: this.queues.deadLetterQueues.map((queue) => queue.name),
      jobsPageSize: JOBS_PAGE_SIZE,
      deadLettersPageSize: DEAD_LETTERS_PAGE_SIZE,
    };
  }

  /** The owner a caller filter names: an IAM ARN as the API stores it, or locally the short name the `x-caller-id` header takes. */
  private ownerOf(query: URLSearchParams): string {
    const caller = query.get('caller')?.trim() || (this.config().defaultCaller ?? '');
    if (caller.startsWith('arn:')) return caller;
    if (caller !== '' && this.options.target.localSqsEndpoint !== undefined) return localCallerArn(caller);
    throw new ValidationError('Give the caller as its IAM ARN (the owner the API stored)', [
      { path: 'caller', message: caller === '' ? 'required' : `'${caller}' is not an ARN` },
    ]);
  }

  async listJobs(query: URLSearchParams) {
    const owner = this.ownerOf(query);
    const status = query.get('status') || undefined;
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
      throw new ValidationError('Unknown status', [{ path: 'status', message: `must be one of ${JOB_STATUSES.join(', ')}` }]);
    }
    const type = query.get('type') || undefined;
    const cursor = query.get('cursor') || undefined;
    const page = await this.repository.list({
      owner,
      limit: JOBS_PAGE_SIZE,
      ...(status === undefined ? {} : { status: status as JobStatus }),
      ...(type === undefined ? {} : { type }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    return { owner, items: page.items.map(toJobResource), nextCursor: page.nextCursor };
  }

  async getJob(jobId: string, query: URLSearchParams) {
    const owner = this.ownerOf(query);
    const job = await this.repository.get({ owner, jobId });
    if (job === undefined) throw new NotFoundError(`No job ${jobId} of ${owner}`);
    return { owner, job: toJobResource(job), timeline: jobTimeline(job), runs: errorsByRun(job) };
  }

  private pageNumber(query: URLSearchParams): number {
    const page = Number(query.get('page') ?? '0');
    if (!Number.isInteger(page) || page < 0 || page > 1_000) {
      throw new ValidationError('Invalid page', [{ path: 'page', message: 'must be an integer from 0 to 1000' }]);
    }
    return page;
  }

  private browser(name: string | undefined): DeadLetterBrowser {
    const browser = this.browsers.get(name ?? '');
    if (browser === undefined) throw new NotFoundError(`No dead-letter queue ${name}`);
    return browser;
  }

  private queueOf(deadLetterQueue: string): ConsoleQueue {
    const queue = this.queues.deadLetterQueues.find((candidate) => candidate.name === deadLetterQueue);
    if (queue === undefined) throw new NotFoundError(`No dead-letter queue ${deadLetterQueue}`);
    return queue;
  }

  /** "Redrive selected": the CLI's redrive of the messages picked, each failed job queued for a new run. */
  private async redriveSelected(name: string, body: unknown) {
    const messageIds = field(body, 'messageIds');
    if (!Array.isArray(messageIds) || messageIds.length === 0 || !messageIds.every((id) => typeof id === 'string')) {
      throw new ValidationError('Select the messages to redrive', [
        { path: 'messageIds', message: 'must be a non-empty list of message ids' },
      ]);
    }
    const browser = this.browser(name);
    const entries = browser.take(messageIds as string[]);
    const plan = planRedrive(entries);
    await browser.letters.carryOut({ ...plan, entries });
    return {
      redriven: plan.selected.map((entry) => entry.letter.job?.jobId),
      skipped: entries.length - plan.selected.length - plan.staleCopies.length,
      // Ids no longer held (another redrive, or their hold ran out): refresh and pick again.
      notFound: messageIds.length - entries.length,
    };
  }

  /** "Redrive all": a message move task, as the SQS console's "Start DLQ redrive" sends it. */
  private async redriveAll(name: string) {
    const queue = this.queueOf(name);
    // A move task moves visible messages only: the ones the pages hold go back first.
    await this.browser(name).releaseAll();
    try {
      const { TaskHandle } = await this.options.target.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: await this.arnOf(queue) }));
      return { taskHandle: TaskHandle };
    } catch (error) {
      // SQS refuses a second task on the same DLQ (one active task per source queue).
      if (error instanceof Error && error.name === 'InvalidParameterValue') throw new ConflictError(error.message);
      throw error;
    }
  }

  async moveTasks(name: string) {
    const { Results = [] } = await this.options.target.sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: await this.arnOf(this.queueOf(name)), MaxResults: 10 }),
    );
    return Results.map((task) => ({
      status: task.Status ?? 'UNKNOWN',
      moved: task.ApproximateNumberOfMessagesMoved ?? 0,
      toMove: task.ApproximateNumberOfMessagesToMove ?? null,
      startedAt: task.StartedTimestamp === undefined ? null : new Date(task.StartedTimestamp).toISOString(),
      failureReason: task.FailureReason ?? null,
    }));
  }

  /** Purges the DLQ once the engineer typed its name: every message goes, which nothing can undo. */
  private async purge(name: string, body: unknown) {
    const queue = this.queueOf(name);
    if (field(body, 'confirm') !== name) {
      throw new ValidationError(`Type the queue's name (${name}) to purge it`, [{ path: 'confirm', message: `must be '${name}'` }]);
    }
    await this.options.target.sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
    this.browser(name).forget();
    return { purged: name };
  }

  private async arnOf(queue: ConsoleQueue): Promise<string> {
    const { Attributes } = await this.options.target.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
    );
    return Attributes?.QueueArn ?? '';
  }
}
