/**
 * The long-job state machine (SPEC §6) as Amazon States Language, built once: the CDK stack
 * deploys it and the local runtime interprets the same JSON. Tasks are addressed by the state
 * names below, which the local runtime maps to local handlers.
 *
 *   Delay → MarkRunning → ShouldRun? → PlanChunks → RunChunks (Map of RunChunk, ECS .sync) → ConfirmCompleted
 *   any error → MarkFailed → JobFailed
 *   MarkFailed itself failing → MarkFailedFailed (the execution ends FAILED; the rule on the
 *   state machine's FAILED, TIMED_OUT and ABORTED executions then fails the job)
 */

/** State names, shared with the local runtime's task overrides. */
export const LONG_JOB_STATES = {
  delay: 'Delay',
  markRunning: 'MarkRunning',
  shouldRun: 'ShouldRun',
  nothingToRun: 'NothingToRun',
  planChunks: 'PlanChunks',
  runChunks: 'RunChunks',
  runChunk: 'RunChunk',
  confirmCompleted: 'ConfirmCompleted',
  done: 'Done',
  markFailed: 'MarkFailed',
  jobFailed: 'JobFailed',
  markFailedFailed: 'MarkFailedFailed',
} as const;

/** Error names the steps throw and the state machine matches in its Retry fields. */
export const LONG_JOB_ERRORS = { recordMissing: 'JobRecordMissing', notCompleted: 'JobNotCompleted' } as const;

/** Steps of the steps function; the event names one in `step`. */
export type LongJobStep = 'markRunning' | 'planChunks' | 'confirmCompleted' | 'markFailed';

/** The environment variables a chunk task reads its chunk from; the container's entrypoint parses them. */
export const CHUNK_ENV = { jobId: 'JOB_ID', owner: 'JOB_OWNER', chunkIndex: 'CHUNK_INDEX' } as const;

export interface ChunkTaskTarget {
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  /** The container whose environment gets JOB_ID, JOB_OWNER and CHUNK_INDEX. */
  readonly containerName: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** Tasks in public subnets need a public IP to reach ECR and CloudWatch Logs without a NAT gateway. */
  readonly assignPublicIp: boolean;
}

export interface LongJobStateMachineOptions {
  /** Name or ARN of the function that runs the Lambda steps. */
  readonly stepsFunction: string;
  readonly chunkTask: ChunkTaskTarget;
  /** Chunk tasks running at once per job (Map MaxConcurrency). */
  readonly maxConcurrency: number;
  /** Longest run of one chunk task. */
  readonly chunkTimeoutSeconds: number;
  /** Retries of a failed or stopped chunk task before the job fails. */
  readonly chunkRetries: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type State = Record<string, Json>;

/** Lambda's own transient errors, which AWS recommends every Lambda task retries (Step Functions developer guide). */
const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

const catchToMarkFailed = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: LONG_JOB_STATES.markFailed }];

function lambdaStep(options: LongJobStateMachineOptions, step: LongJobStep, payload: Record<string, Json>, rest: State): State {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: options.stepsFunction, Payload: { step, 'jobId.$': '$.jobId', 'owner.$': '$.owner', ...payload } },
    TimeoutSeconds: 60,
    ...rest,
    Retry: [
      ...((rest.Retry as Json[] | undefined) ?? []),
      { ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' },
    ],
  };
}

/** The state machine definition; serialize it with `JSON.stringify` (or the CDK's `toJsonString` when it holds tokens). */
export function longJobStateMachineDefinition(options: LongJobStateMachineOptions): Record<string, Json> {
  const { chunkTask } = options;
  const S = LONG_JOB_STATES;
  return {
    Comment: 'Long-running job: mark running, plan chunks, run them on Fargate in parallel, confirm the output (SPEC §6)',
    StartAt: S.delay,
    States: {
      // The submission's delaySeconds; the job stays queued (and cancellable) meanwhile.
      [S.delay]: { Type: 'Wait', SecondsPath: '$.delaySeconds', Next: S.markRunning },
      [S.markRunning]: lambdaStep(
        options,
        'markRunning',
        { 'executionStartTime.$': '$$.Execution.StartTime' },
        {
          ResultSelector: { 'proceed.$': '$.Payload.proceed', 'reason.$': '$.Payload.reason' },
          ResultPath: '$.start',
          // 1+2+4+8+16+32 s: past RECORD_GRACE_MS, after which the step answers proceed=false.
          Retry: [{ ErrorEquals: [LONG_JOB_ERRORS.recordMissing], IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: 2 }],
          Catch: catchToMarkFailed,
          Next: S.shouldRun,
        },
      ),
      [S.shouldRun]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.start.proceed', BooleanEquals: true, Next: S.planChunks }],
        Default: S.nothingToRun,
      },
      // Cancelled before it started, already finished, or never written: nothing to do.
      [S.nothingToRun]: { Type: 'Succeed' },
      [S.planChunks]: lambdaStep(
        options,
        'planChunks',
        {},
        {
          ResultSelector: { 'chunks.$': '$.Payload.chunks', 'total.$': '$.Payload.total' },
          ResultPath: '$.plan',
          Catch: catchToMarkFailed,
          Next: S.runChunks,
        },
      ),
      [S.runChunks]: {
        Type: 'Map',
        ItemsPath: '$.plan.chunks',
        ItemSelector: { 'jobId.$': '$.jobId', 'owner.$': '$.owner', 'chunkIndex.$': '$$.Map.Item.Value' },
        MaxConcurrency: options.maxConcurrency,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: S.runChunk,
          States: {
            [S.runChunk]: {
              Type: 'Task',
              Resource: 'arn:aws:states:::ecs:runTask.sync',
              Parameters: {
                LaunchType: 'FARGATE',
                Cluster: chunkTask.clusterArn,
                TaskDefinition: chunkTask.taskDefinitionArn,
                NetworkConfiguration: {
                  AwsvpcConfiguration: {
                    Subnets: [...chunkTask.subnetIds],
                    SecurityGroups: [...chunkTask.securityGroupIds],
                    AssignPublicIp: chunkTask.assignPublicIp ? 'ENABLED' : 'DISABLED',
                  },
                },
                Overrides: {
                  ContainerOverrides: [
                    {
                      Name: chunkTask.containerName,
                      Environment: [
                        { Name: CHUNK_ENV.jobId, 'Value.$': '$.jobId' },
                        { Name: CHUNK_ENV.owner, 'Value.$': '$.owner' },
                        { Name: CHUNK_ENV.chunkIndex, 'Value.$': "States.Format('{}', $.chunkIndex)" },
                      ],
                    },
                  ],
                },
                PropagateTags: 'TASK_DEFINITION',
              },
              TimeoutSeconds: options.chunkTimeoutSeconds,
              // A task that failed, was stopped (SIGTERM hands its chunk back) or could not be
              // placed runs again; HSETNX in Redis keeps a re-run from counting twice.
              Retry: [
                {
                  ErrorEquals: ['States.TaskFailed', 'States.Timeout', 'ECS.AmazonECSException'],
                  IntervalSeconds: 2,
                  MaxAttempts: options.chunkRetries,
                  BackoffRate: 2,
                  JitterStrategy: 'FULL',
                },
              ],
              // The DescribeTasks output of every task would outgrow the 256 KB state payload.
              ResultPath: null,
              End: true,
            },
          },
        },
        ResultPath: null,
        Catch: catchToMarkFailed,
        Next: S.confirmCompleted,
      },
      [S.confirmCompleted]: lambdaStep(
        options,
        'confirmCompleted',
        {},
        {
          ResultPath: null,
          Catch: catchToMarkFailed,
          Next: S.done,
        },
      ),
      [S.done]: { Type: 'Succeed' },
      [S.markFailed]: lambdaStep(
        options,
        'markFailed',
        { 'error.$': '$.error' },
        {
          ResultPath: null,
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.markFailedError', Next: S.markFailedFailed }],
          Next: S.jobFailed,
        },
      ),
      [S.jobFailed]: { Type: 'Fail', Error: 'JobFailed', Cause: 'The job was marked failed; GET /jobs/{jobId} shows its lastError' },
      [S.markFailedFailed]: {
        Type: 'Fail',
        Error: 'MarkFailedFailed',
        Cause: 'The job could not be marked failed here; the rule on failed executions marks it',
      },
    },
  };
}
