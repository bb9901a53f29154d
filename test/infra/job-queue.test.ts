import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS_LIMIT } from '../../functions/jobs/domain/job-queue-settings.ts';
import { JOB_PRIORITIES, priorityConcurrency } from '../../functions/jobs/domain/priority.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

function queueResource(environmentName: string, queueName: string): [string, Record<string, any>] {
  const { template } = synthesizePlatform(environmentName);
  const [entry] = Object.entries(template.findResources('AWS::SQS::Queue', { Properties: { QueueName: queueName } })) as [string, any][];
  if (!entry) throw new Error(`no queue ${queueName}`);
  return [entry[0], entry[1].Properties];
}

const queueProperties = (environmentName: string, queueName: string) => queueResource(environmentName, queueName)[1];

describe.each(ENVIRONMENT_NAMES)('job queues in %s', (environmentName) => {
  beforeAll(() => synthesizePlatform(environmentName));

  const names = resourceNames(environmentName);
  const queueNames = JOB_PRIORITIES.map((priority) => names.priorityQueues[priority]);
  const deadLetterQueueName = names.deadLetterQueue;

  it('has one queue per priority level, high, normal and low, all dead-lettering into the one DLQ', () => {
    expect(queueNames).toEqual([
      `jobs-${environmentName}-queue-high`,
      `jobs-${environmentName}-queue`,
      `jobs-${environmentName}-queue-low`,
    ]);
    const [deadLetterId] = queueResource(environmentName, deadLetterQueueName);
    for (const name of queueNames) {
      expect(queueProperties(environmentName, name).RedrivePolicy.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': [deadLetterId, 'Arn'] });
    }
  });

  it('dead-letters only after more receives than the highest maxAttempts', () => {
    for (const name of queueNames) {
      expect(queueProperties(environmentName, name).RedrivePolicy.maxReceiveCount).toBeGreaterThan(MAX_ATTEMPTS_LIMIT);
    }
  });

  it('sets the visibility timeout to at least 6 times the worker timeout', () => {
    const { config } = synthesizePlatform(environmentName);
    for (const name of queueNames) {
      expect(queueProperties(environmentName, name).VisibilityTimeout).toBeGreaterThanOrEqual(6 * config.worker.timeoutSeconds);
    }
  });

  it('keeps job messages 14 days, the SQS maximum, as an expired message is deleted, not dead-lettered', () => {
    for (const name of queueNames) expect(queueProperties(environmentName, name).MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('keeps dead letters 14 days', () => {
    expect(queueProperties(environmentName, deadLetterQueueName).MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('lets the dead-letter queue be redriven back to each job queue, and only to those', () => {
    const { RedriveAllowPolicy } = queueProperties(environmentName, deadLetterQueueName);
    expect(RedriveAllowPolicy.redrivePermission).toBe('byQueue');
    expect(RedriveAllowPolicy.sourceQueueArns).toHaveLength(4);
    for (const name of queueNames) expect(JSON.stringify(RedriveAllowPolicy.sourceQueueArns)).toContain(`:${name}"`);
  });

  it('feeds the worker from every level through its own mapping, higher levels with more concurrency', () => {
    const { template, config } = synthesizePlatform(environmentName);
    const expected = priorityConcurrency(config.worker.maxConcurrency);
    expect(expected.high).toBeGreaterThan(expected.normal);
    expect(expected.normal).toBeGreaterThanOrEqual(expected.low);
    for (const priority of JOB_PRIORITIES) {
      const [queueId] = queueResource(environmentName, names.priorityQueues[priority]);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        FunctionName: { Ref: Match.stringLikeRegexp('^WorkerFunction') },
        ScalingConfig: { MaximumConcurrency: expected[priority] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: config.worker.batchSize,
      });
    }
    expect(
      Object.keys(
        template.findResources('AWS::Lambda::EventSourceMapping', {
          Properties: {
            EventSourceArn: Match.anyValue(),
            ScalingConfig: Match.anyValue(),
            FunctionName: { Ref: Match.stringLikeRegexp('^WorkerFunction') },
          },
        }),
      ),
    ).toHaveLength(4);
  });

  it('gives each type with a maxConcurrency limit a queue into the same DLQ, and a mapping of one record at a time with that concurrency', () => {
    const { template } = synthesizePlatform(environmentName);
    const [queueId, queue] = queueResource(environmentName, `jobs-${environmentName}-queue-type-serial`);
    expect(queue.RedrivePolicy.deadLetterTargetArn).toEqual({
      'Fn::GetAtt': [queueResource(environmentName, deadLetterQueueName)[0], 'Arn'],
    });
    expect(JSON.stringify(queueProperties(environmentName, deadLetterQueueName).RedriveAllowPolicy.sourceQueueArns)).toContain(
      `:jobs-${environmentName}-queue-type-serial"`,
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^WorkerFunction') },
      ScalingConfig: { MaximumConcurrency: 2 },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('encrypts every queue and refuses requests without TLS', () => {
    const { template } = synthesizePlatform(environmentName);
    for (const name of [...queueNames, deadLetterQueueName]) {
      expect(queueProperties(environmentName, name).SqsManagedSseEnabled).toBe(true);
    }
    const denyInsecure = Match.objectLike({
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    // The priority and type queues, their shared DLQ, the schedules' DLQ, and the webhook deliveries' queue and DLQ.
    expect(Object.keys(template.findResources('AWS::SQS::QueuePolicy', { Properties: denyInsecure }))).toHaveLength(8);
  });
});
