import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { jobQueueSettings } from '../../functions/jobs/domain/job-queue-settings.ts';
import { JOB_PRIORITIES } from '../../functions/jobs/domain/priority.ts';
import type { EnvironmentConfig } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { bindJobPlatform, type JobPlatformResources } from './job-function-environment.ts';
import { JobFunction } from './job-function.ts';
import { nagArnParts } from './nag-arn.ts';
import { acknowledgeControlTowerRule } from './control-tower-rules.ts';

export interface JobSchedulingConstructProps {
  /** The environment's schedule group (`jobs-<env>`): every one-time and recurring schedule lives in it. */
  readonly groupName: string;
  /** Where EventBridge Scheduler puts a firing that failed every retry (`jobs-<env>-schedule-dlq`). */
  readonly deadLetterQueueName: string;
  /** The role every schedule runs as (`jobs-<env>-scheduler`). */
  readonly roleName: string;
  /** The firing function recurring schedules invoke, from `functionDeclarations`. */
  readonly firingDeclaration: FunctionDeclaration;
  readonly environmentConfig: EnvironmentConfig;
  /** The table the firing function creates jobs in, and the job queues one-time schedules send to. */
  readonly resources: JobPlatformResources;
}

/**
 * EventBridge Scheduler for the environment (SPEC §10): a schedule group, the role every schedule
 * runs as (it may send to the job queues and the schedules' dead-letter queue, and invoke the
 * firing function, nothing else), that dead-letter queue, and the firing function that turns a
 * recurring schedule's firing into one job.
 */
export class JobSchedulingConstruct extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  readonly role: iam.Role;
  readonly deadLetterQueue: sqs.Queue;
  readonly firingFunction: JobFunction;
  readonly groupName: string;
  private readonly queues: JobPlatformResources['queues'];

  constructor(scope: Construct, id: string, props: JobSchedulingConstructProps) {
    super(scope, id);
    const config = props.environmentConfig;
    const stack = Stack.of(this);
    this.groupName = props.groupName;
    this.queues = props.resources.queues;

    this.group = new scheduler.CfnScheduleGroup(this, 'Group', { name: props.groupName });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      // As long as the job DLQ keeps its letters: on-call has the same two weeks.
      retentionPeriod: Duration.seconds(jobQueueSettings(config.worker).deadLetterRetentionSeconds),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // EventBridge Scheduler sends here itself; no queue may dead-letter into it.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.DENY_ALL },
    });
    acknowledgeControlTowerRule(
      this.deadLetterQueue,
      'sqs_dlq_check',
      "This queue is EventBridge Scheduler's dead-letter queue (no queue redrives into it: denyAll); the reconciler reads and deletes its letters, so it needs no DLQ of its own.",
    );
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is EventBridge Scheduler's dead-letter queue; the reconciler reads it, and a DLQ of a DLQ would only hide failures.",
    });

    this.firingFunction = new JobFunction(this, 'FiringFunction', { declaration: props.firingDeclaration, environmentConfig: config });
    bindJobPlatform(this.firingFunction, props.resources, { table: 'RW', queue: 'send', deadLetterQueue: 'none' }, config);

    // Only this account's schedules of this group may use the role (confused deputy, Scheduler user guide).
    const groupArn = stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: props.groupName });
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `EventBridge Scheduler: sends due jobs' messages and invokes the firing function (${config.name})`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnEquals: { 'aws:SourceArn': groupArn } },
      }),
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [
          ...JOB_PRIORITIES.map((priority) => props.resources.queues[priority].queueArn),
          // A concurrency-limited type's jobs go to its own queue, scheduled ones too.
          ...Object.values(props.resources.typeQueues).map((queue) => queue.queueArn),
          this.deadLetterQueue.queueArn,
        ],
      }),
    );
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.firingFunction.functionArn] }));
  }

  /** The schedules of this group, as an IAM resource pattern. */
  private get schedulesArn(): string {
    return Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.groupName}/*` });
  }

  /**
   * Sets the variables `schedulerRuntimeConfig` reads and lets the function create, change and
   * delete the group's schedules, passing them this construct's role and nothing else.
   */
  bindScheduler(fn: lambda.Function): void {
    fn.addEnvironment('SCHEDULE_GROUP_NAME', this.groupName);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.role.roleArn);
    fn.addEnvironment('QUEUE_ARN', this.queues.normal.queueArn);
    fn.addEnvironment('HIGH_PRIORITY_QUEUE_ARN', this.queues.high.queueArn);
    fn.addEnvironment('LOW_PRIORITY_QUEUE_ARN', this.queues.low.queueArn);
    fn.addEnvironment('SCHEDULE_DEAD_LETTER_QUEUE_ARN', this.deadLetterQueue.queueArn);
    fn.addEnvironment('SCHEDULE_FIRING_FUNCTION_ARN', this.firingFunction.functionArn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        resources: [this.schedulesArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    if (fn.role !== undefined) {
      const { region, account } = nagArnParts(Stack.of(this));
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${region}:${account}:schedule/${this.groupName}/*]`,
        reason: "Schedules are created per job and per caller at run time; the grant covers only this environment's schedule group.",
      });
    }
  }

  /** Sets `SCHEDULE_DEAD_LETTER_QUEUE_URL` and lets the reconciler read and delete the schedules' dead letters. */
  bindDeadLetterReader(fn: lambda.Function): void {
    fn.addEnvironment('SCHEDULE_DEAD_LETTER_QUEUE_URL', this.deadLetterQueue.queueUrl);
    this.deadLetterQueue.grant(fn, 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes');
  }
}
