/**
 * Each function of the platform declared once: entry, handler, timeout, memory, architecture,
 * the names of its environment variables and its routes. The CDK constructs deploy from this,
 * and the local runtime (`local/function-environment.ts`) and `npm run invoke` run from it, so a
 * timeout or a variable cannot differ between AWS and a laptop (`test/infra/local-parity.test.ts`).
 * Plain data: no CDK import, so the local runtime reads it without loading the CDK.
 */
import { fileURLToPath } from 'node:url';
import { API_ROUTES, type ApiRouteKey } from '../../functions/api/routes.ts';
import type { EnvironmentConfig } from './environments.ts';
import { resourceNames } from './resource-names.ts';

/** Variables `JobFunction` gives every function (Node and Powertools settings). */
export const JOB_FUNCTION_VARIABLES = [
  'NODE_OPTIONS',
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_TRACE_ENABLED',
] as const;

/** Variables `platformRuntimeConfig` (functions/runtime-config.ts) parses at every cold start. */
export const PLATFORM_VARIABLES = [
  'TABLE_NAME',
  'QUEUE_URL',
  'HIGH_PRIORITY_QUEUE_URL',
  'LOW_PRIORITY_QUEUE_URL',
  'DEAD_LETTER_QUEUE_URL',
  'RETRY_MAX_ATTEMPTS',
  'RETRY_BASE_SECONDS',
  'RETRY_CAP_SECONDS',
  'JOB_RETENTION_DAYS',
  'ALLOW_DRILL_JOB_TYPES',
  'ALLOW_HTTP_CALLBACK_URLS',
] as const;

/** Variables `schedulerRuntimeConfig` parses: where one-time and recurring schedules go (SPEC §10). */
export const SCHEDULER_VARIABLES = [
  'SCHEDULE_GROUP_NAME',
  'SCHEDULER_ROLE_ARN',
  'QUEUE_ARN',
  'HIGH_PRIORITY_QUEUE_ARN',
  'LOW_PRIORITY_QUEUE_ARN',
  'SCHEDULE_DEAD_LETTER_QUEUE_ARN',
  'SCHEDULE_FIRING_FUNCTION_ARN',
] as const;

/** Variables `webhookRuntimeConfig` parses: where deliveries come from and go, the secret and the backoff (SPEC §11). */
export const WEBHOOK_VARIABLES = [
  'TABLE_NAME',
  'WEBHOOK_QUEUE_URL',
  'WEBHOOK_DEAD_LETTER_QUEUE_URL',
  'WEBHOOK_SECRET_ID',
  'WEBHOOK_RETRY_BASE_SECONDS',
  'WEBHOOK_RETRY_CAP_SECONDS',
  'WEBHOOK_SECRET_CACHE_SECONDS',
] as const;

/** Every variable a function may be given; the binders in `lib/constructs/job-function-environment.ts` set them. */
export type FunctionVariable =
  | (typeof JOB_FUNCTION_VARIABLES)[number]
  | (typeof PLATFORM_VARIABLES)[number]
  | (typeof SCHEDULER_VARIABLES)[number]
  | (typeof WEBHOOK_VARIABLES)[number]
  | 'SCHEDULE_DEAD_LETTER_QUEUE_URL'
  | 'WORKER_CONCURRENCY'
  | 'WORKER_TIMEOUT_SECONDS'
  | 'EMAIL_FROM'
  | 'EVENT_BUS_NAME'
  | 'STATE_MACHINE_ARN';

/** The functions of the platform (the long-job steps only where the environment has long jobs). */
export type PlatformFunctionId =
  | 'api'
  | 'worker'
  | 'reconciler'
  | 'counts'
  | 'events'
  | 'scheduleFiring'
  | 'webhooks'
  | 'webhookSecretRotation'
  | 'longJobSteps'
  | 'longJobExecutionEnded';

export interface FunctionDeclaration {
  readonly id: PlatformFunctionId;
  /** Physical name; carries the environment (`jobs-dev-worker`). */
  readonly functionName: string;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Absolute path of the handler module. */
  readonly entry: string;
  /** The module's export that Lambda calls. */
  readonly handler: 'handler';
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Graviton: about 20% cheaper per GB-second than x86_64, and a slightly faster cold start. */
  readonly architecture: 'arm64';
  /** Names of every variable the function is given, `JobFunction`'s own included. */
  readonly environment: readonly FunctionVariable[];
  /** API Gateway route keys this function serves. */
  readonly routes: readonly ApiRouteKey[];
}

const entry = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** The platform's functions in one environment. */
export function functionDeclarations(config: EnvironmentConfig): Readonly<Record<PlatformFunctionId, FunctionDeclaration>> {
  const names = resourceNames(config.name);
  const common = { handler: 'handler', architecture: 'arm64', routes: [] } as const;
  return {
    api: {
      ...common,
      id: 'api',
      functionName: names.apiFunction,
      serviceName: 'jobs-api',
      description: `Job platform API (${config.name})`,
      entry: entry('functions/api/handler.ts'),
      // API Gateway gives up on an integration after 30 s; a request that needs 10 s is broken anyway.
      timeoutSeconds: 10,
      memoryMb: config.api.memoryMb,
      environment: [
        ...JOB_FUNCTION_VARIABLES,
        ...PLATFORM_VARIABLES,
        ...SCHEDULER_VARIABLES,
        ...(config.longJobs ? (['STATE_MACHINE_ARN'] as const) : []),
      ],
      routes: API_ROUTES,
    },
    worker: {
      ...common,
      id: 'worker',
      functionName: names.workerFunction,
      serviceName: 'jobs-worker',
      description: `Job platform worker (${config.name})`,
      entry: entry('functions/worker/handler.ts'),
      // The queue's visibility timeout is derived from this same value (jobQueueSettings).
      timeoutSeconds: config.worker.timeoutSeconds,
      memoryMb: config.worker.memoryMb,
      environment: [
        ...JOB_FUNCTION_VARIABLES,
        ...PLATFORM_VARIABLES,
        'WORKER_CONCURRENCY',
        'WORKER_TIMEOUT_SECONDS',
        ...(config.emailFrom ? (['EMAIL_FROM'] as const) : []),
      ],
    },
    reconciler: {
      ...common,
      id: 'reconciler',
      functionName: names.reconcilerFunction,
      serviceName: 'jobs-reconciler',
      description: `Marks dead-lettered jobs failed (${config.name})`,
      entry: entry('functions/reconciler/handler.ts'),
      // Under the one-minute schedule, so two runs rarely overlap.
      timeoutSeconds: 50,
      memoryMb: 256,
      environment: [...JOB_FUNCTION_VARIABLES, ...PLATFORM_VARIABLES, 'SCHEDULE_DEAD_LETTER_QUEUE_URL'],
    },
    scheduleFiring: {
      ...common,
      id: 'scheduleFiring',
      functionName: names.scheduleFiringFunction,
      serviceName: 'jobs-schedule-firing',
      description: `Creates the job of each firing of a recurring schedule (${config.name})`,
      entry: entry('functions/schedules/firing-handler.ts'),
      // One read, one transaction and one message; EventBridge Scheduler retries a failed firing.
      timeoutSeconds: 10,
      memoryMb: 256,
      environment: [...JOB_FUNCTION_VARIABLES, ...PLATFORM_VARIABLES],
    },
    counts: {
      ...common,
      id: 'counts',
      functionName: names.countsFunction,
      serviceName: 'jobs-counts',
      description: `Counts jobs per caller and status from the table's stream (${config.name})`,
      entry: entry('functions/job-counts/handler.ts'),
      // One batch of up to 1,000 stream records becomes one transaction per 100 callers.
      timeoutSeconds: 30,
      memoryMb: 256,
      environment: [...JOB_FUNCTION_VARIABLES, 'TABLE_NAME'],
    },
    events: {
      ...common,
      id: 'events',
      functionName: names.eventsFunction,
      serviceName: 'jobs-events',
      description: `Puts job lifecycle events on the environment's bus and releases waiting jobs, from the table's stream (${config.name})`,
      entry: entry('functions/job-events/handler.ts'),
      // Up to 100 stream records become at most 10 PutEvents requests, and a few writes per waiting job released.
      timeoutSeconds: 30,
      memoryMb: 256,
      // The platform's variables: a released job is enqueued as the API enqueues it (queue or state machine).
      environment: [
        ...JOB_FUNCTION_VARIABLES,
        ...PLATFORM_VARIABLES,
        'EVENT_BUS_NAME',
        ...(config.longJobs ? (['STATE_MACHINE_ARN'] as const) : []),
      ],
    },
    webhooks: {
      ...common,
      id: 'webhooks',
      functionName: names.webhookFunction,
      serviceName: 'jobs-webhooks',
      description: `Delivers signed webhooks of finished jobs, retried for 24 h (${config.name})`,
      entry: entry('functions/webhooks/delivery-handler.ts'),
      // A batch's deliveries run at once, each given 10 s; the rest is the signing secret and the writes.
      timeoutSeconds: 30,
      memoryMb: 256,
      environment: [...JOB_FUNCTION_VARIABLES, ...WEBHOOK_VARIABLES],
    },
    webhookSecretRotation: {
      ...common,
      id: 'webhookSecretRotation',
      functionName: names.webhookRotationFunction,
      serviceName: 'jobs-webhook-secret-rotation',
      description: `Rotates the webhook signing secret, keeping the one before valid (${config.name})`,
      entry: entry('functions/webhooks/rotation-handler.ts'),
      // Each of Secrets Manager's four steps is one or two calls.
      timeoutSeconds: 30,
      memoryMb: 256,
      // The one secret it may rotate.
      environment: [...JOB_FUNCTION_VARIABLES, 'WEBHOOK_SECRET_ID'],
    },
    longJobSteps: {
      ...common,
      id: 'longJobSteps',
      functionName: names.longJobStepsFunction,
      serviceName: 'jobs-long-job-steps',
      description: `Long-job steps: mark running, plan chunks, confirm, mark failed (${config.name})`,
      entry: entry('functions/long-jobs/steps-handler.ts'),
      // A step is a few conditional writes; 30 s leaves room for throttling retries and stays under
      // the state machine's 60 s task timeout, so Step Functions sees the function's own timeout.
      timeoutSeconds: 30,
      memoryMb: 256,
      environment: [...JOB_FUNCTION_VARIABLES, 'TABLE_NAME', 'JOB_RETENTION_DAYS'],
    },
    longJobExecutionEnded: {
      ...common,
      id: 'longJobExecutionEnded',
      functionName: names.longJobExecutionEndedFunction,
      serviceName: 'jobs-long-job-execution-ended',
      description: `Fails the long job of a FAILED, TIMED_OUT or ABORTED execution (${config.name})`,
      entry: entry('functions/long-jobs/execution-ended-handler.ts'),
      // One read and one conditional write; EventBridge retries a failed invocation for a day.
      timeoutSeconds: 10,
      memoryMb: 256,
      environment: [...JOB_FUNCTION_VARIABLES, 'TABLE_NAME', 'JOB_RETENTION_DAYS'],
    },
  };
}
