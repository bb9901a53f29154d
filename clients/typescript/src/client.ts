import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError, WaitTimeoutError } from './errors.ts';
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

export interface SubmitOptions {
  /** @default a new random key, reused by every retry of this call so that a retry never makes a second job */
  readonly idempotencyKey?: string;
  readonly maxAttempts?: number;
  /** Seconds before the job may run (0–900). */
  readonly delaySeconds?: number;
}

export interface ListQuery {
  readonly status?: JobStatus;
  readonly type?: string;
  /** Jobs per page (1–100). */
  readonly limit?: number;
  /** Start after this `nextCursor`. */
  readonly cursor?: string;
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
  async *list(query: ListQuery = {}): AsyncGenerator<JobPage> {
    let cursor = query.cursor;
    do {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries({ ...query, cursor })) if (value !== undefined) params.set(key, String(value));
      const search = params.toString();
      const { body: page } = await this.transport.request<JobPage>('GET', `/jobs${search === '' ? '' : `?${search}`}`);
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
