import { ConflictError } from './errors.ts';
import { appendError, type Job, type JobError } from './job.ts';

/**
 * The job lifecycle of SPEC §3 as pure functions: each takes the job as read and returns the
 * job to write. The repository writes it only if nobody wrote in between (optimistic lock), so
 * every transition is a conditional write.
 */

/** One delivery of a job's message, as the worker sees it. */
export interface Delivery {
  /** Epoch ms SQS accepted the message; a DLQ redrive gives the message a new one. */
  readonly sentAt: number;
  readonly now: number;
}

export interface DeliveryTimings {
  /** How long a claimed attempt owns the job before another delivery may take over. */
  readonly leaseMs: number;
  /** Days a finished job is kept (TTL). */
  readonly retentionDays: number;
}

/** What the worker does with one delivery. */
export type DeliveryDecision =
  /** Write `job` (now running) and run the attempt. */
  | { readonly action: 'run'; readonly job: Job; readonly redriven: boolean }
  /** Delete the message: the job needs nothing more from it. */
  | { readonly action: 'drop'; readonly reason: string }
  /** Hand the message back for `delayMs`: another attempt holds the job, or its next attempt is not due. */
  | { readonly action: 'wait'; readonly delayMs: number; readonly reason: string }
  /** Write `job` (now failed) if given, then let SQS move the message to the dead-letter queue. */
  | { readonly action: 'deadLetter'; readonly job?: Job; readonly reason: string };

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

function withError(job: Job, error: JobError): Pick<Job, 'errorHistory'> {
  return { errorHistory: appendError(job.errorHistory, error) };
}

/** A failed job opened for a new run queued at `queuedAt`: attempts from zero, errors kept. */
function reopenRun(job: Job, queuedAt: number): Job {
  const {
    failedAt: _failedAt,
    completedAt: _completedAt,
    expiresAt: _expiresAt,
    leaseUntil: _leaseUntil,
    nextAttemptAt: _nextAttemptAt,
    ...rest
  } = job;
  return { ...rest, attempts: 0, run: job.run + 1, runQueuedAt: iso(queuedAt) };
}

/**
 * What claiming a job for an attempt changes, declared once: the pure `claim` below applies it
 * to a job as read, and the repository writes it as one conditional update with no read before.
 */
export function claimChange(now: number, leaseMs: number) {
  return {
    set: { status: 'running', startedAt: iso(now), updatedAt: iso(now), leaseUntil: now + leaseMs } satisfies Partial<Job>,
    increment: ['attempts', 'version'] as const satisfies readonly (keyof Job)[],
    remove: ['nextAttemptAt'] as const satisfies readonly (keyof Job)[],
  };
}

function claim(job: Job, now: number, leaseMs: number, changes: Partial<Job> = {}): Job {
  const change = claimChange(now, leaseMs);
  const { nextAttemptAt: _nextAttemptAt, ...rest } = { ...job, ...changes };
  const claimed: Job = { ...rest, ...change.set, status: 'running' };
  return { ...claimed, attempts: claimed.attempts + 1, version: claimed.version + 1 };
}

/** Decides what one delivery of a job's message does (SPEC §3-§4). */
export function decideDelivery(job: Job | undefined, delivery: Delivery, timings: DeliveryTimings): DeliveryDecision {
  const { sentAt, now } = delivery;
  // The API writes the record before it sends the message and deletes it again if the send
  // fails, so a message without a record belongs to a submission that was answered 503.
  if (job === undefined) return { action: 'drop', reason: 'no job record: its submission failed' };
  switch (job.status) {
    // Nothing sends a waiting job's message before its release; a stray copy is dropped, and
    // the release (release-dependents.ts) sends the message that runs the job.
    case 'waiting':
      return { action: 'drop', reason: 'job is waiting for its dependencies' };
    case 'completed':
    case 'cancelled':
      return { action: 'drop', reason: `job is already ${job.status}` };
    case 'retrying': {
      // A duplicate copy of the message can arrive before the backoff is over: it waits too.
      const dueAt = job.nextAttemptAt === undefined ? now : Date.parse(job.nextAttemptAt);
      if (dueAt > now) return { action: 'wait', delayMs: dueAt - now, reason: 'the next attempt is not due yet' };
      return { action: 'run', job: claim(job, now, timings.leaseMs), redriven: false };
    }
    // A scheduled job's message is sent by its one-time schedule when the job is due.
    case 'scheduled':
    case 'queued':
      return { action: 'run', job: claim(job, now, timings.leaseMs), redriven: false };
    case 'failed': {
      // A message sent after the job failed can only be a redrive from the DLQ (it gets a
      // new enqueue time); an older one is a leftover copy of the failed run.
      if (job.failedAt !== undefined && sentAt > job.failedAt) {
        return { action: 'run', job: claim(reopenRun(job, sentAt), now, timings.leaseMs), redriven: true };
      }
      return { action: 'deadLetter', reason: 'job already failed' };
    }
    case 'running': {
      if (job.leaseUntil !== undefined && job.leaseUntil > now) {
        return { action: 'wait', delayMs: job.leaseUntil - now + 1_000, reason: 'another attempt is running' };
      }
      // The attempt that claimed the job never reported back: its worker crashed or timed out.
      const lost: JobError = {
        message: `attempt ${job.attempts} did not finish: the worker crashed or timed out`,
        attempt: job.attempts,
        at: iso(now),
        run: job.run,
      };
      if (job.attempts >= job.maxAttempts) {
        return { action: 'deadLetter', job: failJob(job, lost, now, timings.retentionDays), reason: lost.message };
      }
      return { action: 'run', job: claim(job, now, timings.leaseMs, withError(job, lost)), redriven: false };
    }
  }
}

function finish(job: Job, now: number, retentionDays: number): Pick<Job, 'updatedAt' | 'expiresAt' | 'version'> {
  return {
    updatedAt: iso(now),
    expiresAt: Math.floor(now / 1000) + retentionDays * 86_400,
    version: job.version + 1,
  };
}

export function completeJob(job: Job, result: unknown, now: number, retentionDays: number): Job {
  const { leaseUntil: _leaseUntil, ...rest } = job;
  return { ...rest, ...finish(job, now, retentionDays), completedAt: iso(now), status: 'completed', result: result ?? null };
}

export function failJob(job: Job, error: JobError, now: number, retentionDays: number): Job {
  const { leaseUntil: _leaseUntil, ...rest } = job;
  // A failed job outlives its message in the DLQ (14 days), so a redrive always finds it.
  const keepDays = Math.max(retentionDays, 15);
  return { ...rest, ...withError(job, error), ...finish(job, now, keepDays), completedAt: iso(now), status: 'failed', failedAt: now };
}

export function scheduleRetry(job: Job, error: JobError, now: number, delaySeconds: number): Job {
  const { leaseUntil: _leaseUntil, ...rest } = job;
  return {
    ...rest,
    ...withError(job, error),
    status: 'retrying',
    nextAttemptAt: iso(now + delaySeconds * 1000),
    updatedAt: iso(now),
    version: job.version + 1,
  };
}

/** Statuses a cancel takes to `cancelled` (SPEC §2). */
export const CANCELLABLE_STATUSES: ReadonlySet<Job['status']> = new Set(['scheduled', 'waiting', 'queued', 'retrying']);

/** A scheduled, waiting, queued or retrying job becomes cancelled and never runs; anything else is a conflict. */
export function cancelJob(job: Job, now: number, retentionDays: number): Job {
  if (!CANCELLABLE_STATUSES.has(job.status)) {
    throw new ConflictError(`Job ${job.jobId} is ${job.status}; only scheduled, waiting, queued or retrying jobs can be cancelled`);
  }
  const { nextAttemptAt: _nextAttemptAt, ...rest } = job;
  return { ...rest, ...finish(job, now, retentionDays), status: 'cancelled' };
}

/** When the run before the current one ended: the time of its last error (its failure). */
function previousRunEndedAt(job: Job): number | undefined {
  const times = job.errorHistory.filter((error) => error.run < job.run).map((error) => Date.parse(error.at));
  return times.length === 0 ? undefined : Math.max(...times);
}

/**
 * Marks a job failed because SQS dead-lettered its message (sent at `letterSentAt`) without the
 * worker finishing it. A letter from an earlier run (sent before that run failed) says nothing
 * about the current run, which a redrive started, and is ignored.
 */
export function reconcileDeadLetter(job: Job, letterSentAt: number, now: number, retentionDays: number): Job | undefined {
  if (job.status !== 'queued' && job.status !== 'retrying' && job.status !== 'running') return undefined;
  const previousRunEnded = previousRunEndedAt(job);
  if (previousRunEnded !== undefined && letterSentAt <= previousRunEnded) return undefined;
  if (job.status === 'running' && job.leaseUntil !== undefined && job.leaseUntil > now) return undefined;
  const error: JobError = {
    message: `SQS dead-lettered the message after repeated deliveries that never finished (attempt ${job.attempts}): the worker crashed or timed out`,
    attempt: job.attempts,
    at: iso(now),
    run: job.run,
  };
  return failJob(job, error, now, retentionDays);
}

/**
 * Fails a job still waiting for an attempt (`queued` or `retrying`) whose queue message is
 * gone: SQS deletes a message `retentionSeconds` after it was sent (the job's `runQueuedAt`),
 * and nothing would ever run the job. Undefined for any other job.
 */
export function expireStaleJob(job: Job, now: number, retentionSeconds: number, retentionDays: number): Job | undefined {
  if (job.status !== 'queued' && job.status !== 'retrying') return undefined;
  if (Date.parse(job.runQueuedAt) + retentionSeconds * 1000 > now) return undefined;
  const error: JobError = {
    message: `its queue message expired before the job could run (SQS keeps messages ${Math.round(retentionSeconds / 86_400)} days); submit it again`,
    attempt: job.attempts,
    at: iso(now),
    run: job.run,
  };
  return failJob(job, error, now, retentionDays);
}

/**
 * The long-job execution takes a queued job to running (SPEC §6). Step Functions gives a job
 * one execution (it is named after the job), so there is no lease: the state machine's own
 * retries and catch decide how the run ends.
 */
export function startLongJob(job: Job, now: number): Job {
  const { nextAttemptAt: _nextAttemptAt, ...rest } = job;
  return { ...rest, status: 'running', attempts: job.attempts + 1, startedAt: iso(now), updatedAt: iso(now), version: job.version + 1 };
}

/**
 * A failed job goes back to `queued` for a new run when its message is redriven from the DLQ
 * (SPEC §3): attempts restart, the error history stays. The CLI writes this as it redrives; a
 * console redrive reaches the same state when the worker receives the message.
 */
export function requeueForRedrive(job: Job, now: number): Job {
  if (job.status !== 'failed') throw new ConflictError(`Job ${job.jobId} is ${job.status}; only failed jobs are redriven`);
  return { ...reopenRun(job, now), status: 'queued', updatedAt: iso(now), version: job.version + 1 };
}
