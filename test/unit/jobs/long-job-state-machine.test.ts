import { describe, expect, it } from 'vitest';
import {
  LONG_JOB_ERRORS,
  longJobStateMachineDefinition,
  type LongJobStateMachineOptions,
} from '../../../functions/jobs/domain/long-job-state-machine.ts';

const options: LongJobStateMachineOptions = {
  stepsFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:jobs-test-long-job-steps',
  chunkTask: {
    clusterArn: 'arn:aws:ecs:eu-west-1:123456789012:cluster/jobs-test',
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/jobs-test-chunk:1',
    containerName: 'chunk',
    subnetIds: ['subnet-1', 'subnet-2'],
    securityGroupIds: ['sg-1'],
    assignPublicIp: true,
  },
  maxConcurrency: 7,
  chunkTimeoutSeconds: 300,
  chunkRetries: 3,
};

/** The parts of an ASL state these tests read; the definition is plain JSON. */
interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Choices?: readonly { readonly Next: string }[];
  readonly Catch?: unknown;
  readonly Retry: readonly {
    readonly ErrorEquals: string[];
    readonly IntervalSeconds: number;
    readonly BackoffRate: number;
    readonly MaxAttempts: number;
  }[];
  readonly ItemProcessor: { readonly States: Record<string, AslState> };
  readonly [field: string]: unknown;
}

// Shapes checked below; the module returns untyped JSON.
const definition = longJobStateMachineDefinition(options) as unknown as { StartAt: string; States: Record<string, AslState> };
const states = (name: string): AslState => definition.States[name] as AslState;

describe('long-job state machine definition', () => {
  it('runs mark running, plan chunks, the chunk Map, then confirms completion', () => {
    // Act
    const path: string[] = [];
    for (let name: string | undefined = definition.StartAt; name !== undefined;) {
      path.push(name);
      const state = states(name);
      name = state.Type === 'Choice' ? state.Choices?.[0]?.Next : state.Next;
    }

    // Assess
    expect(path).toEqual(['Delay', 'MarkRunning', 'ShouldRun', 'PlanChunks', 'RunChunks', 'ConfirmCompleted', 'Done']);
  });

  it('catches every error of every working state into MarkFailed, which ends the execution failed', () => {
    // Assess
    for (const name of ['MarkRunning', 'PlanChunks', 'RunChunks', 'ConfirmCompleted']) {
      expect(states(name).Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]);
    }
    expect(states('MarkFailed').Next).toBe('JobFailed');
    expect(states('JobFailed').Type).toBe('Fail');
  });

  it('catches a failure of MarkFailed itself, so the execution still ends FAILED and the execution-ended rule fails the job', () => {
    // Assess
    expect(states('MarkFailed').Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.markFailedError', Next: 'MarkFailedFailed' },
    ]);
    expect(states('MarkFailedFailed')).toMatchObject({ Type: 'Fail', Error: 'MarkFailedFailed' });
  });

  it('waits for a job record that is not written yet, for longer than the grace period', () => {
    // Act
    const retrier = states('MarkRunning').Retry[0]!;
    const waitedSeconds = Array.from(
      { length: retrier.MaxAttempts },
      (_, attempt) => retrier.IntervalSeconds * retrier.BackoffRate ** attempt,
    ).reduce((a, b) => a + b, 0);

    // Assess
    expect(retrier.ErrorEquals).toEqual([LONG_JOB_ERRORS.recordMissing]);
    expect(waitedSeconds).toBeGreaterThan(30);
  });

  it('bounds the Map by maxConcurrency and keeps its results out of the state payload', () => {
    // Assess
    expect(states('RunChunks')).toMatchObject({ MaxConcurrency: 7, ItemsPath: '$.plan.chunks', ResultPath: null });
    expect(states('RunChunks').ItemProcessor.States.RunChunk?.ResultPath).toBeNull();
  });

  it('runs each chunk as an ECS Fargate task (.sync) with JOB_ID, JOB_OWNER and CHUNK_INDEX, retried on failure', () => {
    // Act
    const task = states('RunChunks').ItemProcessor.States.RunChunk as AslState & {
      Parameters: { Overrides: { ContainerOverrides: unknown[] }; NetworkConfiguration: { AwsvpcConfiguration: unknown } };
    };

    // Assess
    expect(task.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    expect(task.TimeoutSeconds).toBe(300);
    expect(task.Parameters.Overrides.ContainerOverrides[0]).toEqual({
      Name: 'chunk',
      Environment: [
        { Name: 'JOB_ID', 'Value.$': '$.jobId' },
        { Name: 'JOB_OWNER', 'Value.$': '$.owner' },
        { Name: 'CHUNK_INDEX', 'Value.$': "States.Format('{}', $.chunkIndex)" },
      ],
    });
    expect(task.Parameters.NetworkConfiguration.AwsvpcConfiguration).toEqual({
      Subnets: ['subnet-1', 'subnet-2'],
      SecurityGroups: ['sg-1'],
      AssignPublicIp: 'ENABLED',
    });
    expect(task.Retry[0]).toMatchObject({ ErrorEquals: ['States.TaskFailed', 'States.Timeout', 'ECS.AmazonECSException'], MaxAttempts: 3 });
  });
});
