import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

function alarm(environmentName: string, suffix: string): Record<string, any> {
  const { template } = synthesizePlatform(environmentName);
  const [found] = Object.values(
    template.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmName: `jobs-${environmentName}-${suffix}` } }),
  ) as any[];
  if (!found) throw new Error(`no alarm jobs-${environmentName}-${suffix}`);
  return found.Properties;
}

describe.each(ENVIRONMENT_NAMES)('alarms and dashboard in %s', (environmentName) => {
  beforeAll(() => synthesizePlatform(environmentName));

  it('alarms as soon as one message is in the dead-letter queue', () => {
    expect(alarm(environmentName, 'dlq-not-empty')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('alarms when a webhook delivery was given up and sits in the webhook dead-letter queue', () => {
    expect(alarm(environmentName, 'webhook-dlq-not-empty')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [expect.stringMatching(/^WebhooksDeadLetterQueue/), 'QueueName'] } }],
      Threshold: 0,
    });
  });

  it('alarms on the age of the oldest message of any priority queue with the configured threshold', () => {
    const { config } = synthesizePlatform(environmentName);
    const oldest = alarm(environmentName, 'oldest-message-age');
    expect(oldest.Threshold).toBe(config.alarms.oldestMessageAgeSeconds);
    const metrics = oldest.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
    expect(metrics.find((metric) => metric.Expression !== undefined)?.Expression).toBe('MAX([high, normal, low, type0])');
    expect(
      metrics
        .filter((metric) => metric.MetricStat?.Metric.MetricName === 'ApproximateAgeOfOldestMessage')
        .map((metric) => metric.Id)
        .sort(),
    ).toEqual(['high', 'low', 'normal', 'type0']);
  });

  it('alarms on failed plus retried attempts over started ones, from the environment namespace', () => {
    const { config } = synthesizePlatform(environmentName);
    const errorRate = alarm(environmentName, 'job-error-rate');
    expect(errorRate.Threshold).toBe(config.alarms.errorRatePercent);
    const expressions = (errorRate.Metrics as { Expression?: string }[]).map((metric) => metric.Expression ?? '');
    for (const metricName of ['JobFailed', 'JobRetried', 'JobStarted']) {
      expect(expressions).toContain(`SELECT SUM(${metricName}) FROM SCHEMA("JobPlatform/${environmentName}", JobType)`);
    }
  });

  it('alarms on API 5xx and worker throttles with the configured thresholds', () => {
    const { config } = synthesizePlatform(environmentName);
    expect(alarm(environmentName, 'api-5xx')).toMatchObject({
      MetricName: '5xx',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: config.alarms.api5xxCount,
    });
    expect(alarm(environmentName, 'worker-throttles')).toMatchObject({ MetricName: 'Throttles', Threshold: 0 });
  });

  it('sends every alarm to the environment topic, which refuses requests without TLS', () => {
    const { template } = synthesizePlatform(environmentName);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(6);
    for (const found of alarms) expect(JSON.stringify(found.Properties.AlarmActions)).toContain('AlarmTopic');
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: `jobs-${environmentName}-alarms` });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('subscribes the notification e-mail only where one is configured', () => {
    const { config, template } = synthesizePlatform(environmentName);
    const email = config.alarms.notificationEmail;
    if (email) template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email });
    else template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('has a jobs-<env> dashboard with duration and wait percentiles per job type', () => {
    const { template } = synthesizePlatform(environmentName);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    expect(dashboard.Properties.DashboardName).toBe(`jobs-${environmentName}`);
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const metricName of ['JobDuration', 'JobQueueWait']) {
      for (const stat of ['p50', 'p95', 'p99']) {
        expect(body).toContain(`SEARCH('{JobPlatform/${environmentName},JobType} MetricName=\\\\\\"${metricName}\\\\\\"', '${stat}', 60)`);
      }
    }
  });
});

describe('notification targets per environment', () => {
  it('subscribes the prod on-call e-mail and leaves dev without a subscription', () => {
    expect(synthesizePlatform('prod').config.alarms.notificationEmail).toBeDefined();
    synthesizePlatform('prod').template.resourceCountIs('AWS::SNS::Subscription', 1);
    synthesizePlatform('dev').template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
