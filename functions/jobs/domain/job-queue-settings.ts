/** The highest `maxAttempts` a job may ask for (SPEC §2). */
export const MAX_ATTEMPTS_LIMIT = 10;

/**
 * Receives above the highest `maxAttempts` before SQS dead-letters a message on its own.
 * The worker retries through visibility changes, so only crashes, timeouts and throttles
 * use these up; AWS advises at least 5 (Lambda developer guide, "Using Lambda with Amazon SQS").
 */
export const RECEIVE_SAFETY_MARGIN = 5;

/** The DLQ keeps a message for the SQS maximum, 14 days (SPEC §4). */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * The job queue keeps messages 14 days, the SQS maximum, like its DLQ: SQS deletes an expired
 * message without dead-lettering it, so a shorter outage than this never strands a job. The
 * stale-job sweep fails what a longer one left behind.
 */
export const JOB_QUEUE_RETENTION_SECONDS = 14 * 24 * 3600;

/** What the job queue and its dead-letter queue look like, derived from the worker's settings. */
export interface JobQueueSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly retentionSeconds: number;
  readonly deadLetterRetentionSeconds: number;
}

/**
 * Derives the queue settings from the worker's timeout and batching window.
 * The visibility timeout is 6x the function timeout plus the batching window, as the event
 * source mapping needs room to retry a throttled invocation (Lambda developer guide).
 */
export function jobQueueSettings(worker: { timeoutSeconds: number; batchingWindowSeconds: number }): JobQueueSettings {
  return {
    visibilityTimeoutSeconds: 6 * worker.timeoutSeconds + worker.batchingWindowSeconds,
    maxReceiveCount: MAX_ATTEMPTS_LIMIT + RECEIVE_SAFETY_MARGIN,
    retentionSeconds: JOB_QUEUE_RETENTION_SECONDS,
    deadLetterRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
  };
}
