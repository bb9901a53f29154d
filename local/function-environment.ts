import { metricsNamespace } from '../functions/observability/job-metrics.ts';
import type { EnvironmentConfig } from '../lib/config/environments.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './services/local-aws.ts';

export interface LocalResources {
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/**
 * The variables every local function gets: what the CDK constructs set in AWS (see
 * `lib/constructs/job-function-environment.ts`), pointed at the local servers.
 */
export function localFunctionEnvironment(environment: EnvironmentConfig, resources: LocalResources): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_OPTIONS: '--enable-source-maps',
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    // Per-service endpoints the AWS SDK v3 reads, so the handlers run unchanged.
    AWS_ENDPOINT_URL_DYNAMODB: resources.endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: resources.endpoints.sqs,
    TABLE_NAME: resources.tableName,
    QUEUE_URL: resources.queueUrl,
    DEAD_LETTER_QUEUE_URL: resources.deadLetterQueueUrl,
    RETRY_MAX_ATTEMPTS: String(environment.retry.maxAttempts),
    RETRY_BASE_SECONDS: String(environment.retry.baseSeconds),
    RETRY_CAP_SECONDS: String(environment.retry.capSeconds),
    JOB_RETENTION_DAYS: String(environment.jobRetentionDays),
    ALLOW_DRILL_JOB_TYPES: String(environment.drillJobTypes),
    WORKER_CONCURRENCY: String(environment.worker.concurrencyPerBatch),
    WORKER_TIMEOUT_SECONDS: String(environment.worker.timeoutSeconds),
    POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(environment.name),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
    POWERTOOLS_TRACE_ENABLED: 'false',
  };
}
