import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { jobQueueSettings, type JobQueueSettings } from '../functions/jobs/domain/job-queue-settings.ts';
import { ENVIRONMENTS, validateEnvironment, type EnvironmentConfig } from '../lib/config/environments.ts';
import { resourceNames } from '../lib/config/resource-names.ts';
import { startApiGateway, type ApiGatewayResult } from './api-gateway.ts';
import { EmfMetrics } from './emf-metrics.ts';
import { localFunctionEnvironment } from './function-environment.ts';
import { FunctionProcess } from './function-process.ts';
import { startLocalLongJobsIfRedis, type LocalChunkRun, type LocalLongJobs } from './long-jobs.ts';
import { createJobQueues, createJobTable } from './provision.ts';
import { startDynamoDbLocal, type RunningService } from './services/dynamodb-local.ts';
import { localClientConfig } from './services/local-aws.ts';
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
  /**
   * Long-running jobs (SPEC §6, `local/long-jobs.ts`): on when Redis answers PING at `redisUrl`
   * (default REDIS_URL, else redis://127.0.0.1:6379) within a second; `false` turns them off.
   */
  readonly longJobs?: false | { readonly redisUrl?: string; readonly onChunkSpawn?: (run: LocalChunkRun) => void };
  /** Receives one-line notices, such as long jobs being off; defaults to console.warn. */
  readonly onNotice?: (line: string) => void;
}

/** Where a running local platform can be reached; `npm start` writes it for the `jobs` CLI. */
export interface LocalPlatformDescriptor {
  readonly environment: string;
  readonly apiUrl: string;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** Where the `email` type writes locally. */
  readonly outboxDir: string;
}

/** Where a local environment keeps its files (outbox, descriptor) unless told otherwise. */
function defaultDataDir(environmentName: string): string {
  return join(root, '.local', environmentName);
}

/** The descriptor file of a local environment's running platform. */
export function localDescriptorPath(environmentName = 'local'): string {
  return join(defaultDataDir(environmentName), 'platform.json');
}

export interface LocalPlatform {
  readonly apiUrl: string;
  readonly environment: EnvironmentConfig;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly tableName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly outboxDir: string;
  /** The long-job twin (Redis, output bucket, state machine), or undefined when it is off. */
  readonly longJobs: Omit<LocalLongJobs, 'stop' | 'apiEnv'> | undefined;
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

    const dataDir = options.dataDir ?? defaultDataDir(environment.name);
    const outboxDir = join(dataDir, 'outbox');
    await mkdir(outboxDir, { recursive: true });
    const sharedEnv: NodeJS.ProcessEnv = {
      ...localFunctionEnvironment(environment, { endpoints, tableName: names.table, ...queues }),
      ...options.functionEnv,
    };
    // What the functions print: EMF documents feed `GET /metrics`; everything goes to the caller.
    const emfMetrics = new EmfMetrics();
    const onOutput = (line: string, functionName: string) => {
      emfMetrics.ingest(line);
      options.onFunctionOutput?.(line, functionName);
    };

    // Long-running jobs: a separate part of the platform, see local/long-jobs.ts.
    const longJobs =
      options.longJobs === false
        ? undefined
        : await startLocalLongJobsIfRedis({
            ...options.longJobs,
            names,
            s3Endpoint: endpoints.sqs,
            functionEnv: sharedEnv,
            settings: environment.longJobs,
            onOutput,
            onNotice: options.onNotice ?? ((line) => console.warn(line)),
          });
    if (longJobs !== undefined) cleanups.push(() => longJobs.stop());

    const api = new FunctionProcess({
      name: names.apiFunction,
      modulePath: join(root, 'functions/api/handler.ts'),
      env: { ...sharedEnv, ...longJobs?.apiEnv, POWERTOOLS_SERVICE_NAME: 'jobs-api' },
      timeoutSeconds: 10,
      onOutput,
    });
    const workerEnv: NodeJS.ProcessEnv = {
      ...sharedEnv,
      POWERTOOLS_SERVICE_NAME: 'jobs-worker',
      EMAIL_OUTBOX_DIR: outboxDir,
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

    const gateway = await startApiGateway(options.apiPort ?? 0, (event) => api.invoke<ApiGatewayResult>(event), {
      'GET /metrics': async () => ({ contentType: emfMetrics.registry.contentType, body: await emfMetrics.text() }),
    });
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
    const schedule = setInterval(
      () => {
        reconciling ??= reconciler
          .invoke({ source: 'local.schedule' })
          .catch((error: unknown) => options.onError?.(error))
          .finally(() => (reconciling = undefined));
      },
      (options.reconcileIntervalSeconds ?? 60) * 1000,
    );
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
      outboxDir,
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
      longJobs:
        longJobs === undefined
          ? undefined
          : {
              redisUrl: longJobs.redisUrl,
              outputBucket: longJobs.outputBucket,
              stateMachineArn: longJobs.stateMachineArn,
              stepFunctionsEndpoint: longJobs.stepFunctionsEndpoint,
            },
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
