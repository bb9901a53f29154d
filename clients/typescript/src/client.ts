import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, NotFoundError, WaitTimeoutError } from './errors.ts';
import type { components } from './openapi-types.ts';
import { Transport, type TransportOptions } from './transport.ts';

type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobStatus = Schemas['JobStatus'];
export type JobPage = Schemas['JobPage'];
export type Stats = Schemas['Stats'];
export type BatchOutcome = Schemas['BatchResult']['items'][number];
/** A `POST /jobs` body of any type the contract lists. */
export type Submission = Schemas['Submission'];
export type JobTypeName = Submission['type'];
/** One job of a `POST /jobs/batch` body: a submission with its own optional `idempotencyKey`. */
export type BatchItem = Schemas['BatchSubmission']['jobs'][number];
/** Each job type's payload, by type name, as the API validates it. */
export type JobPayloads = { [Type in JobTypeName]: Extract<Submission, { type: Type }>['payload'] };
/** A recurring schedule as the API shows it. */
export type Schedule = Schemas['Schedule'];
export type SchedulePage = Schemas['SchedulePage'];
/** A `POST /schedules` body; `timezone` defaults to UTC and `enabled` to true. */
export type ScheduleCreation = Omit<Schemas['ScheduleCreation'], 'timezone' | 'enabled'> &
  Partial<Pick<Schemas['ScheduleCreation'], 'timezone' | 'enabled'>>;
/** A `PATCH /schedules/{name}` body: at least one of `expression`, `timezone`, `job`, `enabled`. */
export type ScheduleChange = Schemas['ScheduleChange'];

export interface SubmitOptions {
  /** @default a new random key, reused by every retry of this call so that a retry never makes a second job */
  readonly idempotencyKey?: string;
  readonly maxAttempts?: number;
  /** Seconds before the job may run (0–900). */
  readonly delaySeconds?: number;
}

export interface PageQuery {
  /** Items per page (1–100). */
  readonly limit?: number;
  /** Start after this `nextCursor`. */
  readonly cursor?: string;
}

export interface ListQuery extends PageQuery {
  readonly status?: JobStatus;
  readonly type?: string;
  /** Only the jobs this recurring schedule made. */
  readonly schedule?: string;
}

export interface WaitOptions {
  /** @default 60_000 */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** The first poll's delay; each poll waits 1.5× longer, up to 5 s. @default 250 */
  readonly intervalMs?: number;
}

const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);
const POLL_CAP_MS = 5_000;
/** Tries of a schedule change that meets another change between the API's read and write. */
const CHANGE_TRIES = 3;

/** JSON text with object keys sorted, so two equal values compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, field: unknown) =>
    typeof field === 'object' && field !== null && !Array.isArray(field)
      ? Object.fromEntries(Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : field,
  );
}

/** Whether a stored schedule is the one a creation asked for (as a retried create finds it). */
function isScheduleOf(schedule: Schedule, creation: ScheduleCreation): boolean {
  const asked = {
    expression: creation.expression,
    timezone: creation.timezone ?? 'UTC',
    job: creation.job,
    enabled: creation.enabled ?? true,
  };
  const { expression, timezone, job, enabled } = schedule;
  return canonicalJson({ expression, timezone, job, enabled }) === canonicalJson(asked);
}

export type JobsClientOptions = TransportOptions;

/**
 * The platform's API for a client service: typed submissions, the listing as pages, waiting for a
 * job, and retries that are safe (see Transport).
 */
export class JobsClient {
  private readonly transport: Transport;

  constructor(options: JobsClientOptions) {
    this.transport = new Transport(options);
  }

  /** Submits one job of a known type, its payload checked at compile time. */
  submit<Type extends JobTypeName>(type: Type, payload: JobPayloads[Type], options: SubmitOptions = {}): Promise<Job> {
    const { idempotencyKey, ...envelope } = options;
    return this.submitBody({ type, payload, ...envelope }, idempotencyKey);
  }

  /** Submits a `POST /jobs` body as it is (a document a user wrote, say); the API validates it. */
  async submitBody(body: unknown, idempotencyKey: string = randomUUID()): Promise<Job> {
    return (await this.transport.request<Job>('POST', '/jobs', body, { 'idempotency-key': idempotencyKey })).body;
  }

  /**
   * Submits 1–100 jobs in one request; one outcome per job, in order. Every job without an
   * `idempotencyKey` gets one, so retrying the request, or a slot answered 503, never makes a
   * second job; slots answered 503 are retried here, the rest are returned as they are.
   */
  async submitBatch(
    jobs: readonly (Submission | Record<string, unknown>)[],
    options: { maxSlotRetries?: number } = {},
  ): Promise<BatchOutcome[]> {
    const keyed = jobs.map((job) => ({ idempotencyKey: randomUUID(), ...job }));
    const outcomes: BatchOutcome[] = keyed.map((_, index) => ({ index, status: 503 }));
    let pending = keyed.map((_, index) => index);
    for (let round = 0; pending.length > 0 && round <= (options.maxSlotRetries ?? 2); round += 1) {
      const { body } = await this.transport.request<{ items: BatchOutcome[] }>('POST', '/jobs/batch', {
        jobs: pending.map((index) => keyed[index]),
      });
      body.items.forEach((outcome, position) => {
        const index = pending[position] as number;
        outcomes[index] = { ...outcome, index };
      });
      pending = pending.filter((index) => outcomes[index]?.status === 503);
    }
    return outcomes;
  }

  async get(jobId: string): Promise<Job> {
    return (await this.transport.request<Job>('GET', `/jobs/${encodeURIComponent(jobId)}`)).body;
  }

  /** The caller's jobs, newest first, one page at a time (`for await (const page of client.list())`). */
  list(query: ListQuery = {}): AsyncGenerator<JobPage> {
    return this.pages<JobPage>('/jobs', query);
  }

  /** The pages of a listing, following `nextCursor` from `query.cursor` on. */
  private async *pages<Page extends { nextCursor: string | null }>(path: string, query: PageQuery): AsyncGenerator<Page> {
    let cursor = query.cursor;
    do {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries({ ...query, cursor })) if (value !== undefined) params.set(key, String(value));
      const search = params.toString();
      const { body: page } = await this.transport.request<Page>('GET', `${path}${search === '' ? '' : `?${search}`}`);
      yield page;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /**
   * Cancels a queued or retrying job; a job that is not (running, finished, already cancelled) is
   * a ConflictError. Only when a retry of this call finds the job cancelled (the first try did it
   * and its answer was lost) is that the answer.
   */
  async cancel(jobId: string): Promise<Job> {
    try {
      return (await this.transport.request<Job>('POST', `/jobs/${encodeURIComponent(jobId)}/cancel`)).body;
    } catch (error) {
      if (!(error instanceof ConflictError) || error.attempts === 1) throw error;
      const job = await this.get(jobId);
      if (job.status === 'cancelled') return job;
      throw error;
    }
  }

  /**
   * Creates a recurring schedule; its `job` is checked at compile time like `submit`'s. A name the
   * caller already uses is a ConflictError, except when a retry of this call finds the schedule it
   * asked for (the first try made it and its answer was lost): that schedule is the answer.
   */
  async createSchedule(schedule: ScheduleCreation): Promise<Schedule> {
    try {
      return (await this.transport.request<Schedule>('POST', '/schedules', schedule)).body;
    } catch (error) {
      if (!(error instanceof ConflictError) || error.attempts === 1) throw error;
      const found = await this.getSchedule(schedule.name);
      if (isScheduleOf(found, schedule)) return found;
      throw error;
    }
  }

  async getSchedule(name: string): Promise<Schedule> {
    return (await this.transport.request<Schedule>('GET', `/schedules/${encodeURIComponent(name)}`)).body;
  }

  /** The caller's schedules by name, one page at a time (`for await (const page of client.listSchedules())`). */
  listSchedules(query: PageQuery = {}): AsyncGenerator<SchedulePage> {
    return this.pages<SchedulePage>('/schedules', query);
  }

  /**
   * Changes a schedule (`PATCH`): only the fields given. A change that meets another one between
   * the API's read and write (409) is sent again, up to 3 tries: it says what to set, so applying
   * it after the other is what it asks for.
   */
  async updateSchedule(name: string, change: ScheduleChange): Promise<Schedule> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await this.transport.request<Schedule>('PATCH', `/schedules/${encodeURIComponent(name)}`, change)).body;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= CHANGE_TRIES) throw error;
      }
    }
  }

  /** Stops a schedule firing (`enabled: false`); its definition and jobs stay. */
  pauseSchedule(name: string): Promise<Schedule> {
    return this.updateSchedule(name, { enabled: false });
  }

  /** Lets a paused schedule fire again (`enabled: true`). */
  resumeSchedule(name: string): Promise<Schedule> {
    return this.updateSchedule(name, { enabled: true });
  }

  /**
   * Deletes a schedule and answers it as it was; the jobs it made stay. An unknown name is a
   * NotFoundError, except when a retry of this call finds it gone (the first try deleted it and
   * its answer was lost): the answer is then `undefined`.
   */
  async deleteSchedule(name: string): Promise<Schedule | undefined> {
    try {
      return (await this.transport.request<Schedule>('DELETE', `/schedules/${encodeURIComponent(name)}`)).body;
    } catch (error) {
      if (error instanceof NotFoundError && error.attempts > 1) return undefined;
      throw error;
    }
  }

  async stats(): Promise<Stats> {
    return (await this.transport.request<Stats>('GET', '/stats')).body;
  }

  /** Polls a job with backoff until it is completed, failed or cancelled; throws WaitTimeoutError after `timeoutMs`. */
  async waitFor(jobId: string, options: WaitOptions = {}): Promise<Job> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    let interval = options.intervalMs ?? 250;
    for (;;) {
      options.signal?.throwIfAborted();
      const job = await this.get(jobId);
      if (TERMINAL.has(job.status)) return job;
      const left = deadline - Date.now();
      if (left <= 0) throw new WaitTimeoutError(`Job ${jobId} is still ${job.status} after ${options.timeoutMs ?? 60_000} ms`, job);
      await sleep(Math.min(interval, left), undefined, options.signal === undefined ? {} : { signal: options.signal });
      interval = Math.min(POLL_CAP_MS, interval * 1.5);
    }
  }
}
