import { setTimeout as sleep } from 'node:timers/promises';
import { JobTimeoutError, PermanentJobError } from './domain/errors.ts';
import type { Job, JobError } from './domain/job.ts';
import type { JobServices } from './domain/job-type.ts';
import type { JobQueue } from './adapters/job-queue.ts';
import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import { parseJobMessage } from './domain/job-message.ts';
import { completeJob, decideDelivery, failJob, scheduleRetry, type DeliveryTimings } from './domain/lifecycle.ts';
import { findJobType, retryPolicyOf } from './domain/registry.ts';
import { retryDelay, type RetryPolicy } from './domain/retry-delay.ts';

/** A job result is stored on the job item (400 KB in all); bigger outputs belong in S3. */
export const MAX_RESULT_BYTES = 64 * 1024;

/** One received message, as the Lambda event source mapping (or the local poller) hands it over. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Epoch ms SQS accepted the message (attribute SentTimestamp). */
  readonly sentAt: number;
}

export interface WorkerDependencies {
  readonly repository: JobRepository;
  readonly queue: JobQueue;
  readonly services: JobServices;
  readonly retryDefaults: RetryPolicy;
  readonly timings: Omit<DeliveryTimings, 'leaseMs'>;
  readonly now?: () => number;
  /** The Lambda invocation running this delivery: its whole timeout and the time it has left. */
  readonly invocation?: { readonly timeoutMs: number; remainingMs(): number };
}

/** What became of one delivery; `keepMessage` means the message must go back to the queue. */
export type DeliveryOutcome =
  | {
      readonly kind: 'completed';
      readonly job: Job;
      readonly durationMs: number;
      readonly queueWaitMs?: number;
      readonly keepMessage: false;
    }
  | {
      readonly kind: 'retrying';
      readonly job: Job;
      readonly durationMs: number;
      readonly queueWaitMs?: number;
      readonly delaySeconds: number;
      readonly keepMessage: true;
    }
  | { readonly kind: 'failed'; readonly job: Job; readonly durationMs?: number; readonly queueWaitMs?: number; readonly keepMessage: true }
  | { readonly kind: 'dropped'; readonly reason: string; readonly jobId: string; readonly keepMessage: false }
  | { readonly kind: 'waiting'; readonly reason: string; readonly jobId: string; readonly keepMessage: true }
  | { readonly kind: 'deadLettering'; readonly reason: string; readonly jobId: string; readonly keepMessage: true };

/** Re-reads of a missing job record while its message is young (the API's write may lag the send). */
const RECORD_RETRY_PAUSES_MS = [20, 50, 100, 250, 500];
const ORPHAN_QUICK_CHECK_MS = 2_000;

/** Milliseconds a claimed attempt owns its job beyond the type's timeout, for the final write. */
const LEASE_MARGIN_MS = 5_000;

async function runAttempt(job: Job, services: JobServices): Promise<unknown> {
  const definition = findJobType(job.type);
  if (definition === undefined) throw new PermanentJobError(`Job type '${job.type}' is no longer registered`);
  // Long-running types are started as Step Functions executions, never queued; a message for
  // one (sent by hand, or by an older API) would otherwise retry until the DLQ.
  if (definition.runtime !== 'lambda') {
    throw new PermanentJobError(`Job type '${job.type}' runs on the ${definition.runtime} runtime, not in the SQS worker`);
  }
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new JobTimeoutError(definition.timeoutSeconds);
      controller.abort(error);
      reject(error);
    }, definition.timeoutSeconds * 1000);
  });
  try {
    const result = await Promise.race([
      definition.run(job.payload, { jobId: job.jobId, attempt: job.attempts, signal: controller.signal, services }),
      timeout,
    ]);
    const size = Buffer.byteLength(JSON.stringify(result ?? null));
    if (size > MAX_RESULT_BYTES) {
      throw new PermanentJobError(`Result is ${size} bytes; results are limited to ${MAX_RESULT_BYTES} bytes`);
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** How long one attempt of the job's type may run. */
function attemptTimeoutMs(job: Job | undefined): number {
  return job === undefined ? 0 : (findJobType(job.type)?.timeoutSeconds ?? 0) * 1000;
}

function leaseMsOf(job: Job | undefined): number {
  return attemptTimeoutMs(job) + LEASE_MARGIN_MS;
}

/** Time an attempt needs from an invocation: its type's timeout and a second for the final write. */
function attemptBudgetMs(job: Job, invocationTimeoutMs: number): number {
  return Math.min(attemptTimeoutMs(job) + 1_000, invocationTimeoutMs - 1_000);
}

function policyOf(job: Job, defaults: RetryPolicy): RetryPolicy {
  const definition = findJobType(job.type);
  const policy = definition === undefined ? defaults : retryPolicyOf(definition, defaults);
  return { ...policy, maxAttempts: job.maxAttempts };
}

/**
 * Handles one delivery of a job message (SPEC §3-§4): claims the job with a conditional
 * write, runs one attempt, and records the outcome. A failed attempt hides its message for the
 * backoff delay before the record is reported failed, so SQS redelivers it only when due.
 */
export async function processDelivery(dependencies: WorkerDependencies, message: ReceivedMessage): Promise<DeliveryOutcome> {
  const { repository, queue } = dependencies;
  const { retentionDays } = dependencies.timings;
  const now = dependencies.now ?? Date.now;
  const { jobId } = parseJobMessage(message.body);

  let stored = await repository.get(jobId);
  // The API writes the record just after it sends the message, so a fresh message can
  // arrive first; a few quick re-reads spare it a trip back through the queue.
  for (const pauseMs of RECORD_RETRY_PAUSES_MS) {
    if (stored !== undefined || now() - message.sentAt > ORPHAN_QUICK_CHECK_MS) break;
    await sleep(pauseMs);
    stored = await repository.get(jobId);
  }
  const decision = decideDelivery(
    stored,
    { sentAt: message.sentAt, now: now() },
    {
      ...dependencies.timings,
      leaseMs: leaseMsOf(stored),
    },
  );

  switch (decision.action) {
    case 'drop':
      return { kind: 'dropped', reason: decision.reason, jobId, keepMessage: false };
    case 'wait':
      await queue.hideFor(message.receiptHandle, decision.delayMs / 1000);
      return { kind: 'waiting', reason: decision.reason, jobId, keepMessage: true };
    case 'deadLetter':
      if (decision.job !== undefined) {
        await repository.save(decision.job);
        // Let SQS count the remaining receives quickly and move the message to the DLQ itself,
        // so the console's "Start DLQ redrive" can send it back to its source queue.
        await queue.hideFor(message.receiptHandle, 0);
        return { kind: 'failed', job: decision.job, keepMessage: true };
      }
      await queue.hideFor(message.receiptHandle, 0);
      return { kind: 'deadLettering', reason: decision.reason, jobId, keepMessage: true };
    case 'run':
      break;
  }

  // An attempt that cannot finish inside this invocation would be cut off by the function's
  // timeout and counted against the job: hand the message straight back for a fresh invocation.
  // (A type whose timeout exceeds the whole invocation's can only be given a fresh one.)
  if (
    dependencies.invocation !== undefined &&
    dependencies.invocation.remainingMs() < attemptBudgetMs(decision.job, dependencies.invocation.timeoutMs)
  ) {
    await queue.hideFor(message.receiptHandle, 0);
    return { kind: 'waiting', reason: 'not enough time left in this invocation', jobId, keepMessage: true };
  }

  const running = decision.job;
  try {
    await repository.save(running);
  } catch (error) {
    if (!(error instanceof StaleJobError)) throw error;
    // Another delivery claimed the job between our read and write: look again shortly.
    await queue.hideFor(message.receiptHandle, 1);
    return { kind: 'waiting', reason: 'another delivery claimed the job', jobId, keepMessage: true };
  }
  const startedMs = now();
  const queueWaitMs = running.attempts === 1 ? Math.max(0, startedMs - Date.parse(running.runQueuedAt)) : undefined;
  const timing = (durationMs: number) => ({ durationMs, ...(queueWaitMs === undefined ? {} : { queueWaitMs }) });

  let result: unknown;
  let failure: unknown;
  try {
    result = await runAttempt(running, dependencies.services);
  } catch (error) {
    failure = error;
  }
  const finishedMs = now();
  const durationMs = finishedMs - startedMs;

  if (failure === undefined) {
    const completed = completeJob(running, result, finishedMs, retentionDays);
    await repository.save(completed);
    return { kind: 'completed', job: completed, ...timing(durationMs), keepMessage: false };
  }

  const error: JobError = {
    message: failure instanceof Error ? failure.message : String(failure),
    attempt: running.attempts,
    at: new Date(finishedMs).toISOString(),
    run: running.run,
  };
  const policy = policyOf(running, dependencies.retryDefaults);
  if (failure instanceof PermanentJobError || running.attempts >= policy.maxAttempts) {
    const failed = failJob(running, error, finishedMs, retentionDays);
    await repository.save(failed);
    await queue.hideFor(message.receiptHandle, 0);
    return { kind: 'failed', job: failed, ...timing(durationMs), keepMessage: true };
  }
  const delaySeconds = retryDelay(running.attempts, policy);
  const retrying = scheduleRetry(running, error, finishedMs, delaySeconds);
  await repository.save(retrying);
  await queue.hideFor(message.receiptHandle, delaySeconds);
  return { kind: 'retrying', job: retrying, delaySeconds, ...timing(durationMs), keepMessage: true };
}
