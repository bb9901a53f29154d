import { FINISHED_STATUSES, type Job, type JobError } from './domain/job.ts';
import type { JobRef } from './adapters/job-keys.ts';
import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import { failJob, startLongJob } from './domain/lifecycle.ts';
import { LONG_JOB_ERRORS } from './domain/long-job-state-machine.ts';
import { longJobTypeOf } from './run-chunk.ts';

/**
 * The Lambda steps of the long-job state machine (SPEC §6), around the Map of chunk tasks:
 * mark running, plan chunks, confirm completion, mark failed. Each is safe to run twice.
 */

export interface LongJobStepDependencies {
  readonly repository: JobRepository;
  readonly retentionDays: number;
  readonly now?: () => number;
}

/**
 * The API starts the execution before it writes the job (as it sends a queue message first),
 * so the record may lag the start by a moment, and never appears if the write failed and the
 * caller got a 503. MarkRunning looks for this long; the state machine retries it meanwhile.
 */
export const RECORD_GRACE_MS = 30_000;

/** The job record is not there yet; the state machine retries MarkRunning on this error name. */
export class JobRecordMissingError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} has no record yet`);
    this.name = LONG_JOB_ERRORS.recordMissing;
  }
}

/** The chunks all ran but the job is not completed: no chunk assembled the output. */
export class JobNotCompletedError extends Error {
  constructor(job: Job) {
    super(`every chunk of job ${job.jobId} ran but the job is ${job.status}, not completed`);
    this.name = LONG_JOB_ERRORS.notCompleted;
  }
}

/** Transitions retried when another writer (a cancel, a progress update) changed the job in between. */
const WRITE_ATTEMPTS = 5;

async function updateJob(repository: JobRepository, ref: JobRef, change: (job: Job) => Job | undefined): Promise<Job | undefined> {
  let job = await repository.get(ref);
  for (let attempt = 1; ; attempt += 1) {
    if (job === undefined) return undefined;
    const next = change(job);
    if (next === undefined) return job;
    try {
      await repository.transition(job, next);
      return next;
    } catch (error) {
      if (!(error instanceof StaleJobError) || attempt >= WRITE_ATTEMPTS) throw error;
      job = error.current;
    }
  }
}

/** Whether the execution goes on to run the job. */
export interface MarkRunningResult {
  readonly proceed: boolean;
  readonly reason: string;
}

/** Takes the job from queued to running; ends the execution quietly for a cancelled, finished or never-written job. */
export async function markRunning(
  dependencies: LongJobStepDependencies,
  input: JobRef & { readonly executionStartTime: string },
): Promise<MarkRunningResult> {
  const now = (dependencies.now ?? Date.now)();
  let reason = '';
  const job = await updateJob(dependencies.repository, input, (current) => {
    if (current.status === 'queued') return startLongJob(current, now);
    reason = `job is ${current.status}`;
    return undefined;
  });
  if (job === undefined) {
    if (now - Date.parse(input.executionStartTime) < RECORD_GRACE_MS) throw new JobRecordMissingError(input.jobId);
    return { proceed: false, reason: 'no job record: its submission failed' };
  }
  // `running` here means an earlier try of this step wrote it and then timed out: go on.
  if (job.status === 'running') return { proceed: true, reason: reason || 'job marked running' };
  return { proceed: false, reason };
}

/** The Map's items: one index per chunk; the job's progress starts at 0 of their number. */
export async function planChunks(
  dependencies: LongJobStepDependencies,
  input: JobRef,
): Promise<{ readonly chunks: number[]; readonly total: number }> {
  const job = await dependencies.repository.get(input);
  if (job === undefined) throw new Error(`job ${input.jobId} not found`);
  const total = longJobTypeOf(job).planChunks(job.payload);
  await dependencies.repository.recordProgress(job, { done: 0, total }, (dependencies.now ?? Date.now)());
  return { chunks: Array.from({ length: total }, (_, index) => index), total };
}

/** After the Map: the chunk that completed the count must have completed the job. */
export async function confirmCompleted(dependencies: LongJobStepDependencies, input: JobRef): Promise<{ readonly status: string }> {
  const job = await dependencies.repository.get(input);
  if (job === undefined) throw new Error(`job ${input.jobId} not found`);
  // A job cancelled or failed meanwhile stays so; only a still-running one is an error.
  if (job.status === 'running') throw new JobNotCompletedError(job);
  return { status: job.status };
}

/** Error text kept on the job: Step Functions causes can be whole stack traces or task descriptions. */
const MAX_ERROR_MESSAGE = 1_000;

/** The job's status after MarkFailed; `failedNow` when this call failed it (not an earlier one). */
export interface MarkFailedResult {
  readonly status: string;
  readonly failedNow: boolean;
  readonly type?: string;
}

/** The state machine caught an error: the job becomes failed with it, unless it already finished. */
export async function markFailed(
  dependencies: LongJobStepDependencies,
  input: JobRef & { readonly error?: { readonly Error?: string; readonly Cause?: string } },
): Promise<MarkFailedResult> {
  const now = (dependencies.now ?? Date.now)();
  const name = input.error?.Error ?? 'Error';
  const cause = input.error?.Cause ?? '';
  const message = `${name}: ${cause}`.slice(0, MAX_ERROR_MESSAGE);
  let failedNow = false;
  const job = await updateJob(dependencies.repository, input, (current) => {
    failedNow = !FINISHED_STATUSES.has(current.status);
    if (!failedNow) return undefined;
    const error: JobError = { message, attempt: Math.max(1, current.attempts), at: new Date(now).toISOString(), run: current.run };
    return failJob(current, error, now, dependencies.retentionDays);
  });
  return { status: job?.status ?? 'missing', failedNow: job !== undefined && failedNow, ...(job === undefined ? {} : { type: job.type }) };
}
