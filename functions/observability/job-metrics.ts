/**
 * The EMF metrics the functions emit, each with the `JobType` dimension; the dashboard
 * and alarms in `lib/` read these same names.
 */
export const JOB_METRICS = {
  submitted: 'JobSubmitted',
  started: 'JobStarted',
  completed: 'JobCompleted',
  failed: 'JobFailed',
  retried: 'JobRetried',
  deadLettered: 'JobDeadLettered',
  /** Attempts held back by the type's rate limit (they wait; no attempt is spent). */
  heldBack: 'JobHeldBack',
  /** Milliseconds one attempt ran. */
  duration: 'JobDuration',
  /** Milliseconds from creation (or the redrive) to the start of the first attempt. */
  queueWait: 'JobQueueWait',
} as const;

/** Metrics of the platform's own housekeeping, without the JobType dimension. */
export const PLATFORM_METRICS = {
  /** Jobs the reconciler moved to failed because SQS dead-lettered their message. */
  deadLettersReconciled: 'DeadLettersReconciled',
  /** Letters the reconciler read that needed nothing. */
  deadLettersSkipped: 'DeadLettersSkipped',
  /** Letters the reconciler could not handle (logged, retried on its next run). */
  deadLetterErrors: 'DeadLetterErrors',
  /** Jobs the sweep failed because their queue message expired before they could run. */
  staleJobsExpired: 'StaleJobsExpired',
  /** Firings EventBridge Scheduler dead-lettered, which the reconciler handled (a due job enqueued, a firing made again). */
  scheduleDeadLetters: 'ScheduleDeadLetters',
  /** Queue messages that were not job messages, sent to the DLQ by the worker. */
  malformedMessages: 'MalformedMessages',
  /** Webhook deliveries a receiver accepted (2xx). */
  webhooksDelivered: 'WebhooksDelivered',
  /** Webhook tries that failed and wait for their next try. */
  webhooksRetried: 'WebhooksRetried',
  /** Webhook deliveries given up after 24 h (or unreadable), in the deliveries' DLQ. */
  webhooksDeadLettered: 'WebhooksDeadLettered',
} as const;

export type JobMetricName = (typeof JOB_METRICS)[keyof typeof JOB_METRICS];

export const JOB_TYPE_DIMENSION = 'JobType';

/** One CloudWatch namespace per environment, so dev traffic never pollutes prod graphs. */
export function metricsNamespace(environmentName: string): string {
  return `JobPlatform/${environmentName}`;
}
