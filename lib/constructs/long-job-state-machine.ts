import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { longJobStateMachineDefinition } from '../../functions/jobs/domain/long-job-state-machine.ts';
import { fargateJobTypes } from '../../functions/jobs/domain/registry.ts';
import type { EnvironmentConfig, LongJobSettings } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { JobFunction } from './job-function.ts';
import { nagArnParts } from './nag-arn.ts';
import { LONG_JOB_TABLE_ACTIONS } from './long-job-chunk-task.ts';

export interface LongJobStateMachineConstructProps {
  /** Physical name (`jobs-<env>-long-jobs`); the API derives the ARN it starts executions of from it. */
  readonly stateMachineName: string;
  /** The function that runs the Lambda steps (`jobs-<env>-long-job-steps`), from `functionDeclarations`. */
  readonly stepsDeclaration: FunctionDeclaration;
  /** The function that fails the job of an execution that ended FAILED, TIMED_OUT or ABORTED. */
  readonly executionEndedDeclaration: FunctionDeclaration;
  readonly environmentConfig: EnvironmentConfig;
  readonly settings: LongJobSettings;
  /** The job table the steps read and write. */
  readonly table: dynamodb.ITable;
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly taskSubnets: ec2.SelectedSubnets;
  readonly taskSecurityGroup: ec2.ISecurityGroup;
  readonly assignPublicIp: boolean;
}

/**
 * The long-job state machine (Standard): the definition from
 * `functions/jobs/domain/long-job-state-machine.ts`, its steps function, logs of every event and X-Ray
 * per environment. Its role may invoke the steps function, run and stop the chunk task
 * definition on its cluster, and pass the task's two roles; nothing else.
 */
export class LongJobStateMachineConstruct extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stepsFunction: JobFunction;
  /** Fails the job of an execution that was stopped, timed out or failed outside MarkFailed. */
  readonly executionEndedFunction: JobFunction;

  constructor(scope: Construct, id: string, props: LongJobStateMachineConstructProps) {
    super(scope, id);
    const config = props.environmentConfig;
    const stack = Stack.of(this);

    this.stepsFunction = new JobFunction(this, 'Steps', { declaration: props.stepsDeclaration, environmentConfig: config });
    this.stepsFunction.addEnvironment('TABLE_NAME', props.table.tableName);
    this.stepsFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...LONG_JOB_TABLE_ACTIONS], resources: [props.table.tableArn] }),
    );
    this.stepsFunction.addEnvironment('JOB_RETENTION_DAYS', String(config.jobRetentionDays));

    const definition = longJobStateMachineDefinition({
      stepsFunction: this.stepsFunction.functionArn,
      chunkTask: {
        clusterArn: props.cluster.clusterArn,
        taskDefinitionArn: props.taskDefinition.taskDefinitionArn,
        containerName: props.container.containerName,
        subnetIds: props.taskSubnets.subnetIds,
        securityGroupIds: [props.taskSecurityGroup.securityGroupId],
        assignPublicIp: props.assignPublicIp,
      },
      maxConcurrency: props.settings.maxConcurrency,
      chunkTimeoutSeconds: Math.max(...fargateJobTypes().map((type) => type.timeoutSeconds)),
      chunkRetries: props.settings.chunkRetries,
    });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(stack.toJsonString(definition)),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: config.tracing,
    });

    this.executionEndedFunction = this.failJobsOfEndedExecutions(props);

    const role = this.stateMachine.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.stepsFunction.functionArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:RunTask'],
        resources: [props.taskDefinition.taskDefinitionArn],
        conditions: { ArnEquals: { 'ecs:cluster': props.cluster.clusterArn } },
      }),
    );
    const tasksOfCluster = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${props.cluster.clusterName}/*` });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:StopTask', 'ecs:DescribeTasks'], resources: [tasksOfCluster] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [props.taskDefinition.taskRole.roleArn, props.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    // `.sync` waits for the task through this one managed EventBridge rule (Step Functions developer guide, "IAM policies for Amazon ECS").
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForECSTaskRule' })],
      }),
    );

    const { region, account } = nagArnParts(stack);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${region}:${account}:task/<${stack.resolve((props.cluster.node.defaultChild as ecs.CfnCluster).logicalId) as string}>/*]`,
      reason:
        'Task ids are assigned when RunTask starts a task; StopTask and DescribeTasks (used by .sync) are limited to the tasks of the long-job cluster.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (logs:CreateLogDelivery and friends) and X-Ray trace writes support no resource-level permissions, as the Step Functions logging guide states.',
    });
  }

  /**
   * An execution stopped from the console, timed out, aborted, or failed where MarkFailed could
   * not run would leave its job `running` forever: EventBridge's status-change event for the
   * state machine (Step Functions user guide, "Automating Step Functions event delivery with
   * EventBridge") invokes a function that marks the job failed with the reason, retried for a day.
   */
  private failJobsOfEndedExecutions(props: LongJobStateMachineConstructProps): JobFunction {
    const config = props.environmentConfig;
    const fn = new JobFunction(this, 'ExecutionEnded', { declaration: props.executionEndedDeclaration, environmentConfig: config });
    fn.addEnvironment('TABLE_NAME', props.table.tableName);
    fn.addEnvironment('JOB_RETENTION_DAYS', String(config.jobRetentionDays));
    // markFailed reads the job and writes its failed state with a conditional update.
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [props.table.tableArn] }),
    );
    props.table.encryptionKey?.grantEncryptDecrypt(fn);
    new events.Rule(this, 'ExecutionEndedRule', {
      description: 'Long-job executions that ended without completing their job',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
    return fn;
  }
}
