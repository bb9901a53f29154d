import { Duration, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { JOB_METRICS, JOB_TYPE_DIMENSION, metricsNamespace, type JobMetricName } from '../../functions/observability/job-metrics.ts';
import type { EnvironmentConfig } from '../config/environments.ts';
import { JOB_PRIORITIES, type JobPriority } from '../../functions/jobs/domain/priority.ts';

export interface JobObservabilityConstructProps {
  /** Prefix of the alarm names; carries the environment (`jobs-dev`). */
  readonly alarmNamePrefix: string;
  /** Name of the dashboard (`jobs-dev`). */
  readonly dashboardName: string;
  /** Name of the SNS topic the alarms notify (`jobs-dev-alarms`). */
  readonly alarmTopicName: string;
  /** Alarm thresholds, notification e-mail and the metrics namespace of this environment. */
  readonly environmentConfig: EnvironmentConfig;
  /** Each priority level's job queue. */
  readonly queues: Readonly<Record<JobPriority, sqs.IQueue>>;
  /** The queue of each type with a `maxConcurrency` limit. */
  readonly typeQueues?: Readonly<Record<string, sqs.IQueue>>;
  readonly deadLetterQueue: sqs.IQueue;
  /** Webhook deliveries given up after 24 h: a receiver missed a job's end. */
  readonly webhookDeadLetterQueue: sqs.IQueue;
  readonly httpApi: apigw.IHttpApi;
  /** The worker: its throttles alarm, as they delay every job. */
  readonly workerFunction: lambda.IFunction;
  /** Every function of the platform, graphed for errors and throttles. */
  readonly functions: readonly lambda.IFunction[];
  /**
   * Period of the error-rate and API 5xx alarms.
   * @default Duration.minutes(5)
   */
  readonly alarmPeriod?: Duration;
}

/**
 * The on-call view of one environment: an SNS topic (e-mail subscription when configured),
 * alarms on a non-empty DLQ, an old queued message, the job error rate, API 5xx and worker
 * throttles, and the `jobs-<env>` dashboard.
 */
export class JobObservabilityConstruct extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: readonly cloudwatch.Alarm[];

  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: JobObservabilityConstructProps) {
    super(scope, id);
    const config = props.environmentConfig;
    const alarmPeriod = props.alarmPeriod ?? Duration.minutes(5);
    this.namespace = metricsNamespace(config.name);

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: props.alarmTopicName,
      displayName: `Job platform alarms (${config.name})`,
      enforceSSL: true,
    });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and metric values only, no job data; CloudWatch cannot publish to a topic under the AWS-managed SNS key, and SSL is enforced in transit.',
    });
    if (config.alarms.notificationEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarms.notificationEmail));
    }

    const jobErrorRate = this.jobErrorRate(alarmPeriod);
    const minute = { period: Duration.minutes(1), statistic: 'Maximum' } as const;
    const oldestAgeOf = (priority: JobPriority) =>
      props.queues[priority].metricApproximateAgeOfOldestMessage({ ...minute, label: `${priority} priority` });
    // One alarm watches every queue: the oldest message of whichever holds it.
    const typeAges = Object.entries(props.typeQueues ?? {}).map(([type, queue], index) => [
      `type${index}`,
      queue.metricApproximateAgeOfOldestMessage({ ...minute, label: `type ${type}` }),
    ]);
    const oldestAge = new cloudwatch.MathExpression({
      expression: `MAX([${[...JOB_PRIORITIES, ...typeAges.map(([id]) => id)].join(', ')}])`,
      usingMetrics: Object.fromEntries([...JOB_PRIORITIES.map((priority) => [priority, oldestAgeOf(priority)]), ...typeAges]),
      period: Duration.minutes(1),
      label: 'Oldest message, any priority (s)',
    });
    const alarms = [
      new cloudwatch.Alarm(this, 'DeadLetterQueueNotEmpty', {
        alarmName: `${props.alarmNamePrefix}-dlq-not-empty`,
        alarmDescription: 'Jobs were dead-lettered: inspect them and redrive from the SQS console or the CLI.',
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'WebhookDeadLetterQueueNotEmpty', {
        alarmName: `${props.alarmNamePrefix}-webhook-dlq-not-empty`,
        alarmDescription:
          'A webhook was not delivered within 24 h: check the receiver named in the letter, then redrive the webhook DLQ from the SQS console.',
        metric: props.webhookDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'OldestMessageTooOld', {
        alarmName: `${props.alarmNamePrefix}-oldest-message-age`,
        alarmDescription: `A queued job has waited more than ${config.alarms.oldestMessageAgeSeconds} s: workers are failing, throttled or too few.`,
        metric: oldestAge,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: config.alarms.oldestMessageAgeSeconds,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'JobErrorRate', {
        alarmName: `${props.alarmNamePrefix}-job-error-rate`,
        alarmDescription: `More than ${config.alarms.errorRatePercent}% of job attempts failed or were retried over ${alarmPeriod.toMinutes()} minutes.`,
        metric: jobErrorRate,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: config.alarms.errorRatePercent,
        evaluationPeriods: 1,
        // No attempts started means no error rate to judge.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'Api5xx', {
        alarmName: `${props.alarmNamePrefix}-api-5xx`,
        alarmDescription: `The API returned ${config.alarms.api5xxCount} or more 5xx responses in ${alarmPeriod.toMinutes()} minutes.`,
        metric: props.httpApi.metricServerError({ period: alarmPeriod, statistic: 'Sum' }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        threshold: config.alarms.api5xxCount,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'WorkerThrottles', {
        alarmName: `${props.alarmNamePrefix}-worker-throttles`,
        alarmDescription: 'The worker was throttled: raise the account concurrency or lower worker.maxConcurrency.',
        metric: props.workerFunction.metricThrottles({ period: alarmPeriod, statistic: 'Sum' }),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    const action = new SnsAction(this.topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms = alarms;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Job platform (${config.name})\nMetrics namespace \`${this.namespace}\`, one line per \`${JOB_TYPE_DIMENSION}\`. Alarms go to SNS topic \`${this.topic.topicName}\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      this.percentilesWidget('Job duration (ms)', JOB_METRICS.duration),
      this.percentilesWidget('Queue wait, created to started (ms)', JOB_METRICS.queueWait),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Throughput by job type (per minute)',
        width: 12,
        left: [
          this.byJobType(JOB_METRICS.submitted, 'Sum'),
          this.byJobType(JOB_METRICS.started, 'Sum'),
          this.byJobType(JOB_METRICS.completed, 'Sum'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures by job type (per minute) and error rate (%)',
        width: 12,
        left: [
          this.byJobType(JOB_METRICS.failed, 'Sum'),
          this.byJobType(JOB_METRICS.retried, 'Sum'),
          this.byJobType(JOB_METRICS.deadLettered, 'Sum'),
        ],
        right: [jobErrorRate.with({ label: 'Error rate, all types (%)' })],
        rightAnnotations: [{ value: config.alarms.errorRatePercent, label: 'alarm' }],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth per priority',
        width: 8,
        left: JOB_PRIORITIES.map((priority) =>
          props.queues[priority].metricApproximateNumberOfMessagesVisible({ ...minute, label: `${priority}: visible` }),
        ),
        right: JOB_PRIORITIES.map((priority) =>
          props.queues[priority].metricApproximateNumberOfMessagesNotVisible({ ...minute, label: `${priority}: in flight` }),
        ),
      }),
      new cloudwatch.GraphWidget({
        title: 'Age of oldest message per priority (s)',
        width: 8,
        left: JOB_PRIORITIES.map(oldestAgeOf),
        leftAnnotations: [{ value: config.alarms.oldestMessageAgeSeconds, label: 'alarm' }],
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        width: 8,
        left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        width: 8,
        left: props.functions.map((fn) => fn.metricErrors({ label: fn.functionName, statistic: 'Sum', period: Duration.minutes(1) })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda throttles',
        width: 8,
        left: props.functions.map((fn) => fn.metricThrottles({ label: fn.functionName, statistic: 'Sum', period: Duration.minutes(1) })),
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda concurrent executions',
        width: 8,
        left: props.functions.map((fn) =>
          fn.metric('ConcurrentExecutions', { label: fn.functionName, statistic: 'Maximum', period: Duration.minutes(1) }),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API responses',
        width: 12,
        left: [
          props.httpApi.metricCount({ label: 'Requests', statistic: 'Sum', period: Duration.minutes(1) }),
          props.httpApi.metricClientError({ label: '4xx', statistic: 'Sum', period: Duration.minutes(1) }),
          props.httpApi.metricServerError({ label: '5xx', statistic: 'Sum', period: Duration.minutes(1) }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        width: 12,
        left: ['p50', 'p95', 'p99'].map((stat) =>
          props.httpApi.metricLatency({ label: stat, statistic: stat, period: Duration.minutes(1) }),
        ),
      }),
    );
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, height: 3, alarms }));
  }

  /** One line per job type: SEARCH finds every `JobType` value without listing them here. */
  private byJobType(metricName: JobMetricName, statistic: string): cloudwatch.SearchExpression {
    return new cloudwatch.SearchExpression({
      expression: `SEARCH('{${this.namespace},${JOB_TYPE_DIMENSION}} MetricName="${metricName}"', '${statistic}', 60)`,
      label: `${metricName} ${statistic}`,
      period: Duration.minutes(1),
    });
  }

  private percentilesWidget(title: string, metricName: JobMetricName): cloudwatch.GraphWidget {
    return new cloudwatch.GraphWidget({
      title,
      width: 12,
      left: ['p50', 'p95', 'p99'].map((stat) => this.byJobType(metricName, stat)),
    });
  }

  /**
   * Failed and retried attempts as a percentage of started ones, over all job types.
   * Alarms cannot use SEARCH, so the totals come from Metrics Insights queries, which sum
   * the `JobType` series into one each (CloudWatch docs, "Alarms on Metrics Insights queries").
   */
  private jobErrorRate(period: Duration): cloudwatch.MathExpression {
    const total = (metricName: JobMetricName) =>
      new cloudwatch.MathExpression({
        expression: `SELECT SUM(${metricName}) FROM SCHEMA("${this.namespace}", ${JOB_TYPE_DIMENSION})`,
        usingMetrics: {},
        label: `${metricName} total`,
        period,
      });
    return new cloudwatch.MathExpression({
      expression: '100 * (FILL(failed, 0) + FILL(retried, 0)) / started',
      usingMetrics: {
        failed: total(JOB_METRICS.failed),
        retried: total(JOB_METRICS.retried),
        started: total(JOB_METRICS.started),
      },
      label: 'Job error rate (%)',
      period,
    });
  }
}
