import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { jobQueueSettings, type JobQueueSettings } from '../functions/jobs/job-queue-settings.ts';
import { metricsNamespace } from '../functions/observability/job-metrics.ts';
import { ENVIRONMENTS, validateEnvironment, type EnvironmentConfig } from '../lib/config/environments.ts';
import { resourceNames } from '../lib/config/resource-names.ts';
import { startApiGateway, type ApiGatewayResult } from './api-gateway.ts';
import { FunctionProcess } from './function-process.ts';
import { createJobQueues, createJobTable } from './provision.ts';
import { startDynamoDbLocal, type RunningService } from './services/dynamodb-local.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig } from './services/local-aws.ts';
import { startSqsLocal } from './services/sqs-local.ts';
import { SqsEventSource } from './sqs-event-source.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The local environment: dev's settings under the name `local`. */
export function localEnvironment(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  const dev = ENVIRONMENTS.dev;
  if (dev === undefined) throw new Error('The dev environment is missing from lib/config/environments.ts');
  return validateEnvironment({ ...dev, name: 'local', ...overrides });
}

export interface LocalPlatformOptions {
  /** Settings of the functions, queue and event source; defaults to `localEnvironment()`. */
  readonly environment?: EnvironmentConfig;
  /** Port of the HTTP API; 0 picks a free one. */
  readonly apiPort?: number;
  /** Reuse running servers instead of starting DynamoDB Local and fauxqs. */
  readonly endpoints?: { readonly dynamodb: string; readonly sqs: string };
  readonly dynamoDbPort?: number;
  readonly sqsPort?: number;
  /** Where the local outbox and other files go. */
  readonly dataDir?: string;
  /** Extra variables for both functions (for example a shorter ORPHAN_GRACE_SECONDS in tests). */
  readonly functionEnv?: Record<string, string>;
  /**
   * Seconds between reconciler runs (EventBridge runs it every minute in AWS).
   * @default 60
   */
  readonly reconcileIntervalSeconds?: number;
  /** Overrides of the derived queue settings, for drills that need SQS to dead-letter sooner. */
  readonly queueSettings?: Partial<JobQueueSettings>;
  /** Receives every line the functions print (Powertools JSON logs and EMF metrics). */
  readonly onFunctionOutput?: (line: string, functionName: string) => void;
  readonly onError?: (error: unknown) => void;
}

/** Where a running local platform can be reached; `npm start` writes it for the `jobs` CLI. */
export interface LocalPlatformDescriptor {
  readonly environment: string;
  readonly apiUrl: string;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

/** The descriptor file of a local environment's running platform. */
export function localDescriptorPath(environmentName = 'local'): string {
  return join(root, '.local', environmentName, 'platform.json');
}

export interface LocalPlatform {
  readonly apiUrl: string;
  readonly environment: EnvironmentConfig;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly outboxDir: string;
  /** Stops the worker event source (as if the mapping were disabled); `resumeWorkers` starts it again. */
  pauseWorkers(): Promise<void>;
  resumeWorkers(): void;
  stop(): Promise<void>;
}

/**
 * Starts the platform on this machine: DynamoDB Local and fauxqs (unless given), the table
 * and queues from the stacks' own definitions, the API function behind a local HTTP API, and
 * the worker function behind a local SQS event source mapping.
 */
export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const environment = options.environment ?? localEnvironment();
  const names = resourceNames(environment.name);
  const started: RunningService[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
  };
  try {
    let endpoints = options.endpoints;
    if (endpoints === undefined) {
      const [dynamodb, sqs] = await Promise.all([startDynamoDbLocal(options.dynamoDbPort ?? 0), startSqsLocal(options.sqsPort ?? 0)]);
      started.push(dynamodb, sqs);
      endpoints = { dynamodb: dynamodb.endpoint, sqs: sqs.endpoint };
    }
    const dynamodbClient = new DynamoDBClient(localClientConfig(endpoints.dynamodb));
    const sqsClient = new SQSClient(localClientConfig(endpoints.sqs));
    cleanups.push(async () => {
      dynamodbClient.destroy();
      sqsClient.destroy();
    });
    const settings = { ...jobQueueSettings(environment.worker), ...options.queueSettings };
    await createJobTable(dynamodbClient, names.table);
    const queues = await createJobQueues(sqsClient, names, settings);

    const dataDir = options.dataDir ?? join(root, '.local', environment.name);
    const outboxDir = join(dataDir, 'outbox');
    await mkdir(outboxDir, { recursive: true });
    const sharedEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      // Per-service endpoints the AWS SDK v3 reads, so the handlers run unchanged.
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: endpoints.sqs,
      TABLE_NAME: names.table,
      QUEUE_URL: queues.queueUrl,
      DEAD_LETTER_QUEUE_URL: queues.deadLetterQueueUrl,
      RETRY_MAX_ATTEMPTS: String(environment.retry.maxAttempts),
      RETRY_BASE_SECONDS: String(environment.retry.baseSeconds),
      RETRY_CAP_SECONDS: String(environment.retry.capSeconds),
      JOB_RETENTION_DAYS: String(environment.jobRetentionDays),
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(environment.name),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO',
      ...options.functionEnv,
    };
    const onOutput = options.onFunctionOutput ?? (() => undefined);

    const api = new FunctionProcess({
      name: names.apiFunction,
      modulePath: join(root, 'functions/api/handler.ts'),
      env: { ...sharedEnv, POWERTOOLS_SERVICE_NAME: 'jobs-api' },
      timeoutSeconds: 10,
      onOutput,
    });
    const workerEnv: NodeJS.ProcessEnv = {
      ...sharedEnv,
      POWERTOOLS_SERVICE_NAME: 'jobs-worker',
      WORKER_CONCURRENCY: String(environment.worker.concurrencyPerBatch),
      WORKER_TIMEOUT_SECONDS: String(environment.worker.timeoutSeconds),
      EMAIL_OUTBOX_DIR: outboxDir,
      ...options.functionEnv,
    };
    // One execution environment per concurrent batch, as Lambda gives the mapping.
    const workers = Array.from(
      { length: environment.worker.maxConcurrency },
      () =>
        new FunctionProcess({
          name: names.workerFunction,
          modulePath: join(root, 'functions/worker/handler.ts'),
          env: workerEnv,
          timeoutSeconds: environment.worker.timeoutSeconds,
          onOutput,
        }),
    );
    const reconciler = new FunctionProcess({
      name: names.reconcilerFunction,
      modulePath: join(root, 'functions/reconciler/handler.ts'),
      env: { ...sharedEnv, POWERTOOLS_SERVICE_NAME: 'jobs-reconciler' },
      timeoutSeconds: 50,
      onOutput,
    });
    cleanups.push(async () => {
      await Promise.all([api.stop(), reconciler.stop(), ...workers.map((worker) => worker.stop())]);
    });
    await Promise.all([api.warm(), workers[0]?.warm()]);

    const gateway = await startApiGateway(options.apiPort ?? 0, (event) => api.invoke<ApiGatewayResult>(event));
    cleanups.push(() => gateway.close());

    const makeEventSource = () =>
      new SqsEventSource({
        sqs: sqsClient,
        queueUrl: queues.queueUrl,
        queueArn: queues.queueArn,
        batchSize: environment.worker.batchSize,
        batchingWindowSeconds: environment.worker.batchingWindowSeconds,
        maxConcurrency: environment.worker.maxConcurrency,
        invoke: (slot, event) => (workers[slot] as FunctionProcess).invoke<SQSBatchResponse>(event),
        ...(options.onError === undefined ? {} : { onError: options.onError }),
      });
    let eventSource: SqsEventSource | undefined = makeEventSource();
    eventSource.start();
    cleanups.push(async () => eventSource?.stop());

    // The schedule that EventBridge keeps in AWS: one reconciler run at a time.
    let reconciling: Promise<unknown> | undefined;
    const schedule = setInterval(() => {
      reconciling ??= reconciler
        .invoke({ source: 'local.schedule' })
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => (reconciling = undefined));
    }, (options.reconcileIntervalSeconds ?? 60) * 1000);
    cleanups.push(async () => {
      clearInterval(schedule);
      await reconciling;
    });

    const descriptor: LocalPlatformDescriptor = {
      environment: environment.name,
      apiUrl: gateway.url,
      endpoints,
      tableName: names.table,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
    };
    await writeFile(join(dataDir, 'platform.json'), `${JSON.stringify(descriptor, null, 2)}\n`);

    return {
      apiUrl: gateway.url,
      environment,
      endpoints,
      tableName: names.table,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      outboxDir,
      pauseWorkers: async () => {
        await eventSource?.stop();
        eventSource = undefined;
      },
      resumeWorkers: () => {
        if (eventSource !== undefined) return;
        eventSource = makeEventSource();
        eventSource.start();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
