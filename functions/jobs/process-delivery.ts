import { setTimeout as sleep } from 'node:timers/promises';
import type { JobQueue } from './adapters/job-queue.ts';
import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import { JobTimeoutError, PermanentJobError } from './domain/errors.ts';
import { boundedErrorMessage, type Job, type JobError } from './domain/job.ts';
import { jobMessageOf, MalformedMessageError, parseJobMessage, type AttemptOutcome, type JobMessage } from './domain/job-message.ts';
import type { DependencyOutcome, JobServices, JobTypeDefinition } from './domain/job-type.ts';
import { completeJob, decideDelivery, failJob, scheduleRetry, type DeliveryTimings } from './domain/lifecycle.ts';
import { findJobType, retryPolicyOf } from './domain/registry.ts';
import { retryDelay, type RetryPolicy } from './domain/retry-delay.ts';
import type { RateLimiter } from './adapters/rate-limiter.ts';

/** A job result is stored on the job item (400 KB in all); bigger outputs belong in S3. */
export const MAX_RESULT_BYTES = 64 * 1024;

/** One received message, as the Lambda event source mapping (or the local poller) hands it over. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Epoch ms SQS accepted the message (attribute SentTimestamp). */
  readonly sentAt: number;
  /** How often SQS has handed this message out, this time included (ApproximateReceiveCount). */
  readonly receiveCount: number;
}

/** What the worker does with queues: the handler may gather the visibility changes of a batch (BatchVisibility). */
export type WorkerQueue = Pick<JobQueue, 'send' | 'sendToDeadLetterQueue' | 'hideFor'>;

export interface WorkerDependencies {
  readonly repository: JobRepository;
  readonly queue: WorkerQueue;
  readonly services: JobServices;
  /** The token buckets of types with a `perSecond` limit; without it such types run unlimited (unit tests). */
  readonly rateLimiter?: Pick<RateLimiter, 'reserve'>;
  readonly retryDefaults: RetryPolicy;
  readonly timings: Omit<DeliveryTimings, 'leaseMs'>;
  readonly now?: () => number;
  /** The Lambda invocation running this delivery: its whole timeout and the time it has left. */
  readonly invocation?: { readonly timeoutMs: number; remainingMs(): number };
  /** Pauses between tries of an outcome write that failed (throttling); the default backs off to 20 s in all. */
  readonly outcomeWritePausesMs?: readonly number[];
}

interface Timing {
  readonly durationMs?: number;
  readonly queueWaitMs?: number;
}

/** What became of one delivery; `keepMessage` means the message must go back to the queue. */
export type DeliveryOutcome =
  | ({ readonly kind: 'completed'; readonly job: Job; readonly keepMessage: false } & Timing)
  | ({ readonly kind: 'retrying'; readonly job: Job; readonly delaySeconds: number; readonly keepMessage: true } & Timing)
  | ({ readonly kind: 'failed'; readonly job: Job; readonly keepMessage: true } & Timing)
  /** The attempt finished but its outcome could not be written: it travels on as a message of its own. */
  | ({ readonly kind: 'outcomeDeferred'; readonly job: Job; readonly reason: string; readonly keepMessage: false } & Timing)
  | { readonly kind: 'dropped'; readonly reason: string; readonly jobId: string; readonly keepMessage: false }
  | { readonly kind: 'waiting'; readonly reason: string; readonly jobId: string; readonly keepMessage: true }
  /** Held back by its type's rate limit: sent on, delayed until the slot it reserved; no attempt spent. */
  | {
      readonly kind: 'heldBack';
      readonly reason: string;
      readonly jobId: string;
      readonly type: string;
      readonly delaySeconds: number;
      readonly keepMessage: false;
    }
  | { readonly kind: 'deadLettering'; readonly reason: string; readonly jobId: string; readonly keepMessage: true }
  /** Not a job message: moved to the DLQ at once instead of being retried for hours. */
  | { readonly kind: 'malformed'; readonly reason: string; readonly keepMessage: false };

/**
 * A rate-limit slot this close is waited for in the worker; a later one sends the message on,
 * delayed (a wait in the worker is billed as Lambda duration, a send costs one SQS request).
 */
const IN_PROCESS_WAIT_MS = 200;

/** SQS delays a message at most 15 minutes; a later slot is reached in several hops. */
const MAX_DELAY_SECONDS = 900;

/**
 * The rate gate of a type with a `perSecond` limit, passed just before an attempt would start:
 * reserves the attempt's slot in the type's token bucket (or keeps the one its message holds) and,
 * when the slot is later, sends the message on delayed until then, keeping its first send time so
 * a held message is never taken for a redrive. Nothing is claimed, so the wait costs no attempt.
 */
async function rateGate(
  dependencies: WorkerDependencies,
  message: ReceivedMessage,
  jobMessage: JobMessage,
  definition: JobTypeDefinition | undefined,
): Promise<DeliveryOutcome | undefined> {
  const perSecond = definition?.limits?.perSecond;
  if (perSecond === undefined || dependencies.rateLimiter === undefined) return undefined;
  const now = dependencies.now ?? Date.now;
  const slot = jobMessage.notBefore ?? (await dependencies.rateLimiter.reserve(jobMessage.type, perSecond, now()));
  const waitMs = slot - now();
  if (waitMs <= 0) return undefined;
  if (waitMs <= IN_PROCESS_WAIT_MS) {
    await sleep(waitMs);
    return undefined;
  }
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.ceil(waitMs / 1000));
  await dependencies.queue.send({ ...jobMessage, notBefore: slot, sentAt: jobMessage.sentAt ?? message.sentAt }, delaySeconds);
  return {
    kind: 'heldBack',
    reason: `rate limit of ${perSecond} a second: its slot is in ${Math.ceil(waitMs)} ms`,
    jobId: jobMessage.jobId,
    type: jobMessage.type,
    delaySeconds,
    keepMessage: false,
  };
}

/** Milliseconds a claimed attempt owns its job beyond the type's timeout, for the final write. */
const LEASE_MARGIN_MS = 5_000;

/** Tries of an outcome write: DynamoDB throttling passes within seconds, so retry for ~20 s before handing it on. */
const OUTCOME_WRITE_PAUSES_MS = [100, 200, 400, 800, 1_600, 3_200, 6_400, 7_300];

/** The running job's dependencies for its handler: one BatchGetItem of their status and result, only for a job that has any. */
async function dependenciesOf(repository: JobRepository, job: Job): Promise<Record<string, DependencyOutcome>> {
  if (job.dependsOn === undefined || job.dependsOn.length === 0) return {};
  return Object.fromEntries(await repository.dependencyStates(job.owner, job.dependsOn, true));
}

async function runAttempt(
  job: Job,
  definition: JobTypeDefinition | undefined,
  services: JobServices,
  repository: JobRepository,
): Promise<unknown> {
  if (definition === undefined) throw new PermanentJobError(`Job type '${job.type}' is no longer registered`);
  if (definition.runtime !== 'lambda') {
    throw new PermanentJobError(`Job type '${job.type}' runs on the ${definition.runtime} runtime, not in the SQS worker`);
  }
  const dependencies = await dependenciesOf(repository, job);
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
      definition.run(job.payload, { jobId: job.jobId, attempt: job.attempts, signal: controller.signal, services, dependencies }),
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

/** How long one attempt of a type may run. */
function attemptTimeoutMs(definition: JobTypeDefinition | undefined): number {
  return (definition?.timeoutSeconds ?? 0) * 1000;
}

function policyOf(job: Job, definition: JobTypeDefinition | undefined, defaults: RetryPolicy): RetryPolicy {
  const policy = definition === undefined ? defaults : retryPolicyOf(definition, defaults);
  return { ...policy, maxAttempts: job.maxAttempts };
}

/** The job after a finished attempt, and what the worker does with the message then. */
function afterAttempt(
  running: Job,
  outcome: AttemptOutcome,
  definition: JobTypeDefinition | undefined,
  dependencies: WorkerDependencies,
): { job: Job; kind: 'completed' | 'failed' | 'retrying'; delaySeconds: number } {
  const { retentionDays } = dependencies.timings;
  if (outcome.kind === 'completed')
    return { job: completeJob(running, outcome.result, outcome.finishedAt, retentionDays), kind: 'completed', delaySeconds: 0 };
  const policy = policyOf(running, definition, dependencies.retryDefaults);
  if (outcome.permanent || running.attempts >= policy.maxAttempts) {
    return { job: failJob(running, outcome.error, outcome.finishedAt, retentionDays), kind: 'failed', delaySeconds: 0 };
  }
  const delaySeconds = retryDelay(running.attempts, policy);
  return { job: scheduleRetry(running, outcome.error, outcome.finishedAt, delaySeconds), kind: 'retrying', delaySeconds };
}

/** Whether the job as it stands is `next`: a write that failed on our side (a timeout) may have landed. */
function landed(current: Job | undefined, next: Job): boolean {
  return (
    current?.version === next.version && current.status === next.status && current.attempts === next.attempts && current.run === next.run
  );
}

/**
 * Writes a finished attempt's outcome, retrying failures other than a lost race for as long as
 * the pauses allow. A write that failed on our side may still have landed, and its retry then
 * loses the version check: both are told apart by the job as it stands. Returns false when
 * another writer moved the job on (the outcome is moot).
 */
async function writeOutcome(dependencies: WorkerDependencies, running: Job, next: Job): Promise<boolean> {
  const pauses = dependencies.outcomeWritePausesMs ?? OUTCOME_WRITE_PAUSES_MS;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await dependencies.repository.transition(running, next);
      return true;
    } catch (error) {
      if (error instanceof StaleJobError) return landed(error.current, next);
      const pause = pauses[attempt];
      const left = dependencies.invocation?.remainingMs() ?? Number.POSITIVE_INFINITY;
      if (pause === undefined || left < pause + 2_000) {
        if (landed(await dependencies.repository.get(running).catch(() => undefined), next)) return true;
        throw error;
      }
      await sleep(pause);
    }
  }
}

/** Records an attempt's outcome and settles the message: deleted, hidden for the backoff, or handed to SQS's dead-lettering. */
async function settle(
  dependencies: WorkerDependencies,
  message: ReceivedMessage,
  running: Job,
  outcome: AttemptOutcome,
  definition: JobTypeDefinition | undefined,
  timing: Timing,
): Promise<DeliveryOutcome> {
  const { queue } = dependencies;
  const next = afterAttempt(running, outcome, definition, dependencies);
  try {
    const written = await writeOutcome(dependencies, running, next.job);
    if (!written)
      return {
        kind: 'dropped',
        reason: 'the job changed while the attempt ran; its outcome was not recorded',
        jobId: running.jobId,
        keepMessage: false,
      };
  } catch (error) {
    // The state write kept failing: send the outcome as a message of its own, which a worker
    // writes soon after. Only if that fails too does the attempt come back as a lost one.
    try {
      await queue.send({ ...jobMessageOf(running), outcome });
    } catch {
      await queue.hideFor(message.receiptHandle, 5);
      throw error;
    }
    return {
      kind: 'outcomeDeferred',
      job: next.job,
      reason: `the state write failed: ${(error as Error).message}`,
      ...timing,
      keepMessage: false,
    };
  }
  if (next.kind === 'completed') return { kind: 'completed', job: next.job, ...timing, keepMessage: false };
  if (next.kind === 'failed') {
    // Let SQS count the remaining receives quickly and move the message to the DLQ itself,
    // so the console's "Start DLQ redrive" can send it back to its source queue.
    await queue.hideFor(message.receiptHandle, 0);
    return { kind: 'failed', job: next.job, ...timing, keepMessage: true };
  }
  await queue.hideFor(message.receiptHandle, next.delaySeconds);
  return { kind: 'retrying', job: next.job, delaySeconds: next.delaySeconds, ...timing, keepMessage: true };
}

/**
 * Takes the job for this delivery. A first delivery, and a redelivery within the job's attempts
 * (most often its retry after the backoff), claims it in one conditional write with no read
 * before it; a later redelivery (most often a failed job's trip to the DLQ, or a message with
 * no attempts named) reads first, which costs a fraction of a refused write. Either way the
 * lifecycle decides what a job that cannot simply be claimed needs.
 */
async function takeJob(
  dependencies: WorkerDependencies,
  message: ReceivedMessage,
  jobMessage: JobMessage,
  definition: JobTypeDefinition | undefined,
  leaseMs: number,
): Promise<{ running: Job } | { settled: DeliveryOutcome }> {
  const { repository, queue } = dependencies;
  const now = dependencies.now ?? Date.now;
  const { jobId } = jobMessage;
  let current: Job | undefined;
  if (message.receiveCount <= Math.max(1, jobMessage.maxAttempts ?? 1) && jobMessage.outcome === undefined) {
    const held = await rateGate(dependencies, message, jobMessage, definition);
    if (held !== undefined) return { settled: held };
    const result = await repository.claim(jobMessage, now(), leaseMs);
    if (result.claimed !== undefined) return { running: result.claimed };
    current = result.current;
  } else {
    current = await repository.get(jobMessage);
  }
  const decision = decideDelivery(current, { sentAt: message.sentAt, now: now() }, { ...dependencies.timings, leaseMs });
  switch (decision.action) {
    case 'drop':
      return { settled: { kind: 'dropped', reason: decision.reason, jobId, keepMessage: false } };
    case 'wait':
      await queue.hideFor(message.receiptHandle, decision.delayMs / 1000);
      return { settled: { kind: 'waiting', reason: decision.reason, jobId, keepMessage: true } };
    case 'deadLetter':
      if (decision.job !== undefined && current !== undefined) {
        await repository.transition(current, decision.job);
        await queue.hideFor(message.receiptHandle, 0);
        return { settled: { kind: 'failed', job: decision.job, keepMessage: true } };
      }
      await queue.hideFor(message.receiptHandle, 0);
      return { settled: { kind: 'deadLettering', reason: decision.reason, jobId, keepMessage: true } };
    case 'run': {
      const held = await rateGate(dependencies, message, jobMessage, definition);
      if (held !== undefined) return { settled: held };
      try {
        await repository.transition(current as Job, decision.job);
        return { running: decision.job };
      } catch (error) {
        if (!(error instanceof StaleJobError)) throw error;
        // Another delivery claimed the job between our read and write: look again shortly.
        await queue.hideFor(message.receiptHandle, 1);
        return { settled: { kind: 'waiting', reason: 'another delivery claimed the job', jobId, keepMessage: true } };
      }
    }
  }
}

/**
 * Writes the outcome carried by a message whose worker could not write it, if the job is still
 * running that attempt; otherwise the message is an ordinary message of the job.
 */
async function applyCarriedOutcome(
  dependencies: WorkerDependencies,
  message: ReceivedMessage,
  jobMessage: JobMessage & { outcome: AttemptOutcome },
  definition: JobTypeDefinition | undefined,
): Promise<DeliveryOutcome | undefined> {
  const job = await dependencies.repository.get(jobMessage);
  const { outcome } = jobMessage;
  if (job?.status !== 'running' || job.attempts !== outcome.attempt || job.run !== outcome.run) return undefined;
  return settle(dependencies, message, job, outcome, definition, {});
}

/**
 * Handles one delivery of a job message (SPEC §3-§4): claims the job with a conditional
 * write, runs one attempt, and records the outcome. A failed attempt hides its message for the
 * backoff delay before the record is reported failed, so SQS redelivers it only when due.
 */
export async function processDelivery(dependencies: WorkerDependencies, message: ReceivedMessage): Promise<DeliveryOutcome> {
  const { queue } = dependencies;
  const now = dependencies.now ?? Date.now;
  let jobMessage: JobMessage;
  try {
    jobMessage = parseJobMessage(message.body);
  } catch (error) {
    if (!(error instanceof MalformedMessageError)) throw error;
    await queue.sendToDeadLetterQueue(message.body, error.message);
    return { kind: 'malformed', reason: error.message, keepMessage: false };
  }
  // A message held back by a rate limit was sent again: its first send is what tells a redrive from a stale copy.
  if (jobMessage.sentAt !== undefined) message = { ...message, sentAt: jobMessage.sentAt };
  const { jobId } = jobMessage;
  const definition = findJobType(jobMessage.type);
  // A long job runs as a Step Functions execution; a queue message for it (sent by hand, or
  // by mistake) must not touch the job, which may be running there right now.
  if (definition?.runtime === 'fargate') {
    return {
      kind: 'dropped',
      reason: `job type '${jobMessage.type}' runs on the fargate runtime, not from the queue`,
      jobId,
      keepMessage: false,
    };
  }

  if (jobMessage.outcome !== undefined) {
    const applied = await applyCarriedOutcome(dependencies, message, { ...jobMessage, outcome: jobMessage.outcome }, definition);
    if (applied !== undefined) return applied;
  }

  // An attempt that cannot finish inside this invocation would be cut off by the function's
  // timeout and counted against the job: hand the message straight back for a fresh invocation.
  // (A type whose timeout exceeds the whole invocation's can only be given a fresh one.)
  const invocation = dependencies.invocation;
  if (invocation !== undefined && invocation.remainingMs() < Math.min(attemptTimeoutMs(definition) + 1_000, invocation.timeoutMs - 1_000)) {
    await queue.hideFor(message.receiptHandle, 0);
    return { kind: 'waiting', reason: 'not enough time left in this invocation', jobId, keepMessage: true };
  }

  const taken = await takeJob(dependencies, message, jobMessage, definition, attemptTimeoutMs(definition) + LEASE_MARGIN_MS);
  if ('settled' in taken) return taken.settled;
  const running = taken.running;
  const startedMs = now();
  const queueWaitMs = running.attempts === 1 ? Math.max(0, startedMs - Date.parse(running.runQueuedAt)) : undefined;

  let outcome: AttemptOutcome;
  try {
    const result = await runAttempt(running, definition, dependencies.services, dependencies.repository);
    outcome = { kind: 'completed', attempt: running.attempts, run: running.run, finishedAt: now(), result: result ?? null };
  } catch (failure) {
    const finishedAt = now();
    const error: JobError = {
      message: boundedErrorMessage(failure instanceof Error ? failure.message : String(failure)),
      attempt: running.attempts,
      at: new Date(finishedAt).toISOString(),
      run: running.run,
    };
    outcome = {
      kind: 'failed',
      attempt: running.attempts,
      run: running.run,
      finishedAt,
      error,
      permanent: failure instanceof PermanentJobError,
    };
  }
  const timing: Timing = { durationMs: outcome.finishedAt - startedMs, ...(queueWaitMs === undefined ? {} : { queueWaitMs }) };
  return settle(dependencies, message, running, outcome, definition, timing);
}
