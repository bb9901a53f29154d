import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { ApiClient } from './support/api-client.ts';

const shared = inject('platform');

describe('the local SQS counters after a peek with VisibilityTimeout=0', () => {
  let platform: LocalPlatform;
  let sqs: SQSClient;

  beforeAll(async () => {
    // A platform of its own (its own queues on the shared servers), so no other test's letters count.
    platform = await startLocalPlatform({
      environment: localEnvironment({ name: `peek${Date.now() % 100_000}` }),
      endpoints: shared.endpoints,
      longJobs: false,
      reconcileIntervalSeconds: 3600,
    });
    sqs = new SQSClient(localClientConfig(shared.endpoints.sqs));
  });

  afterAll(async () => {
    sqs.destroy();
    await platform.stop();
  });

  it('reports the peeked dead letter in the /stats DLQ depth, as SQS does', async () => {
    // Prepare
    await sqs.send(new SendMessageCommand({ QueueUrl: platform.deadLetterQueueUrl, MessageBody: JSON.stringify({ jobId: 'peeked' }) }));

    // Act: the reconciler's way of reading dead letters without hiding them.
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: platform.deadLetterQueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    const stats = await new ApiClient(platform.apiUrl).request<{ deadLettered: number }>('GET', '/stats');

    // Assess
    expect(Messages).toHaveLength(1);
    expect(stats.body.deadLettered).toBe(1);
  });
});
