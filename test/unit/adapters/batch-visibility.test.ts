import { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { BatchVisibility } from '../../../functions/jobs/adapters/batch-visibility.ts';
import { JobQueue } from '../../../functions/jobs/adapters/job-queue.ts';

// Faked only for what fauxqs will not do on demand: refuse some entries of a batch, or a whole call.
const sqs = mockClient(SQSClient);
const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

function batchVisibility(): BatchVisibility {
  return new BatchVisibility(new JobQueue(new SQSClient(clientConfig), 'https://sqs.test/jobs', 'https://sqs.test/jobs-dlq'));
}

describe('the visibility changes of a batch', () => {
  beforeEach(() => sqs.reset());

  it('counts the changes SQS refused, entry by entry and for a whole failed call', async () => {
    // Prepare: 25 messages, so three calls; the first refuses one entry, the last fails outright
    const visibility = batchVisibility();
    for (let index = 0; index < 25; index += 1) await visibility.hideFor(`receipt-${index}`, index);
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input: { Entries: { Id: string; ReceiptHandle: string }[] }) => {
      const first = input.Entries[0]?.ReceiptHandle;
      if (first === 'receipt-20') throw new Error('throttled');
      if (first === 'receipt-0') return { Successful: [], Failed: [{ Id: '3', SenderFault: true, Code: 'ReceiptHandleIsInvalid' }] };
      return { Successful: input.Entries.map(({ Id }) => ({ Id })), Failed: [] };
    });

    // Act
    const notApplied = await visibility.flush();

    // Assess: 1 refused entry + the 5 entries of the failed call
    expect(notApplied).toBe(6);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(3);
  });

  it('sends one change per message, the last one recorded, and nothing once flushed', async () => {
    // Prepare
    const visibility = batchVisibility();
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    await visibility.hideFor('receipt-a', 1);
    await visibility.hideFor('receipt-a', 30);

    // Act
    await visibility.flush();
    const again = await visibility.flush();

    // Assess
    const calls = sqs.commandCalls(ChangeMessageVisibilityBatchCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.Entries).toEqual([{ Id: '0', ReceiptHandle: 'receipt-a', VisibilityTimeout: 30 }]);
    expect(again).toBe(0);
  });
});
