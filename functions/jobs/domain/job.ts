import { priorityOf, type JobPriority } from './priority.ts';

/**
 * Where a job is in its life (SPEC §3, §10, §11). `scheduled`: due later than SQS can delay a
 * message (15 minutes), so an EventBridge Scheduler one-time schedule sends its message when it
 * is due; `waiting`: some of its dependencies have not finished.
 */
export const JOB_STATUSES = ['scheduled', 'waiting', 'queued', 'running', 'retrying', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves on its own; only a DLQ redrive reopens a `failed` one. */
export const FINISHED_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface JobError {
  readonly message: string;
  readonly attempt: number;
  readonly at: string;
  /** Which run of the job (1, then +1 per DLQ redrive) the attempt belonged to. */
  readonly run: number;
}

/** What a waiting job does when one of its dependencies fails or is cancelled (SPEC §11). */
export type DependencyFailurePolicy = 'cancel' | 'run';

/**
 * Where the job's terminal statuses are POSTed (SPEC §11) and how the deliveries went so far:
 * `attempts` counts every try of every event, `lastStatus` is the last try's HTTP status, or a
 * short reason (`network error`, `timeout`) when no answer came.
 */
export interface JobCallback {
  readonly url: string;
  readonly attempts?: number;
  readonly lastStatus?: number | string;
}

export interface JobProgress {
  readonly done: number;
  readonly total: number;
}

/** A job as the platform stores it. */
export interface Job {
  readonly jobId: string;
  /** The caller that submitted it (the IAM principal in AWS); only it can see the job. */
  readonly owner: string;
  readonly type: string;
  readonly status: JobStatus;
  readonly payload: Record<string, unknown>;
  /** Attempts of the current run. */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Which level's queue carries its messages; absent for `normal`. */
  readonly priority?: JobPriority;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly nextAttemptAt?: string;
  /** Errors of every run, oldest first, bounded by ERROR_HISTORY_LIMIT and ERROR_HISTORY_MAX_BYTES; the last is `lastError`. */
  readonly errorHistory: readonly JobError[];
  readonly result?: unknown;
  readonly progress?: JobProgress;
  /** 1 for the first run; a DLQ redrive starts run + 1 with attempts from zero. */
  readonly run: number;
  /** When the current run was queued: creation, or the redrive. Queue wait is measured from it. */
  readonly runQueuedAt: string;
  /** Epoch ms until which the running attempt owns the job; a later delivery may take over. */
  readonly leaseUntil?: number;
  /** Epoch ms the job became `failed`; a message sent after it is a redrive. */
  readonly failedAt?: number;
  /** Epoch seconds at which DynamoDB's TTL removes a finished job. */
  readonly expiresAt?: number;
  /** Optimistic-lock counter: every write expects the version it read. */
  readonly version: number;
  /** The caller's jobs this one waits for (SPEC §11); it is `waiting` until each has finished. */
  readonly dependsOn?: readonly string[];
  /** Set with `dependsOn`: `cancel` (the default) or `run` when a dependency fails or is cancelled. */
  readonly onDependencyFailure?: DependencyFailurePolicy;
  /**
   * The dependencies that have released the job (completed, or failed with `run`). Each is added
   * once, by a conditional write, so the job is released exactly once.
   */
  readonly releasedDependencies?: readonly string[];
  /** Why the platform cancelled the job (`dependency <id> failed`); absent when its caller did. */
  readonly cancelReason?: string;
  /** Some job waits on this one: its finish looks its waiting jobs up (the stream skips that query for all other jobs). */
  readonly hasDependents?: true;
  /** When the job was asked to run (`runAt`, or now + `delaySeconds`), for a job submitted to run later. */
  readonly runAt?: string;
  /** The recurring schedule whose firing created the job (SPEC §10). */
  readonly scheduleName?: string;
  /** The webhook of the job's terminal statuses; only the deliverer writes its counters, never the job's version. */
  readonly callback?: JobCallback;
}

/** Errors kept per job, at most (SPEC §3 keeps the history across runs; the oldest go first). */
export const ERROR_HISTORY_LIMIT = 20;

/** Bytes one error message keeps (UTF-8): stack traces and upstream bodies can be megabytes. */
export const ERROR_MESSAGE_MAX_BYTES = 1024;

/**
 * Bytes of error messages a job keeps in all. With the largest result (64 KB) and the job's
 * own fields this keeps the item far below DynamoDB's 400 KB, so no transition fails on size.
 */
export const ERROR_HISTORY_MAX_BYTES = 16 * 1024;

const TRUNCATION_MARK = ' …[truncated]';

/** A message cut to ERROR_MESSAGE_MAX_BYTES of UTF-8, never inside a character. */
export function boundedErrorMessage(message: string): string {
  if (Buffer.byteLength(message) <= ERROR_MESSAGE_MAX_BYTES) return message;
  const room = ERROR_MESSAGE_MAX_BYTES - Buffer.byteLength(TRUNCATION_MARK);
  // Decoding a cut buffer drops a partial last character as U+FFFD; strip it.
  const head = Buffer.from(message)
    .subarray(0, room)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${head}${TRUNCATION_MARK}`;
}

/** The history with `error` appended: its message bounded, then the oldest entries dropped to fit both limits. */
export function appendError(history: readonly JobError[], error: JobError): JobError[] {
  const next = [...history, { ...error, message: boundedErrorMessage(error.message) }].slice(-ERROR_HISTORY_LIMIT);
  let bytes = next.reduce((sum, entry) => sum + Buffer.byteLength(entry.message), 0);
  while (bytes > ERROR_HISTORY_MAX_BYTES && next.length > 1) bytes -= Buffer.byteLength(next.shift()?.message ?? '');
  return next;
}

/** The job's most recent error, derived from the history (it is not stored twice). */
export function lastErrorOf(job: Pick<Job, 'errorHistory'>): JobError | undefined {
  return job.errorHistory.at(-1);
}

/** The job as the API shows it (SPEC §2). */
export interface JobResource {
  jobId: string;
  type: string;
  status: JobStatus;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  priority: JobPriority;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  completedAt?: string;
  nextAttemptAt?: string;
  lastError?: { message: string; attempt: number; at: string };
  errorHistory: JobError[];
  result?: unknown;
  progress?: JobProgress;
  run: number;
  dependsOn?: string[];
  onDependencyFailure?: DependencyFailurePolicy;
  /** Why the platform cancelled the job. */
  reason?: string;
  runAt?: string;
  scheduleName?: string;
  callback?: { url: string; lastStatus?: number | string; attempts: number };
}

export function toJobResource(job: Job): JobResource {
  const resource: JobResource = {
    jobId: job.jobId,
    type: job.type,
    status: job.status,
    payload: job.payload,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    priority: priorityOf(job),
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    errorHistory: [...job.errorHistory],
    run: job.run,
  };
  if (job.startedAt !== undefined) resource.startedAt = job.startedAt;
  if (job.completedAt !== undefined) resource.completedAt = job.completedAt;
  if (job.nextAttemptAt !== undefined) resource.nextAttemptAt = job.nextAttemptAt;
  const lastError = lastErrorOf(job);
  if (lastError !== undefined) {
    const { message, attempt, at } = lastError;
    resource.lastError = { message, attempt, at };
  }
  if (job.result !== undefined) resource.result = job.result;
  if (job.progress !== undefined) resource.progress = job.progress;
  if (job.dependsOn !== undefined) resource.dependsOn = [...job.dependsOn];
  if (job.onDependencyFailure !== undefined) resource.onDependencyFailure = job.onDependencyFailure;
  if (job.cancelReason !== undefined) resource.reason = job.cancelReason;
  if (job.runAt !== undefined) resource.runAt = job.runAt;
  if (job.scheduleName !== undefined) resource.scheduleName = job.scheduleName;
  if (job.callback !== undefined) {
    const { url, lastStatus, attempts } = job.callback;
    resource.callback = { url, ...(lastStatus === undefined ? {} : { lastStatus }), attempts: attempts ?? 0 };
  }
  return resource;
}
