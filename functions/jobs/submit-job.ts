import { randomUUID } from 'node:crypto';
import { ConflictError, UnavailableError, UnknownJobTypeError } from './domain/errors.ts';
import { isRetryableDependencyError } from './adapters/dependency-errors.ts';
import type { Job } from './domain/job.ts';
import type { LongJobLauncher } from './adapters/long-job-launcher.ts';
import type { JobQueue } from './adapters/job-queue.ts';
import type { IdempotencyRecord, JobRepository } from './adapters/job-repository.ts';
import { retryPolicyOf } from './domain/registry.ts';
import type { RetryPolicy } from './domain/retry-delay.ts';
import { parseSubmission, submissionHash, validateIdempotencyKey } from './domain/submission.ts';

/** An idempotency key protects a submission for 24 hours (SPEC §2). */
const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export interface SubmitDependencies {
  readonly repository: JobRepository;
  readonly queue: JobQueue;
  /** Starts long-running (`fargate`) jobs; absent where the environment has no long-job stack. */
  readonly longJobs?: LongJobLauncher;
  readonly retryDefaults: RetryPolicy;
  /** Whether drill types (`crash`, `flaky`) may be submitted; refused unless set. */
  readonly drillJobTypes?: boolean;
  readonly now?: () => number;
  readonly newJobId?: () => string;
}

export interface SubmitResult {
  readonly job: Job;
  /** False when an idempotency key returned an earlier job. */
  readonly created: boolean;
}

async function replay(repository: JobRepository, earlier: IdempotencyRecord, requestHash: string): Promise<SubmitResult> {
  if (earlier.requestHash !== requestHash) {
    throw new ConflictError('This Idempotency-Key was already used with a different request body');
  }
  const job = await repository.get(earlier.jobId);
  if (job === undefined) throw new ConflictError('This Idempotency-Key belongs to a job that no longer exists');
  return { job, created: false };
}

/** A retryable AWS failure becomes 503 (the caller may retry); a permanent one is rethrown as it is. */
function unavailableOr(what: string, error: unknown): Error {
  if (!isRetryableDependencyError(error)) return error as Error;
  return new UnavailableError(`Could not ${what}; nothing was accepted, retry later`, undefined, { cause: error });
}

/** Wraps an AWS call whose retryable failure rejects the request with 503. */
async function orUnavailable<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailableOr(what, error);
  }
}

/**
 * Accepts a job: validates it, then sends its message and only then writes its record, so a
 * job that was written always has a message (SPEC §2: a 202 means the job will run). If the
 * write fails after the send, the message finds no record and the worker drops it.
 * A `fargate` type starts its state machine execution instead of sending a message, in the same
 * order: its first step waits a bounded time for the record and ends quietly if none appears.
 */
export async function submitJob(
  dependencies: SubmitDependencies,
  owner: string,
  body: unknown,
  idempotencyKey?: string,
): Promise<SubmitResult> {
  const { repository, queue, retryDefaults } = dependencies;
  const now = (dependencies.now ?? Date.now)();
  const submission = parseSubmission(body, { drillJobTypes: dependencies.drillJobTypes ?? false });
  const { longJobs } = dependencies;
  if (submission.definition.runtime === 'fargate' && longJobs === undefined) {
    // 400, not 503: retrying cannot help until the environment deploys the long-job stack, and a
    // configuration answer should not count towards the API's 5xx alarm.
    throw new UnknownJobTypeError(
      `Job type '${submission.type}' runs on the long-job path (Step Functions + Fargate), which this environment does not deploy`,
    );
  }
  const requestHash = submissionHash(submission);
  if (idempotencyKey !== undefined) {
    validateIdempotencyKey(idempotencyKey);
    const earlier = await orUnavailable('read the idempotency key', () => repository.findIdempotencyKey(owner, idempotencyKey, now));
    if (earlier !== undefined) return replay(repository, earlier, requestHash);
  }

  const createdAt = new Date(now).toISOString();
  const job: Job = {
    jobId: (dependencies.newJobId ?? randomUUID)(),
    owner,
    type: submission.type,
    status: 'queued',
    payload: submission.payload,
    attempts: 0,
    maxAttempts: submission.maxAttempts ?? retryPolicyOf(submission.definition, retryDefaults).maxAttempts,
    createdAt,
    updatedAt: createdAt,
    errorHistory: [],
    run: 1,
    runQueuedAt: new Date(now + submission.delaySeconds * 1000).toISOString(),
    version: 1,
  };

  if (longJobs !== undefined && submission.definition.runtime === 'fargate') {
    await orUnavailable('start the job', () => longJobs.start(job, submission.delaySeconds));
  } else {
    await orUnavailable('enqueue the job', () => queue.send({ jobId: job.jobId, type: job.type }, submission.delaySeconds));
  }
  let earlier: IdempotencyRecord | undefined;
  try {
    earlier = await repository.create(
      job,
      idempotencyKey === undefined
        ? undefined
        : { owner, key: idempotencyKey, jobId: job.jobId, requestHash, expiresAt: Math.floor(now / 1000) + IDEMPOTENCY_WINDOW_SECONDS },
    );
  } catch (error) {
    // A write can fail on the client's side (a timeout) after DynamoDB applied it. Answering 503
    // then would invite a retry that runs the work twice: look, and answer 202 if it landed.
    const landed = await repository.get(job.jobId).catch(() => undefined);
    if (landed !== undefined) return { job: landed, created: true };
    throw unavailableOr('store the job', error);
  }
  // Another request with the same key won the race; our message finds no record and is dropped.
  if (earlier !== undefined) return replay(repository, earlier, requestHash);
  return { job, created: true };
}
