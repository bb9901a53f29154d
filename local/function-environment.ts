import type { JobQueueUrls } from '../functions/jobs/adapters/job-queue.ts';
import { metricsNamespace } from '../functions/observability/job-metrics.ts';
import type { EnvironmentConfig } from '../lib/config/environments.ts';
import { resourceNames } from '../lib/config/resource-names.ts';
import {
  functionDeclarations,
  type FunctionDeclaration,
  type FunctionVariable,
  type PlatformFunctionId,
} from '../lib/config/function-declarations.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './services/local-aws.ts';

export interface LocalResources {
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly tableName: string;
  /** Each priority level's queue. */
  readonly queueUrls: JobQueueUrls;
  readonly deadLetterQueueUrl: string;
  /** The local event bus (local/services/event-bus-local.ts), where the platform runs one. */
  readonly eventBusEndpoint?: string;
  /** The local EventBridge Scheduler (local/services/scheduler-local.ts) and what its schedules reach. */
  readonly scheduler?: {
    readonly endpoint: string;
    readonly queueArns: Readonly<Record<'high' | 'normal' | 'low', string>>;
    readonly deadLetterQueueUrl: string;
    readonly deadLetterQueueArn: string;
    readonly roleArn: string;
    readonly firingFunctionArn: string;
  };
  /** The webhook deliveries' queues and the local Secrets Manager holding the signing secret. */
  readonly webhooks?: {
    readonly queueUrl: string;
    readonly deadLetterQueueUrl: string;
    readonly secretId: string;
    readonly secretsManagerEndpoint: string;
  };
}

/**
 * Variables the local runtime sets in place of what Lambda's runtime and AWS's endpoints give a
 * function; they are not part of a function's declaration.
 */
export const LOCAL_RUNTIME_VARIABLES = [
  'PATH',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_EVENTBRIDGE',
  'AWS_ENDPOINT_URL_SCHEDULER',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
] as const;

/** A function as the local runtime runs it, from its declaration (`lib/config/function-declarations.ts`). */
export interface LocalFunctionSpec {
  readonly name: string;
  readonly modulePath: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Declared only: a local process runs on this machine's architecture. */
  readonly architecture: FunctionDeclaration['architecture'];
  /** The declared variables, with local values. */
  readonly variables: Readonly<Record<string, string>>;
  /** The process environment: the declared variables plus `LOCAL_RUNTIME_VARIABLES`. */
  readonly env: NodeJS.ProcessEnv;
}

/** The local value of every variable a declaration may name (undefined: not available here). */
function localValues(
  environment: EnvironmentConfig,
  resources: LocalResources,
  declaration: FunctionDeclaration,
): Record<FunctionVariable, string | undefined> {
  return {
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: declaration.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(environment.name),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
    // There is no X-Ray locally.
    POWERTOOLS_TRACE_ENABLED: 'false',
    TABLE_NAME: resources.tableName,
    QUEUE_URL: resources.queueUrls.normal,
    HIGH_PRIORITY_QUEUE_URL: resources.queueUrls.high,
    LOW_PRIORITY_QUEUE_URL: resources.queueUrls.low,
    DEAD_LETTER_QUEUE_URL: resources.deadLetterQueueUrl,
    RETRY_MAX_ATTEMPTS: String(environment.retry.maxAttempts),
    RETRY_BASE_SECONDS: String(environment.retry.baseSeconds),
    RETRY_CAP_SECONDS: String(environment.retry.capSeconds),
    JOB_RETENTION_DAYS: String(environment.jobRetentionDays),
    ALLOW_DRILL_JOB_TYPES: String(environment.drillJobTypes),
    ALLOW_HTTP_CALLBACK_URLS: String(environment.webhooks.allowHttpCallbackUrls),
    WORKER_CONCURRENCY: String(environment.worker.concurrencyPerBatch),
    WORKER_TIMEOUT_SECONDS: String(environment.worker.timeoutSeconds),
    EMAIL_FROM: environment.emailFrom,
    EVENT_BUS_NAME: resourceNames(environment.name).eventBus,
    // Set by the long-job twin (local/long-jobs.ts) when it runs.
    STATE_MACHINE_ARN: undefined,
    SCHEDULE_GROUP_NAME: resourceNames(environment.name).scheduleGroup,
    SCHEDULER_ROLE_ARN: resources.scheduler?.roleArn,
    QUEUE_ARN: resources.scheduler?.queueArns.normal,
    HIGH_PRIORITY_QUEUE_ARN: resources.scheduler?.queueArns.high,
    LOW_PRIORITY_QUEUE_ARN: resources.scheduler?.queueArns.low,
    SCHEDULE_DEAD_LETTER_QUEUE_ARN: resources.scheduler?.deadLetterQueueArn,
    SCHEDULE_DEAD_LETTER_QUEUE_URL: resources.scheduler?.deadLetterQueueUrl,
    SCHEDULE_FIRING_FUNCTION_ARN: resources.scheduler?.firingFunctionArn,
    WEBHOOK_QUEUE_URL: resources.webhooks?.queueUrl,
    WEBHOOK_DEAD_LETTER_QUEUE_URL: resources.webhooks?.deadLetterQueueUrl,
    WEBHOOK_SECRET_ID: resources.webhooks?.secretId,
    WEBHOOK_RETRY_BASE_SECONDS: String(environment.webhooks.retry.baseSeconds),
    WEBHOOK_RETRY_CAP_SECONDS: String(environment.webhooks.retry.capSeconds),
    WEBHOOK_SECRET_CACHE_SECONDS: String(environment.webhooks.secretCacheSeconds),
  };
}

/** How the local runtime runs one declared function: its variables pointed at the local servers. */
export function localFunctionSpec(
  declaration: FunctionDeclaration,
  environment: EnvironmentConfig,
  resources: LocalResources,
  provided: Partial<Record<FunctionVariable, string>> = {},
): LocalFunctionSpec {
  const values = { ...localValues(environment, resources, declaration), ...provided };
  const variables = Object.fromEntries(
    declaration.environment.map((name) => {
      const value = values[name];
      if (value === undefined) throw new Error(`The local runtime has no value for ${name}, which ${declaration.functionName} declares`);
      return [name, value];
    }),
  );
  const runtime: Record<(typeof LOCAL_RUNTIME_VARIABLES)[number], string | undefined> = {
    PATH: process.env.PATH,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // Per-service endpoints the AWS SDK v3 reads, so the handlers run unchanged.
    AWS_ENDPOINT_URL_DYNAMODB: resources.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: resources.endpoints.sqs,
    AWS_ENDPOINT_URL_EVENTBRIDGE: resources.eventBusEndpoint,
    AWS_ENDPOINT_URL_SCHEDULER: resources.scheduler?.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: resources.webhooks?.secretsManagerEndpoint,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(declaration.memoryMb),
  };
  return {
    name: declaration.functionName,
    modulePath: declaration.entry,
    timeoutSeconds: declaration.timeoutSeconds,
    memoryMb: declaration.memoryMb,
    architecture: declaration.architecture,
    variables,
    env: { ...runtime, ...variables },
  };
}

/** Every function of `environment` as the local runtime runs it. */
export function localFunctionSpecs(
  environment: EnvironmentConfig,
  resources: LocalResources,
  provided: Partial<Record<FunctionVariable, string>> = {},
): Readonly<Record<PlatformFunctionId, LocalFunctionSpec>> {
  const declarations = functionDeclarations(environment);
  const spec = (id: PlatformFunctionId) => localFunctionSpec(declarations[id], environment, resources, provided);
  return {
    api: spec('api'),
    worker: spec('worker'),
    reconciler: spec('reconciler'),
    counts: spec('counts'),
    events: spec('events'),
    scheduleFiring: spec('scheduleFiring'),
    webhooks: spec('webhooks'),
    webhookSecretRotation: spec('webhookSecretRotation'),
    longJobSteps: spec('longJobSteps'),
    longJobExecutionEnded: spec('longJobExecutionEnded'),
  };
}
