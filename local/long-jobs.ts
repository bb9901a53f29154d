/**
 * The local twin of the long-job stack (SPEC §6): the state machine definition the CDK deploys,
 * interpreted in-process by aws-local-stepfunctions behind a tiny Step Functions endpoint (so
 * the API function calls StartExecution unchanged); its Lambda steps run in a local function
 * process, its ECS chunk tasks as child processes of the container's own entrypoint, against
 * local Redis and fauxqs's S3.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { Redis } from 'ioredis';
import { CHUNK_ENV, LONG_JOB_STATES, longJobStateMachineDefinition } from '../functions/jobs/domain/long-job-state-machine.ts';
import { fargateJobTypes } from '../functions/jobs/domain/registry.ts';
import type { LongJobSettings } from '../lib/config/environments.ts';
import type { LocalFunctionSpec } from './function-environment.ts';
import { FunctionProcess, InvocationError } from './function-process.ts';
import { LOCAL_REGION, localClientConfig } from './services/local-aws.ts';

/** The file the container's CMD runs (bundled); here it runs from source. */
export const CHUNK_TASK_ENTRY = fileURLToPath(new URL('../functions/long-jobs/chunk-task.ts', import.meta.url));

/** Preloaded into each chunk task so none outlives the platform (an ECS task has no such parent). */
const EXIT_WITH_PARENT = new URL('./exit-with-parent.ts', import.meta.url).href;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Chunk tasks one local job runs at once when the environment sets none. */
const LOCAL_MAX_CONCURRENCY = 4;
const LOCAL_CHUNK_RETRIES = 3;

/** One local chunk task, handed to `onChunkSpawn` (tests stop or kill it to play ECS stopping a task). */
export interface LocalChunkRun {
  readonly jobId: string;
  readonly chunkIndex: number;
  /** 1 for the first run of this chunk in this execution, +1 per Map retry. */
  readonly attempt: number;
  readonly child: ChildProcess;
}

export interface LocalLongJobsOptions {
  readonly names: { readonly longJobStateMachine: string; readonly outputBucket: string };
  readonly redisUrl: string;
  /** fauxqs serves S3 on the SQS endpoint. */
  readonly s3Endpoint: string;
  /** The steps function as declared (`localFunctionSpec`); chunk tasks start from its variables too. */
  readonly steps: LocalFunctionSpec;
  /** The twin of the EventBridge rule's target on FAILED, TIMED_OUT and ABORTED executions, as declared. */
  readonly executionEnded: LocalFunctionSpec;
  /** Extra variables for the steps function and chunk tasks (test settings). */
  readonly functionEnv: NodeJS.ProcessEnv;
  readonly settings: LongJobSettings | false;
  readonly onOutput: (line: string, functionName: string) => void;
  readonly onChunkSpawn?: (run: LocalChunkRun) => void;
}

export interface LocalLongJobs {
  readonly redisUrl: string;
  readonly outputBucket: string;
  readonly stateMachineArn: string;
  /** The local Step Functions endpoint (StartExecution, StopExecution), for tools and tests. */
  readonly stepFunctionsEndpoint: string;
  /** Variables that point the API function's launcher at the local Step Functions endpoint. */
  readonly apiEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** Whether Redis answers PING at `url` within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** An error whose name the state machine's Retry and Catch match, as Step Functions names a Lambda's error. */
function stepError(error: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  const named = error instanceof InvocationError && error.reason === 'error' ? /^([\w.]+): ([\s\S]*)$/.exec(text) : null;
  const failure = new Error(named?.[2] ?? text);
  failure.name = named?.[1] ?? (error instanceof InvocationError && error.reason === 'timeout' ? 'Lambda.Timeout' : 'Lambda.Unknown');
  return failure;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the long-job twin: the output bucket, the steps function process and the Step Functions endpoint. */
export async function startLocalLongJobs(options: LocalLongJobsOptions): Promise<LocalLongJobs> {
  const { names, settings } = options;
  const stateMachineArn = `arn:aws:states:${LOCAL_REGION}:000000000000:stateMachine:${names.longJobStateMachine}`;
  const s3 = new S3Client({ ...localClientConfig(options.s3Endpoint), forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: names.outputBucket }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes((error as Error).name)) throw error;
  } finally {
    s3.destroy();
  }

  const steps = FunctionProcess.fromSpec(options.steps, options.onOutput, options.functionEnv);
  // The twin of the EventBridge rule on FAILED, TIMED_OUT and ABORTED executions: the same handler,
  // invoked with the same event when an execution ends that way (started on first use).
  const executionEnded = FunctionProcess.fromSpec(options.executionEnded, options.onOutput, options.functionEnv);
  // The chunk task's container: the table and retention like the steps function, plus Redis and S3.
  const chunkEnv: NodeJS.ProcessEnv = {
    ...options.steps.env,
    ...options.functionEnv,
    POWERTOOLS_SERVICE_NAME: 'jobs-chunk-task',
    REDIS_URL: options.redisUrl,
    OUTPUT_BUCKET: names.outputBucket,
    AWS_ENDPOINT_URL_S3: options.s3Endpoint,
    S3_FORCE_PATH_STYLE: 'true',
  };
  const children = new Set<ChildProcess>();
  const childrenOfJob = new Map<string, Set<ChildProcess>>();
  const attempts = new Map<string, number>();

  const invokeStep = async (input: unknown) => {
    const { Payload } = input as { Payload: unknown };
    try {
      // The shape `arn:aws:states:::lambda:invoke` returns; the definition's ResultSelector reads `Payload`.
      return { Payload: (await steps.invoke(Payload)) as never, StatusCode: 200 };
    } catch (error) {
      throw stepError(error);
    }
  };

  /** Plays `ecs:runTask.sync`: runs the task's container command with its overrides, waits for it to stop. */
  const runChunkTask = (input: unknown) => {
    const request = input as { Overrides: { ContainerOverrides: { Environment: { Name: string; Value: string }[] }[] } };
    const environment = Object.fromEntries(
      request.Overrides.ContainerOverrides.flatMap((override) => override.Environment).map((variable) => [variable.Name, variable.Value]),
    );
    const jobId = environment[CHUNK_ENV.jobId] ?? '';
    const chunkIndex = Number(environment[CHUNK_ENV.chunkIndex]);
    const attemptKey = `${jobId}#${chunkIndex}`;
    const attempt = (attempts.get(attemptKey) ?? 0) + 1;
    attempts.set(attemptKey, attempt);
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', EXIT_WITH_PARENT, CHUNK_TASK_ENTRY], {
      env: { ...chunkEnv, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const ofJob = childrenOfJob.get(jobId) ?? new Set<ChildProcess>();
    childrenOfJob.set(jobId, ofJob.add(child));
    for (const stream of [child.stdout, child.stderr])
      createInterface({ input: stream }).on('line', (line) => options.onOutput(line, 'chunk-task'));
    options.onChunkSpawn?.({ jobId, chunkIndex, attempt, child });
    return new Promise<never>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        children.delete(child);
        childrenOfJob.get(jobId)?.delete(child);
        if (code === 0) {
          resolve({ LastStatus: 'STOPPED', StopCode: 'EssentialContainerExited', Containers: [{ ExitCode: 0 }] } as never);
          return;
        }
        // What Step Functions raises when the task's essential container exits non-zero.
        const failure = new Error(
          JSON.stringify({ StopCode: 'EssentialContainerExited', Containers: [{ ExitCode: code, Reason: signal }] }),
        );
        failure.name = 'States.TaskFailed';
        reject(failure);
      });
    });
  };

  const maxConcurrency = settings === false ? LOCAL_MAX_CONCURRENCY : settings.maxConcurrency;
  const definition = longJobStateMachineDefinition({
    stepsFunction: options.steps.name,
    chunkTask: {
      clusterArn: 'local',
      taskDefinitionArn: 'chunk-task',
      containerName: 'chunk',
      subnetIds: [],
      securityGroupIds: [],
      assignPublicIp: false,
    },
    maxConcurrency,
    chunkTimeoutSeconds: Math.max(...fargateJobTypes().map((type) => type.timeoutSeconds)),
    chunkRetries: settings === false ? LOCAL_CHUNK_RETRIES : settings.chunkRetries,
  });
  const stateMachine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const S = LONG_JOB_STATES;
  const overrides = {
    taskResourceLocalHandlers: {
      [S.markRunning]: invokeStep,
      [S.planChunks]: invokeStep,
      [S.confirmCompleted]: invokeStep,
      [S.markFailed]: invokeStep,
      [S.runChunk]: runChunkTask,
    },
  };

  type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  const executions = new Map<string, { input: string; status: ExecutionStatus; abort: () => void }>();

  /** Plays EventBridge delivering "Step Functions Execution Status Change" to the rule's target. */
  const executionEndedEvent = (name: string, status: ExecutionStatus, error?: string, cause?: string) => {
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const event = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '000000000000',
      time: new Date().toISOString(),
      region: LOCAL_REGION,
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn,
        name,
        status,
        input: executions.get(name)?.input ?? '{}',
        error: error ?? null,
        cause: cause ?? null,
      },
    };
    executionEnded.invoke(event).catch((failure: unknown) => {
      options.onOutput(`execution-ended target failed for ${name}: ${String(failure)}`, names.longJobStateMachine);
    });
  };

  /** Plays StopExecution: the execution ends ABORTED and ECS stops its running chunk tasks (SIGTERM). */
  const stopExecution = (request: { executionArn?: string; error?: string; cause?: string }) => {
    const name = request.executionArn?.split(':').at(-1) ?? '';
    const execution = request.executionArn?.startsWith(stateMachineArn.replace(':stateMachine:', ':execution:'))
      ? executions.get(name)
      : undefined;
    if (execution === undefined) {
      return { status: 400, body: { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${request.executionArn}'` } };
    }
    if (execution.status === 'RUNNING') {
      execution.status = 'ABORTED';
      execution.abort();
      for (const child of childrenOfJob.get(name) ?? []) child.kill('SIGTERM');
      executionEndedEvent(name, 'ABORTED', request.error, request.cause);
    }
    return { status: 200, body: { stopDate: Date.now() / 1000 } };
  };
  const startExecution = (request: { stateMachineArn?: string; name?: string; input?: string }) => {
    if (request.stateMachineArn !== stateMachineArn)
      return {
        status: 400,
        body: { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${request.stateMachineArn}'` },
      };
    const name = request.name ?? crypto.randomUUID();
    const input = request.input ?? '{}';
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = executions.get(name);
    // Standard workflows: the same name with the same input returns the running execution.
    if (existing !== undefined) {
      if (existing.input === input && existing.status === 'RUNNING')
        return { status: 200, body: { executionArn, startDate: Date.now() / 1000 } };
      return { status: 400, body: { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${executionArn}'` } };
    }
    const startTime = new Date().toISOString();
    const execution = stateMachine.run(JSON.parse(input), {
      overrides,
      noThrowOnAbort: true,
      context: { Execution: { Id: executionArn, Name: name, Input: JSON.parse(input), StartTime: startTime, RoleArn: 'local' } },
    });
    const entry = { input, status: 'RUNNING' as ExecutionStatus, abort: execution.abort };
    executions.set(name, entry);
    execution.result.then(
      () => {
        if (entry.status === 'RUNNING') entry.status = 'SUCCEEDED';
      },
      (error: unknown) => {
        if (entry.status !== 'RUNNING') return;
        entry.status = 'FAILED';
        const [errorName, cause] = error instanceof Error ? [error.name, error.message] : ['Error', String(error)];
        options.onOutput(`execution ${name} failed: ${errorName}: ${cause}`, names.longJobStateMachine);
        executionEndedEvent(name, 'FAILED', errorName, cause);
      },
    );
    return { status: 200, body: { executionArn, startDate: Date.now() / 1000 } };
  };

  // The Step Functions JSON 1.0 protocol: POST / with `X-Amz-Target: AWSStepFunctions.<Action>`.
  const server = createServer((request, response) => {
    readBody(request).then(
      (text) => {
        const action = String(request.headers['x-amz-target'] ?? '').split('.')[1];
        const body = JSON.parse(text || '{}') as Record<string, string>;
        const answer =
          action === 'StartExecution'
            ? startExecution(body)
            : action === 'StopExecution'
              ? stopExecution(body)
              : {
                  status: 400,
                  body: { __type: 'UnknownOperationException', message: `The local Step Functions endpoint does not serve ${action}` },
                };
        response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer.body));
      },
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    redisUrl: options.redisUrl,
    outputBucket: names.outputBucket,
    stateMachineArn,
    stepFunctionsEndpoint: endpoint,
    apiEnv: { STATE_MACHINE_ARN: stateMachineArn, AWS_ENDPOINT_URL_SFN: endpoint },
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const execution of executions.values()) if (execution.status === 'RUNNING') execution.abort();
      for (const child of children) child.kill('SIGKILL');
      await steps.stop();
      await executionEnded.stop();
    },
  };
}

/** What `startLocalPlatform` passes for the long-job part. */
export interface LongJobsRequest extends Omit<LocalLongJobsOptions, 'redisUrl'> {
  /** Where Redis is; REDIS_URL or redis://127.0.0.1:6379 when not given. */
  readonly redisUrl?: string;
  /** Receives the one line saying long jobs are off. */
  readonly onNotice: (line: string) => void;
}

/**
 * Starts the long-job twin when Redis answers; otherwise says so in one line and returns
 * undefined, and the platform runs without it (a `report` submission is then refused with 400).
 */
export async function startLocalLongJobsIfRedis(request: LongJobsRequest): Promise<LocalLongJobs | undefined> {
  const redisUrl = request.redisUrl ?? (process.env.REDIS_URL || DEFAULT_REDIS_URL);
  if (!(await redisAnswers(redisUrl))) {
    const types = fargateJobTypes()
      .map((type) => type.name)
      .join(', ');
    request.onNotice(`Redis not reachable at ${redisUrl}: long-running jobs (type ${types}) are disabled`);
    return undefined;
  }
  return startLocalLongJobs({ ...request, redisUrl });
}
