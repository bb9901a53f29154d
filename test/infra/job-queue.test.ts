import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS_LIMIT } from '../../functions/jobs/domain/job-queue-settings.ts';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

function queueProperties(environmentName: string, queueName: string): Record<string, any> {
  const { template } = synthesizePlatform(environmentName);
  const [queue] = Object.values(template.findResources('AWS::SQS::Queue', { Properties: { QueueName: queueName } })) as any[];
  if (!queue) throw new Error(`no queue ${queueName}`);
  return queue.Properties;
}

describe.each(ENVIRONMENT_NAMES)('job queues in %s', (environmentName) => {
  beforeAll(() => synthesizePlatform(environmentName));

  const queueName = `jobs-${environmentName}-queue`;
  const deadLetterQueueName = `jobs-${environmentName}-dlq`;

  it('dead-letters only after more receives than the highest maxAttempts', () => {
    const { maxReceiveCount } = queueProperties(environmentName, queueName).RedrivePolicy;
    expect(maxReceiveCount).toBeGreaterThan(MAX_ATTEMPTS_LIMIT);
  });

  it('sets the visibility timeout to at least 6 times the worker timeout', () => {
    const { config } = synthesizePlatform(environmentName);
    expect(queueProperties(environmentName, queueName).VisibilityTimeout).toBeGreaterThanOrEqual(6 * config.worker.timeoutSeconds);
  });

  it('keeps job messages 14 days, the SQS maximum, as an expired message is deleted, not dead-lettered', () => {
    expect(queueProperties(environmentName, queueName).MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('keeps dead letters 14 days', () => {
    expect(queueProperties(environmentName, deadLetterQueueName).MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('lets the dead-letter queue be redriven back to the job queue', () => {
    const { RedriveAllowPolicy } = queueProperties(environmentName, deadLetterQueueName);
    expect(RedriveAllowPolicy.redrivePermission).toBe('byQueue');
    expect(JSON.stringify(RedriveAllowPolicy.sourceQueueArns)).toContain(`:${queueName}"`);
  });

  it('encrypts both queues and refuses requests without TLS', () => {
    const { template } = synthesizePlatform(environmentName);
    for (const name of [queueName, deadLetterQueueName]) {
      expect(queueProperties(environmentName, name).SqsManagedSseEnabled).toBe(true);
    }
    const denyInsecure = Match.objectLike({
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    expect(Object.keys(template.findResources('AWS::SQS::QueuePolicy', { Properties: denyInsecure }))).toHaveLength(2);
  });
});
