import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from './config/environments.ts';
import { functionDeclarations } from './config/function-declarations.ts';
import { resourceNames } from './config/resource-names.ts';
import { acknowledgeControlTowerRule, applyLogGroupControls } from './constructs/control-tower-rules.ts';
import { JobApiConstruct } from './constructs/job-api.ts';
import { JobCountsConstruct } from './constructs/job-counts.ts';
import { JobEventsConstruct } from './constructs/job-events.ts';
import { JobObservabilityConstruct } from './constructs/job-observability.ts';
import { JobQueueConstruct } from './constructs/job-queue.ts';
import { JobReconcilerConstruct } from './constructs/job-reconciler.ts';
import { JobSchedulingConstruct } from './constructs/job-scheduling.ts';
import { JobTableConstruct } from './constructs/job-table.ts';
import { JobWebhooksConstruct } from './constructs/job-webhooks.ts';
import { JobWorkerConstruct } from './constructs/job-worker.ts';
import { concurrencyLimitedJobTypes } from '../functions/jobs/domain/registry.ts';

/** The stack name of an environment (`jobs-<env>`); the CLI finds the stack and its outputs by it. */
export function jobPlatformStackName(environmentName: string): string {
  return resourceNames(environmentName).stack;
}

export interface JobPlatformStackProps extends StackProps {
  /** The validated configuration of the environment this stack deploys. */
  readonly environmentConfig: EnvironmentConfig;
}

/**
 * One environment of the job platform: table, queues, API, worker, reconciler, the counts
 * function on the table's stream, dashboard and alarms. Every physical name starts with `jobs-<env>`.
 */
export class JobPlatformStack extends Stack {
  readonly jobTable: JobTableConstruct;
  readonly jobQueue: JobQueueConstruct;
  readonly api: JobApiConstruct;
  readonly worker: JobWorkerConstruct;
  readonly reconciler: JobReconcilerConstruct;
  readonly scheduling: JobSchedulingConstruct;
  readonly counts: JobCountsConstruct;
  readonly events: JobEventsConstruct;
  readonly webhooks: JobWebhooksConstruct;
  readonly observability: JobObservabilityConstruct;

  constructor(scope: Construct, id: string, props: JobPlatformStackProps) {
    super(scope, id, {
      description: `Serverless job platform (${props.environmentConfig.name})`,
      ...props,
    });
    const config = props.environmentConfig;
    // The same names the local runtime uses (lib/config/resource-names.ts).
    const names = resourceNames(config.name);
    const functions = functionDeclarations(config);
    Tags.of(this).add('environment', config.name);
    Tags.of(this).add('application', 'job-platform');

    this.jobTable = new JobTableConstruct(this, 'JobTable', {
      tableName: names.table,
      removalPolicy: config.removalPolicy,
    });
    applyLogGroupControls(this, config);
    if (config.removalPolicy === 'destroy') {
      acknowledgeControlTowerRule(
        this.jobTable,
        'dynamodb_table_pitr_enabled_check',
        `Environment '${config.name}' is throw-away (removal policy destroy) and holds no job that must survive; prod keeps point-in-time recovery on.`,
      );
    }
    this.jobQueue = new JobQueueConstruct(this, 'JobQueue', {
      queueNames: names.priorityQueues,
      concurrencyLimitedTypes: concurrencyLimitedJobTypes().map(({ name }) => name),
      deadLetterQueueName: names.deadLetterQueue,
      worker: config.worker,
    });
    const resources = {
      table: this.jobTable.table,
      queues: this.jobQueue.queues,
      typeQueues: this.jobQueue.typeQueues,
      deadLetterQueue: this.jobQueue.deadLetterQueue,
    };

    this.scheduling = new JobSchedulingConstruct(this, 'Scheduling', {
      groupName: names.scheduleGroup,
      deadLetterQueueName: names.scheduleDeadLetterQueue,
      roleName: names.schedulerRole,
      firingDeclaration: functions.scheduleFiring,
      environmentConfig: config,
      resources,
    });

    this.api = new JobApiConstruct(this, 'Api', {
      apiName: `${names.stack}-api`,
      declaration: functions.api,
      environmentConfig: config,
      resources,
      scheduling: this.scheduling,
    });
    this.worker = new JobWorkerConstruct(this, 'Worker', {
      declaration: functions.worker,
      environmentConfig: config,
      resources,
      emailFrom: config.emailFrom,
    });
    this.reconciler = new JobReconcilerConstruct(this, 'Reconciler', {
      declaration: functions.reconciler,
      environmentConfig: config,
      resources,
      scheduling: this.scheduling,
    });

    this.counts = new JobCountsConstruct(this, 'Counts', {
      declaration: functions.counts,
      environmentConfig: config,
      table: this.jobTable.table,
    });

    this.events = new JobEventsConstruct(this, 'Events', {
      declaration: functions.events,
      environmentConfig: config,
      resources,
      eventBusName: names.eventBus,
    });

    this.webhooks = new JobWebhooksConstruct(this, 'Webhooks', {
      deliveryDeclaration: functions.webhooks,
      rotationDeclaration: functions.webhookSecretRotation,
      environmentConfig: config,
      table: this.jobTable.table,
      bus: this.events.bus,
      names: {
        rule: names.webhookRule,
        queue: names.webhookQueue,
        deadLetterQueue: names.webhookDeadLetterQueue,
        secret: names.webhookSecret,
      },
    });

    this.observability = new JobObservabilityConstruct(this, 'Observability', {
      alarmNamePrefix: names.stack,
      dashboardName: names.dashboard,
      alarmTopicName: names.alarmTopic,
      environmentConfig: config,
      queues: this.jobQueue.queues,
      typeQueues: this.jobQueue.typeQueues,
      deadLetterQueue: this.jobQueue.deadLetterQueue,
      webhookDeadLetterQueue: this.webhooks.deadLetterQueue,
      httpApi: this.api.httpApi,
      workerFunction: this.worker.function,
      functions: [
        this.api.function,
        this.worker.function,
        this.reconciler.function,
        this.counts.function,
        this.events.function,
        this.scheduling.firingFunction,
        this.webhooks.deliveryFunction,
        this.webhooks.rotationFunction,
      ],
    });

    // Long-running jobs (SPEC §6, `config.longJobs`) deploy as a companion stack created in
    // `lib/job-platform-app.ts`; it takes `jobTable.table` and `jobQueue.queues` from this stack.

    // The CLI reads these outputs to find the environment's endpoints (stack `jobs-<env>`).
    const outputs: Record<string, { value: string; description: string }> = {
      ApiUrl: { value: this.api.url, description: 'Base URL of the job API (SigV4-signed requests)' },
      QueueUrl: { value: this.jobQueue.queue.queueUrl, description: 'URL of the job queue of normal priority' },
      HighPriorityQueueUrl: { value: this.jobQueue.queues.high.queueUrl, description: 'URL of the job queue of high priority' },
      LowPriorityQueueUrl: { value: this.jobQueue.queues.low.queueUrl, description: 'URL of the job queue of low priority' },
      DeadLetterQueueUrl: { value: this.jobQueue.deadLetterQueue.queueUrl, description: 'URL of the dead-letter queue' },
      TableName: { value: this.jobTable.table.tableName, description: 'Name of the job table' },
      Region: { value: this.region, description: 'Region of this environment' },
      EventBusName: { value: this.events.bus.eventBusName, description: 'Bus of the job lifecycle events (rules subscribe here)' },
      WebhookDeadLetterQueueUrl: {
        value: this.webhooks.deadLetterQueue.queueUrl,
        description: 'Webhook deliveries given up after 24 h (redrive them from the SQS console)',
      },
      WebhookSecretArn: {
        value: this.webhooks.secret.secretArn,
        description: 'Secret whose {current, previous} verify webhook signatures',
      },
      ScheduleGroupName: { value: this.scheduling.groupName, description: "EventBridge Scheduler group of the environment's schedules" },
      ScheduleDeadLetterQueueUrl: {
        value: this.scheduling.deadLetterQueue.queueUrl,
        description: 'Firings EventBridge Scheduler could not deliver (the reconciler reads it)',
      },
    };
    for (const [name, output] of Object.entries(outputs)) {
      new CfnOutput(this, name, { ...output, exportName: `${names.stack}-${name}` });
    }
  }
}
