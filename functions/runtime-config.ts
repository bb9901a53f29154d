import type { JobQueueUrls } from './jobs/adapters/job-queue.ts';
import type { JobSchedulerSettings } from './jobs/adapters/job-scheduler.ts';
import type { RetryPolicy } from './jobs/domain/retry-delay.ts';

/** Reads a required environment variable once, at cold start; a missing one names itself. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing environment variable ${name}`);
  }
  return value;
}

/** Reads an integer variable once, at cold start; an invalid one names itself, the value given and the range. */
export function integerEnv(name: string, env: NodeJS.ProcessEnv, min: number, max: number): number {
  const raw = requireEnv(name, env);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Environment variable ${name} must be an integer between ${min} and ${max}, '${raw}' given`);
  }
  return value;
}

/** Reads a `true`/`false` variable once, at cold start; unset is false, anything else names itself. */
export function booleanEnv(name: string, env: NodeJS.ProcessEnv): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new Error(`Environment variable ${name} must be 'true' or 'false', '${raw}' given`);
}

/** What both functions need to reach the job state and the queues. */
export interface PlatformRuntimeConfig {
  readonly tableName: string;
  /** Each priority level's queue: `QUEUE_URL` is the normal level's. */
  readonly queueUrls: JobQueueUrls;
  readonly deadLetterQueueUrl: string;
  readonly retryDefaults: RetryPolicy;
  readonly jobRetentionDays: number;
  /** The long-job state machine (`STATE_MACHINE_ARN`); set only where the long-job stack exists. */
  readonly longJobStateMachineArn: string | undefined;
  /** Whether callers may submit drill types (`ALLOW_DRILL_JOB_TYPES`); refused when the variable is unset. */
  readonly drillJobTypes: boolean;
  /** Whether a `callbackUrl` may be plain http (`ALLOW_HTTP_CALLBACK_URLS`, the local environment); https only when unset. */
  readonly httpCallbackUrls: boolean;
}

/** The worker's extra settings. */
export interface WorkerRuntimeConfig extends PlatformRuntimeConfig {
  readonly concurrencyPerBatch: number;
  readonly timeoutSeconds: number;
  /** Local runtime only: a directory the `email` type writes into instead of calling SES. */
  readonly emailOutboxDir: string | undefined;
  readonly emailFrom: string | undefined;
}

/** Parses the variables every function gets; see `lib/constructs/job-function-environment.ts`. */
export function platformRuntimeConfig(env: NodeJS.ProcessEnv = process.env): PlatformRuntimeConfig {
  return {
    tableName: requireEnv('TABLE_NAME', env),
    queueUrls: {
      high: requireEnv('HIGH_PRIORITY_QUEUE_URL', env),
      normal: requireEnv('QUEUE_URL', env),
      low: requireEnv('LOW_PRIORITY_QUEUE_URL', env),
    },
    deadLetterQueueUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env),
    retryDefaults: {
      maxAttempts: integerEnv('RETRY_MAX_ATTEMPTS', env, 1, 10),
      baseSeconds: integerEnv('RETRY_BASE_SECONDS', env, 1, 900),
      capSeconds: integerEnv('RETRY_CAP_SECONDS', env, 1, 43_200),
    },
    jobRetentionDays: integerEnv('JOB_RETENTION_DAYS', env, 1, 3650),
    longJobStateMachineArn: env.STATE_MACHINE_ARN || undefined,
    drillJobTypes: booleanEnv('ALLOW_DRILL_JOB_TYPES', env),
    httpCallbackUrls: booleanEnv('ALLOW_HTTP_CALLBACK_URLS', env),
  };
}

/** The environment's rules for new jobs, as every function that submits jobs applies them (API, schedule firings, reconciler). */
export function submissionSettings(config: PlatformRuntimeConfig) {
  return {
    retryDefaults: config.retryDefaults,
    retentionDays: config.jobRetentionDays,
    drillJobTypes: config.drillJobTypes,
    httpCallbackUrls: config.httpCallbackUrls,
  };
}

export function workerRuntimeConfig(env: NodeJS.ProcessEnv = process.env): WorkerRuntimeConfig {
  return {
    ...platformRuntimeConfig(env),
    concurrencyPerBatch: integerEnv('WORKER_CONCURRENCY', env, 1, 100),
    timeoutSeconds: integerEnv('WORKER_TIMEOUT_SECONDS', env, 1, 900),
    emailOutboxDir: env.EMAIL_OUTBOX_DIR || undefined,
    emailFrom: env.EMAIL_FROM || undefined,
  };
}

/** Where the environment's EventBridge Scheduler schedules live (the API's one-time and recurring schedules). */
export function schedulerRuntimeConfig(env: NodeJS.ProcessEnv = process.env): JobSchedulerSettings {
  return {
    groupName: requireEnv('SCHEDULE_GROUP_NAME', env),
    roleArn: requireEnv('SCHEDULER_ROLE_ARN', env),
    queueArns: {
      high: requireEnv('HIGH_PRIORITY_QUEUE_ARN', env),
      normal: requireEnv('QUEUE_ARN', env),
      low: requireEnv('LOW_PRIORITY_QUEUE_ARN', env),
    },
    deadLetterQueueArn: requireEnv('SCHEDULE_DEAD_LETTER_QUEUE_ARN', env),
    firingFunctionArn: requireEnv('SCHEDULE_FIRING_FUNCTION_ARN', env),
  };
}

/** What the webhook deliverer reads at cold start (SPEC §11). */
export interface WebhookRuntimeConfig {
  readonly tableName: string;
  /** The deliveries' queue, whose messages a failed try hides for its backoff. */
  readonly queueUrl: string;
  /** Where a delivery lands that failed for 24 h, or that cannot be read at all. */
  readonly deadLetterQueueUrl: string;
  /** The Secrets Manager secret (name or ARN) holding `{current, previous?}`. */
  readonly secretId: string;
  readonly retry: { readonly baseSeconds: number; readonly capSeconds: number };
  /** Seconds the secret read is kept: a rotation reaches the signatures within this time. */
  readonly secretCacheSeconds: number;
}

export function webhookRuntimeConfig(env: NodeJS.ProcessEnv = process.env): WebhookRuntimeConfig {
  return {
    tableName: requireEnv('TABLE_NAME', env),
    queueUrl: requireEnv('WEBHOOK_QUEUE_URL', env),
    deadLetterQueueUrl: requireEnv('WEBHOOK_DEAD_LETTER_QUEUE_URL', env),
    secretId: requireEnv('WEBHOOK_SECRET_ID', env),
    retry: {
      baseSeconds: integerEnv('WEBHOOK_RETRY_BASE_SECONDS', env, 1, 900),
      capSeconds: integerEnv('WEBHOOK_RETRY_CAP_SECONDS', env, 1, 43_200),
    },
    secretCacheSeconds: integerEnv('WEBHOOK_SECRET_CACHE_SECONDS', env, 1, 3600),
  };
}
