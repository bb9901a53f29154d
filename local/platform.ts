import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import type { JobQueueUrls } from '../functions/jobs/adapters/job-queue.ts';
import { jobQueueSettings, type JobQueueSettings } from '../functions/jobs/domain/job-queue-settings.ts';
import { WEBHOOK_EVENT_PATTERN } from '../functions/jobs/adapters/job-lifecycle-events.ts';
import { webhookQueueSettings } from '../functions/jobs/domain/webhook-delivery.ts';
import { newSigningKey } from '../functions/jobs/domain/webhook-signature.ts';
import { JOB_PRIORITIES, priorityConcurrency } from '../functions/jobs/domain/priority.ts';
import { concurrencyLimitedJobTypes } from '../functions/jobs/domain/registry.ts';
import { ENVIRONMENTS, validateEnvironment, type EnvironmentConfig } from '../lib/config/environments.ts';
import { functionDeclarations } from '../lib/config/function-declarations.ts';
import { resourceNames } from '../lib/config/resource-names.ts';
import { openApiDocument } from '../functions/api/openapi.ts';
import { CALLER_HEADER, startApiGateway, type ApiGatewayResult } from './api-gateway.ts';
import { EmfMetrics } from './emf-metrics.ts';
import { localFunctionSpec, localFunctionSpecs, type LocalResources } from './function-environment.ts';
import { FunctionProcess } from './function-process.ts';
import { startLocalLongJobsIfRedis, type LocalChunkRun, type LocalLongJobs } from './long-jobs.ts';
import { createJobQueues, createJobTable, createScheduleDeadLetterQueue, createWebhookQueues } from './provision.ts';
import { startLocalScheduler } from './services/scheduler-local.ts';
import { startDynamoDbLocal, type RunningService } from './services/dynamodb-local.ts';
import { startLocalEventBus } from './services/event-bus-local.ts';
import { startLocalSecretsManager } from './services/secrets-manager-local.ts';
import { LOCAL_REGION, localClientConfig } from './services/local-aws.ts';
import { startSqsLocal } from './services/sqs-local.ts';
import { DynamoDbStreamSource } from './dynamodb-stream-source.ts';
import { SqsEventSource } from './sqs-event-source.ts';
import { WorkerPool } from './worker-pool.ts';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Webhook deliverer environments locally (each runs a batch's ten deliveries at once). */
const LOCAL_WEBHOOK_ENVIRONMENTS = 2;

/** The caller of the warm-up requests; it owns no jobs. */
const WARM_UP_CALLER = 'local-platform-warm-up';

/** The local environment: dev's settings under the name `local`, with plain-http webhook receivers allowed. */
export function localEnvironment(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  const dev = ENVIRONMENTS.dev;
  if (dev === undefined) throw new Error('The dev environment is missing from lib/config/environments.ts');
  // Receivers of a laptop's webhooks run on localhost: plain http is allowed here only.
  return validateEnvironment({ ...dev, name: 'local', webhooks: { ...dev.webhooks, allowHttpCallbackUrls: true }, ...overrides });
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
  /**
   * Where the platform keeps its files: the e-mail outbox, the descriptor and, with `persist`, the
   * tables and queues.
   * @default .local/<environment name>/
   */
  readonly dataDir?: string;
  /**
   * Keep DynamoDB Local's tables and the queues' messages (and S3 objects) in `dataDir`, so they
   * survive a restart; messages in flight at the stop become visible again at the next start, as
   * after a crash. Applies to the servers this platform starts, not to given `endpoints`.
   * `npm start` turns it on; `npm start -- --reset` clears it first.
   * @default false (gone when the platform stops)
   */
  readonly persist?: boolean;
  /** Extra variables for every function (for example POWERTOOLS_LOG_LEVEL in tests). */
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
  /**
   * Load every worker environment's handler right after the start, in the background; otherwise
   * each loads on its first batch, as Lambda's do. `npm start` turns it on, so the first seconds
   * of a developer's load are not the slow ones; tests starting many platforms leave it off.
   * @default false
   */
  readonly warmAllWorkers?: boolean;
  /**
   * How much faster than real time the local EventBridge Scheduler runs each schedule's clock
   * (tests: a job due in 20 minutes fires after 20 / scale minutes). Local only.
   * @default 1
   */
  readonly schedulerClockScale?: number;
  /** Receives one-line notices, such as long jobs being off; defaults to console.warn. */
  readonly onNotice?: (line: string) => void;
}

/** Where a running local platform can be reached; `npm start` writes it for the `jobs` CLI. */
export interface LocalPlatformDescriptor {
  readonly environment: string;
  readonly apiUrl: string;
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string };
  readonly tableName: string;
  /** The normal level's queue. */
  readonly queueUrl: string;
  /** Each priority level's queue. */
  readonly queueUrls: JobQueueUrls;
  readonly deadLetterQueueUrl: string;
  /** Where the `email` type writes locally. */
  readonly outboxDir: string;
  /** Webhook deliveries given up after 24 h. */
  readonly webhookDeadLetterQueueUrl: string;
  /** The bus, scheduler and webhook parts `npm run invoke` points a function at (LocalResources). */
  readonly eventBusEndpoint: string;
  readonly scheduler: NonNullable<LocalResources['scheduler']>;
  readonly webhooks: NonNullable<LocalResources['webhooks']>;
  /** The file holding the webhook signing secret's versions (its AWSCURRENT value is `{current, previous?}`). */
  readonly webhookSecretFile: string;
}

/** Where a local environment keeps its files (outbox, descriptor, state) unless told otherwise. */
export function defaultDataDir(environmentName: string): string {
  return join(root, '.local', environmentName);
}

/** The directories of a data dir that hold the platform's state. */
function stateDirs(dataDir: string) {
  return {
    dynamodb: join(dataDir, 'dynamodb'),
    sqs: join(dataDir, 'sqs'),
    outbox: join(dataDir, 'outbox'),
    // Where the local stream event source keeps its place in the table's stream.
    streams: join(dataDir, 'streams'),
  };
}

/** Deletes the tables, queues, S3 objects and outbox kept in `dataDir` (`npm start -- --reset`). */
export async function resetLocalState(dataDir: string): Promise<void> {
  await Promise.all(Object.values(stateDirs(dataDir)).map((dir) => rm(dir, { recursive: true, force: true })));
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
  /** The normal level's queue. */
  readonly queueUrl: string;
  /** Each priority level's queue. */
  readonly queueUrls: JobQueueUrls;
  readonly deadLetterQueueUrl: string;
  /** The DLQ's ARN: the `SourceArn` of a DLQ redrive (`aws sqs start-message-move-task`). */
  readonly deadLetterQueueArn: string;
  /** The local EventBridge Scheduler's endpoint (`AWS_ENDPOINT_URL_SCHEDULER`). */
  readonly schedulerEndpoint: string;
  /** Where the local scheduler dead-letters firings it could not deliver. */
  readonly scheduleDeadLetterQueueUrl: string;
  readonly outboxDir: string;
  /** The webhook deliveries' queue and DLQ. */
  readonly webhookQueueUrl: string;
  readonly webhookDeadLetterQueueUrl: string;
  /** The webhook signing secret's current value, `{"current": "...", "previous"?: "..."}`, as receivers verify with it. */
  webhookSigningSecret(): string;
  /**
   * Rotates the signing secret as Secrets Manager does: a new version staged AWSPENDING, then
   * the rotation function's four steps. The new key signs first; the old one stays valid.
   */
  rotateWebhookSecret(): Promise<void>;
  /** The long-job twin (Redis, output bucket, state machine), or undefined when it is off. */
  readonly longJobs: Omit<LocalLongJobs, 'stop' | 'apiEnv'> | undefined;
  /** With `warmAllWorkers`: settles once every worker environment has loaded its handler. */
  readonly warming: Promise<void> | undefined;
  /**
   * Worker execution environments `warmAllWorkers` loads: as many as the normal level runs
   * batches at once. The pool holds more (every mapping's cap); those start on first use.
   */
  readonly workerEnvironments: number;
  /** What the platform wrote to `platform.json` for the CLI and the console. */
  readonly descriptor: LocalPlatformDescriptor;
  /** Serves every request under `prefix` (e.g. `/console`) of the local API with `listener`. */
  mount(prefix: string, listener: RequestListener): void;
  /** Stops the worker event sources (as if the mappings were disabled); `resumeWorkers` starts them again. */
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
  const dataDir = options.dataDir ?? defaultDataDir(environment.name);
  const dirs = stateDirs(dataDir);
  const onNotice = options.onNotice ?? ((line: string) => console.warn(line));
  const started: RunningService[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  // Once the platform is stopping, its functions end mid-invocation on purpose (their messages
  // come back like a crashed attempt's): what the event sources report then is no error.
  let stopping = false;
  const report = options.onError;
  const errorReporting: { onError?: (error: unknown) => void } =
    report === undefined
      ? {}
      : {
          onError: (error: unknown) => {
            if (!stopping) report(error);
          },
        };
  const stopAll = async () => {
    stopping = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
  };
  try {
    let endpoints = options.endpoints;
    if (endpoints === undefined) {
      const [dynamodb, sqs] = await Promise.all([
        startDynamoDbLocal(options.dynamoDbPort ?? 0, { ...(options.persist ? { dbPath: dirs.dynamodb } : {}), onNotice }),
        startSqsLocal(options.sqsPort ?? 0, options.persist ? { dataDir: dirs.sqs } : {}),
      ]);
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

    const outboxDir = dirs.outbox;
    await mkdir(outboxDir, { recursive: true });
    // Signed webhooks (SPEC §11): the bus's webhook rule sends to the deliveries' queue, whose
    // deliverer signs with the secret the local Secrets Manager keeps (a file of the data dir,
    // kept across restarts and resets, so a receiver's copy stays valid).
    const webhookQueues = await createWebhookQueues(
      sqsClient,
      names,
      webhookQueueSettings(functionDeclarations(environment).webhooks.timeoutSeconds),
    );
    const secretsManager = await startLocalSecretsManager({
      file: join(dataDir, 'webhook-signing-secret.json'),
      name: names.webhookSecret,
      region: LOCAL_REGION,
      account: '000000000000',
      initialValue: () => JSON.stringify({ current: newSigningKey() }),
    });
    started.push(secretsManager);
    // The environment's EventBridge bus: lifecycle events land here (GET /events, events.ndjson).
    const eventBus = await startLocalEventBus({
      file: join(dataDir, 'events.ndjson'),
      region: LOCAL_REGION,
      account: '000000000000',
      rules: [
        {
          pattern: WEBHOOK_EVENT_PATTERN,
          target: async (event) => {
            await sqsClient.send(new SendMessageCommand({ QueueUrl: webhookQueues.queueUrl, MessageBody: JSON.stringify(event) }));
          },
        },
      ],
      ...errorReporting,
    });
    started.push(eventBus);
    // The environment's EventBridge Scheduler: one-time schedules send to the job queue, recurring
    // ones invoke the firing function, failed firings land in the schedules' DLQ.
    const scheduleDeadLetters = await createScheduleDeadLetterQueue(sqsClient, names.scheduleDeadLetterQueue, settings);
    const firingFunctionArn = `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${names.scheduleFiringFunction}`;
    const queueUrls = new Map([
      ...JOB_PRIORITIES.map((priority) => [queues.queueArns[priority], queues.queueUrls[priority]] as [string, string]),
      [queues.deadLetterQueueArn, queues.deadLetterQueueUrl],
      [scheduleDeadLetters.arn, scheduleDeadLetters.url],
    ]);
    // The firing function's process starts with the other functions, after the scheduler.
    const firingTarget: { invoke?: (payload: unknown) => Promise<unknown> } = {};
    const scheduler = await startLocalScheduler({
      region: LOCAL_REGION,
      account: '000000000000',
      sqs: sqsClient,
      queueUrlOf: (arn) => queueUrls.get(arn),
      invokeFunction: async (arn, payload) => {
        if (arn !== firingFunctionArn || firingTarget.invoke === undefined) throw new Error(`No function ${arn} on the local platform`);
        return firingTarget.invoke(payload);
      },
      ...(options.persist ? { file: join(dataDir, 'schedules.json') } : {}),
      ...(options.schedulerClockScale === undefined ? {} : { clockScale: options.schedulerClockScale }),
      ...errorReporting,
    });
    cleanups.push(() => scheduler.stop());
    const resources = {
      endpoints,
      tableName: names.table,
      ...queues,
      eventBusEndpoint: eventBus.endpoint,
      scheduler: {
        endpoint: scheduler.endpoint,
        queueArns: queues.queueArns,
        deadLetterQueueUrl: scheduleDeadLetters.url,
        deadLetterQueueArn: scheduleDeadLetters.arn,
        roleArn: `arn:aws:iam::000000000000:role/${names.schedulerRole}`,
        firingFunctionArn,
      },
      webhooks: {
        queueUrl: webhookQueues.queueUrl,
        deadLetterQueueUrl: webhookQueues.deadLetterQueueUrl,
        secretId: names.webhookSecret,
        secretsManagerEndpoint: secretsManager.endpoint,
      },
    };
    const declarations = functionDeclarations(environment);
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
            steps: localFunctionSpec(declarations.longJobSteps, environment, resources),
            executionEnded: localFunctionSpec(declarations.longJobExecutionEnded, environment, resources),
            functionEnv: options.functionEnv ?? {},
            settings: environment.longJobs,
            onOutput,
            onNotice,
          });
    if (longJobs !== undefined) cleanups.push(() => longJobs.stop());

    // The functions as declared for AWS too (lib/config/function-declarations.ts); without the
    // long-job twin the API has no state machine and refuses long jobs, as where the stack is off.
    const specs = localFunctionSpecs(environment, resources, { STATE_MACHINE_ARN: longJobs?.stateMachineArn ?? '' });
    const extraEnv = options.functionEnv ?? {};
    const api = FunctionProcess.fromSpec(specs.api, onOutput, { ...extraEnv, ...longJobs?.apiEnv });
    // The worker's execution environments: as many as its mappings may run batches at once
    // (each level's concurrency, and each concurrency-limited type's), shared by all of them as
    // Lambda shares a function's environments; each starts on its first batch.
    const concurrency = priorityConcurrency(environment.worker.maxConcurrency);
    const limitedTypes = concurrencyLimitedJobTypes().map(({ name, limits }) => ({
      queue: queues.typeQueues[name] as { url: string; arn: string },
      maxConcurrency: limits.maxConcurrency,
    }));
    const environments =
      JOB_PRIORITIES.reduce((sum, priority) => sum + concurrency[priority], 0) +
      limitedTypes.reduce((sum, limited) => sum + limited.maxConcurrency, 0);
    const workers = Array.from({ length: environments }, () =>
      FunctionProcess.fromSpec(specs.worker, onOutput, { ...extraEnv, EMAIL_OUTBOX_DIR: outboxDir }),
    );
    const workerPool = new WorkerPool(workers);
    const reconciler = FunctionProcess.fromSpec(specs.reconciler, onOutput, extraEnv);
    const firing = FunctionProcess.fromSpec(specs.scheduleFiring, onOutput, extraEnv);
    firingTarget.invoke = (payload) => firing.invoke(payload);
    // The webhook deliverer behind its own mapping. Two execution environments here (AWS runs up
    // to `webhooks.maxConcurrency`): each batch's ten deliveries run at once in one of them.
    const deliverers = Array.from({ length: LOCAL_WEBHOOK_ENVIRONMENTS }, () =>
      FunctionProcess.fromSpec(specs.webhooks, onOutput, extraEnv),
    );
    const delivererPool = new WorkerPool(deliverers);
    const rotation = FunctionProcess.fromSpec(specs.webhookSecretRotation, onOutput, extraEnv);
    const rotateWebhookSecret = async () => {
      const token = secretsManager.beginRotation();
      for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
        await rotation.invoke({ Step: step, SecretId: names.webhookSecret, ClientRequestToken: token });
      }
    };
    const stopFunctions = async () => {
      await Promise.all([
        api.stop(),
        reconciler.stop(),
        firing.stop(),
        rotation.stop(),
        ...workers.map((worker) => worker.stop()),
        ...deliverers.map((deliverer) => deliverer.stop()),
      ]);
    };
    cleanups.push(stopFunctions);
    // Warm-up, so the first requests after "ready" are not the slow ones: the API and one worker
    // environment load (and compile) their handlers now, as provisioned concurrency would; the
    // other worker environments (about a CPU-second each) load after, see `warmAllWorkers`.
    await Promise.all([api.warm(), workers[0]?.warm()]);

    const gateway = await startApiGateway(options.apiPort ?? 0, (event) => api.invoke<ApiGatewayResult>(event), {
      'GET /metrics': async () => ({ contentType: emfMetrics.registry.contentType, body: await emfMetrics.text() }),
      // The contract of this environment's API: drill types are in it where the environment allows them.
      'GET /openapi.json': async () => ({
        contentType: 'application/json',
        body: JSON.stringify(openApiDocument({ drillJobTypes: environment.drillJobTypes })),
      }),
      // The local bus: every lifecycle event so far, oldest first, as EventBridge delivers them to a target.
      'GET /events': async () => ({ contentType: 'application/json', body: JSON.stringify(eventBus.events) }),
      // The webhook signing secret, `{current, previous?}`, for a local receiver to verify with; a
      // POST rotates it as Secrets Manager would. Local only: in AWS the secret is in Secrets Manager.
      'GET /webhook-secret': async () => ({ contentType: 'application/json', body: secretsManager.currentValue() }),
      'POST /webhook-secret/rotate': async () => {
        await rotateWebhookSecret();
        return { contentType: 'application/json', body: secretsManager.currentValue() };
      },
    });
    cleanups.push(() => gateway.close());
    // ...and the API's first SDK calls (clients, connections, DynamoDB Local's query path) go
    // through the real route, caller-scoped so they touch no one's jobs.
    for (const path of ['/health', '/stats']) {
      await fetch(`${gateway.url}${path}`, { headers: { [CALLER_HEADER]: WARM_UP_CALLER } }).then((response) => response.text());
    }

    // The table's stream feeds the per-caller counts of `GET /stats` and the lifecycle events, as
    // their two mappings do in AWS; here one reader hands each batch to both functions.
    const counts = FunctionProcess.fromSpec(specs.counts, onOutput, extraEnv);
    // It also releases waiting jobs, a long one by starting its execution, as the API does.
    const lifecycleEvents = FunctionProcess.fromSpec(specs.events, onOutput, { ...extraEnv, ...longJobs?.apiEnv });
    await mkdir(dirs.streams, { recursive: true });
    const streams = new DynamoDBStreamsClient(localClientConfig(endpoints.dynamodb));
    const { Table } = await dynamodbClient.send(new DescribeTableCommand({ TableName: names.table }));
    if (Table?.LatestStreamArn === undefined) throw new Error(`Table ${names.table} has no stream`);
    const streamSource = new DynamoDbStreamSource({
      streams,
      streamArn: Table.LatestStreamArn,
      batchSize: 1_000,
      invoke: (records) => Promise.all([counts.invoke({ Records: records }), lifecycleEvents.invoke({ Records: records })]),
      checkpointFile: join(dirs.streams, 'checkpoints.json'),
      ...errorReporting,
    });
    await streamSource.start();
    cleanups.push(async () => {
      await streamSource.stop();
      await Promise.all([counts.stop(), lifecycleEvents.stop()]);
      streams.destroy();
    });

    // One mapping per priority level, each with its level's concurrency (lib/constructs/job-worker.ts).
    const onError = errorReporting;
    const makeEventSources = () => [
      ...JOB_PRIORITIES.map(
        (priority) =>
          new SqsEventSource({
            sqs: sqsClient,
            queueUrl: queues.queueUrls[priority],
            queueArn: queues.queueArns[priority],
            batchSize: environment.worker.batchSize,
            batchingWindowSeconds: environment.worker.batchingWindowSeconds,
            maxConcurrency: concurrency[priority],
            invoke: (_slot, event) => workerPool.invoke<SQSBatchResponse>(event),
            ...onError,
          }),
      ),
      ...limitedTypes.map(
        (limited) =>
          new SqsEventSource({
            sqs: sqsClient,
            queueUrl: limited.queue.url,
            queueArn: limited.queue.arn,
            batchSize: 1,
            batchingWindowSeconds: 0,
            maxConcurrency: limited.maxConcurrency,
            invoke: (_slot, event) => workerPool.invoke<SQSBatchResponse>(event),
            ...onError,
          }),
      ),
    ];
    let eventSources: SqsEventSource[] | undefined = makeEventSources();
    for (const source of eventSources) source.start();
    const stopEventSources = async () => {
      await Promise.all((eventSources ?? []).map((source) => source.stop()));
      eventSources = undefined;
    };
    cleanups.push(stopEventSources);

    const webhookSource = new SqsEventSource({
      sqs: sqsClient,
      queueUrl: webhookQueues.queueUrl,
      queueArn: webhookQueues.queueArn,
      batchSize: 10,
      batchingWindowSeconds: 0,
      maxConcurrency: LOCAL_WEBHOOK_ENVIRONMENTS,
      invoke: (_slot, event) => delivererPool.invoke<SQSBatchResponse>(event),
      ...onError,
    });
    webhookSource.start();
    cleanups.push(() => webhookSource.stop());

    // The schedule that EventBridge keeps in AWS: one reconciler run at a time.
    let reconciling: Promise<unknown> | undefined;
    const schedule = setInterval(
      () => {
        reconciling ??= reconciler
          .invoke({ source: 'local.schedule' })
          .catch((error: unknown) => errorReporting.onError?.(error))
          .finally(() => (reconciling = undefined));
      },
      (options.reconcileIntervalSeconds ?? 60) * 1000,
    );
    cleanups.push(async () => {
      clearInterval(schedule);
      await reconciling;
    });
    // Runs first on stop: the execution environments end at once, as when AWS loses them, so a
    // stop never waits for a batch; its messages come back like a crashed attempt's.
    cleanups.push(() => stopFunctions());
    // ...after the scheduler, so no firing meets a function that is going away.
    cleanups.push(() => scheduler.stop());

    const descriptor: LocalPlatformDescriptor = {
      environment: environment.name,
      apiUrl: gateway.url,
      endpoints,
      tableName: names.table,
      queueUrl: queues.queueUrl,
      queueUrls: queues.queueUrls,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      outboxDir,
      webhookDeadLetterQueueUrl: webhookQueues.deadLetterQueueUrl,
      webhookSecretFile: join(dataDir, 'webhook-signing-secret.json'),
      eventBusEndpoint: resources.eventBusEndpoint,
      scheduler: resources.scheduler,
      webhooks: resources.webhooks,
    };
    await writeFile(join(dataDir, 'platform.json'), `${JSON.stringify(descriptor, null, 2)}\n`);

    const warming = options.warmAllWorkers
      ? Promise.all(workers.slice(1, concurrency.normal).map((worker) => worker.warm().catch(() => undefined))).then(() => undefined)
      : undefined;
    return {
      apiUrl: gateway.url,
      warming,
      workerEnvironments: concurrency.normal,
      descriptor,
      mount: (prefix, listener) => gateway.mount(prefix, listener),
      environment,
      endpoints,
      tableName: names.table,
      queueUrl: queues.queueUrl,
      queueUrls: queues.queueUrls,
      deadLetterQueueUrl: queues.deadLetterQueueUrl,
      deadLetterQueueArn: queues.deadLetterQueueArn,
      schedulerEndpoint: scheduler.endpoint,
      scheduleDeadLetterQueueUrl: scheduleDeadLetters.url,
      outboxDir,
      webhookQueueUrl: webhookQueues.queueUrl,
      webhookDeadLetterQueueUrl: webhookQueues.deadLetterQueueUrl,
      webhookSigningSecret: () => secretsManager.currentValue(),
      rotateWebhookSecret,
      longJobs:
        longJobs === undefined
          ? undefined
          : {
              redisUrl: longJobs.redisUrl,
              outputBucket: longJobs.outputBucket,
              stateMachineArn: longJobs.stateMachineArn,
              stepFunctionsEndpoint: longJobs.stepFunctionsEndpoint,
            },
      pauseWorkers: stopEventSources,
      resumeWorkers: () => {
        if (eventSources !== undefined) return;
        eventSources = makeEventSources();
        for (const source of eventSources) source.start();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
