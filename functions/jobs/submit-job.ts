import { v7 as uuidv7 } from 'uuid';
import type { JobQueue } from './adapters/job-queue.ts';
import type { IdempotencyRecord, JobRepository, NewIdempotencyKey } from './adapters/job-repository.ts';
import type { JobScheduler } from './adapters/job-scheduler.ts';
import type { LongJobLauncher } from './adapters/long-job-launcher.ts';
import { ConflictError, UnavailableError, UnknownJobTypeError } from './domain/errors.ts';
import { isRetryableDependencyError } from './adapters/dependency-errors.ts';
import type { Job } from './domain/job.ts';
import { jobMessageOf } from './domain/job-message.ts';
import { alreadyReleased, checkDependencies, watchDependencies, type ReleaseDependencies } from './job-dependencies.ts';
import { findJobType, retryPolicyOf } from './domain/registry.ts';
import type { RetryPolicy } from './domain/retry-delay.ts';
import { parseSubmission, SQS_MAX_DELAY_SECONDS, submissionHash, validateIdempotencyKey, type Submission } from './domain/submission.ts';

/** An idempotency key protects a submission for 24 hours (SPEC §2). */
const IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600;

export interface SubmitDependencies {
  readonly repository: JobRepository;
  readonly queue: JobQueue;
  /** Starts long-running (`fargate`) jobs; absent where the environment has no long-job stack. */
  readonly longJobs?: LongJobLauncher;
  /** One-time schedules for jobs due later than SQS can delay them (SPEC §10). */
  readonly scheduler?: JobScheduler;
  readonly retryDefaults: RetryPolicy;
  /** Days a finished job is kept: a job cancelled because its dependency failed is finished at once. */
  readonly retentionDays: number;
  /** Whether drill types (`crash`, `flaky`) may be submitted; refused unless set. */
  readonly drillJobTypes?: boolean;
  /** Whether a `callbackUrl` may be plain http (the local environment); https only unless set. */
  readonly httpCallbackUrls?: boolean;
  readonly now?: () => number;
  /** Job ids are UUIDv7: time-ordered, so a caller's jobs list newest first by id alone. */
  readonly newJobId?: () => string;
}

export interface SubmitResult {
  readonly job: Job;
  /** False when an idempotency key returned an earlier job. */
  readonly created: boolean;
}

/** A retryable AWS failure becomes 503 (the caller may retry); a permanent one is rethrown as it is. */
export function unavailableOr(what: string, error: unknown): Error {
  if (!isRetryableDependencyError(error)) return error as Error;
  return new UnavailableError(`Could not ${what}; nothing was accepted, retry later`, undefined, { cause: error });
}

/** Wraps an AWS call whose retryable failure rejects the request with 503. */
export async function orUnavailable<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailableOr(what, error);
  }
}

/** A validated submission, refused with 400 when its type runs where this environment has nothing. */
export function acceptSubmission(
  dependencies: Pick<SubmitDependencies, 'longJobs' | 'drillJobTypes' | 'httpCallbackUrls' | 'now'>,
  body: unknown,
): Submission {
  const now = (dependencies.now ?? Date.now)();
  const rules = { drillJobTypes: dependencies.drillJobTypes ?? false, httpCallbackUrls: dependencies.httpCallbackUrls ?? false };
  const submission = parseSubmission(body, rules, now);
  if (submission.definition.runtime === 'fargate' && dependencies.longJobs === undefined) {
    // 400, not 503: retrying cannot help until the environment deploys the long-job stack, and a
    // configuration answer should not count towards the API's 5xx alarm.
    throw new UnknownJobTypeError(
      `Job type '${submission.type}' runs on the long-job path (Step Functions + Fargate), which this environment does not deploy`,
    );
  }
  return submission;
}

/**
 * Whether a job waits for a one-time schedule: due later than SQS can delay its message. A long
 * job waits in its execution's Wait state instead (a Standard execution may wait up to a year).
 */
function waitsForSchedule(submission: Submission): boolean {
  return submission.delaySeconds > SQS_MAX_DELAY_SECONDS && submission.definition.runtime !== 'fargate';
}

/** Where a job comes from when it is not a caller's own submission. */
export interface JobOrigin {
  /** The recurring schedule whose firing submits it. */
  readonly scheduleName?: string;
}

/**
 * The job a submission creates: queued; scheduled when it is due after SQS's 15 minutes; or
 * `waiting` when some of `dependsOn` (resolved to job ids) has not released it yet (`released`:
 * the dependencies that already have).
 */
export function newJob(
  dependencies: Pick<SubmitDependencies, 'retryDefaults' | 'newJobId'>,
  owner: string,
  submission: Submission,
  now: number,
  chain: { readonly dependsOn: readonly string[]; readonly released: readonly string[]; readonly jobId?: string } = {
    dependsOn: [],
    released: [],
  },
  origin: JobOrigin = {},
): Job {
  const createdAt = new Date(now).toISOString();
  const waiting = chain.dependsOn.some((id) => !chain.released.includes(id));
  // A `runAt` is kept to the millisecond; a delay counts from now.
  const asked = submission.runAt === undefined ? undefined : Date.parse(submission.runAt);
  const dueAt = new Date(asked !== undefined && asked > now ? asked : now + submission.delaySeconds * 1000).toISOString();
  return {
    jobId: chain.jobId ?? (dependencies.newJobId ?? uuidv7)(),
    owner,
    type: submission.type,
    status: waiting ? 'waiting' : waitsForSchedule(submission) ? 'scheduled' : 'queued',
    payload: submission.payload,
    attempts: 0,
    maxAttempts: submission.maxAttempts ?? retryPolicyOf(submission.definition, dependencies.retryDefaults).maxAttempts,
    ...(submission.priority === undefined ? {} : { priority: submission.priority }),
    createdAt,
    updatedAt: createdAt,
    errorHistory: [],
    run: 1,
    runQueuedAt: dueAt,
    version: 1,
    ...(chain.dependsOn.length === 0
      ? {}
      : {
          dependsOn: [...chain.dependsOn],
          onDependencyFailure: submission.onDependencyFailure,
          releasedDependencies: chain.dependsOn.filter((id) => chain.released.includes(id)),
        }),
    ...(submission.delaySeconds > 0 ? { runAt: dueAt } : {}),
    ...(origin.scheduleName === undefined ? {} : { scheduleName: origin.scheduleName }),
    ...(submission.callbackUrl === undefined ? {} : { callback: { url: submission.callbackUrl } }),
  };
}

/** Seconds until a job is due: what is left of its submission's delay. */
export function remainingDelaySeconds(job: Job, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(job.runQueuedAt) - now) / 1000));
}

/**
 * Sends the job's message (delayed by SQS up to 15 minutes), gives a scheduled job its one-time
 * schedule, or starts the execution of a long-running type. A scheduled job replayed when its
 * due time is near gets its message at once, delayed by SQS for what is left.
 */
export async function enqueue(
  dependencies: Pick<SubmitDependencies, 'queue' | 'longJobs' | 'scheduler'>,
  job: Job,
  now: number,
): Promise<void> {
  const { longJobs, scheduler } = dependencies;
  const delaySeconds = remainingDelaySeconds(job, now);
  const message = jobMessageOf(job);
  if (longJobs !== undefined && findJobType(job.type)?.runtime === 'fargate') await longJobs.start(job, delaySeconds);
  else if (job.status === 'scheduled' && delaySeconds > SQS_MAX_DELAY_SECONDS) {
    if (scheduler === undefined) throw new Error('This environment has no scheduler for jobs due after 15 minutes');
    await scheduler.scheduleJob(message, Date.parse(job.runQueuedAt));
  } else await dependencies.queue.send(message, Math.min(delaySeconds, SQS_MAX_DELAY_SECONDS));
}

/**
 * The earlier job an idempotency key points at. A replay of a job that is still queued sends
 * its message again: if the first request died between its write and its send, this is what
 * makes the job run (a second message of a job is harmless, its claim is conditional).
 */
export async function replay(
  dependencies: SubmitDependencies,
  owner: string,
  earlier: IdempotencyRecord,
  requestHash: string,
  now: number,
): Promise<SubmitResult> {
  if (earlier.requestHash !== requestHash) {
    throw new ConflictError('This Idempotency-Key was already used with a different request body');
  }
  const job = await orUnavailable('read the job', () => dependencies.repository.get({ owner, jobId: earlier.jobId }));
  if (job === undefined) throw new ConflictError('This Idempotency-Key belongs to a job that no longer exists');
  if (job.status === 'queued' || job.status === 'scheduled') await orUnavailable('enqueue the job', () => enqueue(dependencies, job, now));
  return { job, created: false };
}

/** The idempotency key record a keyed submission writes with its job. */
export function idempotencyRecordOf(job: Job, key: string, requestHash: string, now: number): NewIdempotencyKey {
  return { key, jobId: job.jobId, requestHash, expiresAt: Math.floor(now / 1000) + IDEMPOTENCY_WINDOW_SECONDS };
}

/**
 * Accepts a job: validates it, writes its record, and only then sends its message (or creates
 * its one-time schedule, or starts its execution), so the worker always finds the record it is sent for and claims it in one
 * write. If the send fails the record is deleted again and the caller gets 503: a 202 means
 * the job was stored and enqueued (SPEC §2).
 */
export async function submitJob(
  dependencies: SubmitDependencies,
  owner: string,
  body: unknown,
  idempotencyKey?: string,
  origin: JobOrigin = {},
): Promise<SubmitResult> {
  const { repository } = dependencies;
  const now = (dependencies.now ?? Date.now)();
  const submission = acceptSubmission(dependencies, body);
  const requestHash = submissionHash(submission);
  if (idempotencyKey !== undefined) {
    validateIdempotencyKey(idempotencyKey);
    const earlier = await orUnavailable('read the idempotency key', () => repository.findIdempotencyKey(owner, idempotencyKey, now));
    if (earlier !== undefined) return replay(dependencies, owner, earlier, requestHash, now);
  }

  const states = await orUnavailable('read the dependencies', () => checkDependencies(repository, owner, submission.dependsOn));
  const job = newJob(
    dependencies,
    owner,
    submission,
    now,
    { dependsOn: submission.dependsOn, released: alreadyReleased(states, submission.onDependencyFailure) },
    origin,
  );
  const key = idempotencyKey === undefined ? undefined : idempotencyRecordOf(job, idempotencyKey, requestHash, now);
  let earlier: IdempotencyRecord | undefined;
  try {
    earlier = await repository.create(job, key);
  } catch (error) {
    // A write can fail on the client's side (a timeout) after DynamoDB applied it: look, and
    // go on if it landed, so the caller does not retry into a second job.
    const landed = await repository.get(job).catch(() => undefined);
    if (landed === undefined) throw unavailableOr('store the job', error);
  }
  // Another request with the same key won the race; nothing of ours was written.
  if (earlier !== undefined) return replay(dependencies, owner, earlier, requestHash, now);

  try {
    if (job.status === 'waiting') return { job: await watchDependencies(releaseDependenciesOf(dependencies), job), created: true };
    await enqueue(dependencies, job, now);
  } catch (error) {
    await repository.deleteUnsent([job], [idempotencyKey]).catch(() => undefined);
    throw unavailableOr('enqueue the job', error);
  }
  return { job, created: true };
}

/** What releasing waiting jobs needs, from what submitting needs: a released job is enqueued as a submitted one is. */
export function releaseDependenciesOf(dependencies: SubmitDependencies): ReleaseDependencies {
  const now = dependencies.now ?? Date.now;
  return {
    repository: dependencies.repository,
    enqueue: (job) => enqueue(dependencies, job, now()),
    retentionDays: dependencies.retentionDays,
    now,
  };
}
