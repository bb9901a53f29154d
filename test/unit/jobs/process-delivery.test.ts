import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { JobQueue } from '../../../functions/jobs/adapters/job-queue.ts';
import { JobRepository } from '../../../functions/jobs/adapters/job-repository.ts';
import { processDelivery, type WorkerDependencies } from '../../../functions/jobs/process-delivery.ts';
import { FACTORY_NOW, jobFactory } from '../../helpers/job-factory.ts';

// The clients are faked only to put the worker at the edge of its invocation's time.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

function dependencies(remainingMs: number): WorkerDependencies {
  return {
    repository: new JobRepository(new DynamoDBClient(clientConfig), 'jobs-test'),
    queue: new JobQueue(new SQSClient(clientConfig), 'https://sqs.test/jobs', 'https://sqs.test/jobs-dlq'),
    services: { sendEmail: async () => ({ messageId: 'x' }) },
    retryDefaults: { maxAttempts: 3, baseSeconds: 2, capSeconds: 60 },
    timings: { orphanGraceMs: 120_000, retentionDays: 30 },
    now: () => FACTORY_NOW,
    invocation: { timeoutMs: 60_000, remainingMs: () => remainingMs },
  };
}

describe('processDelivery near the end of its invocation', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
    const job = jobFactory({ type: 'sleep', payload: { ms: 10 }, status: 'queued' });
    documents.on(GetCommand).resolves({ Item: { ...job, pk: job.jobId, payloadJson: JSON.stringify(job.payload) } });
    documents.on(PutCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
  });

  const message = {
    messageId: 'm-1',
    receiptHandle: 'r-1',
    body: JSON.stringify({ jobId: jobFactory().jobId, type: 'sleep' }),
    sentAt: FACTORY_NOW - 1_000,
  };

  it('hands the message straight back, without claiming the job, when the attempt could not finish in time', async () => {
    // Act
    const outcome = await processDelivery(dependencies(10_000), message);

    // Assess
    expect(outcome).toMatchObject({ kind: 'waiting', reason: 'not enough time left in this invocation', keepMessage: true });
    expect(documents.commandCalls(PutCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({
      ReceiptHandle: 'r-1',
      VisibilityTimeout: 0,
    });
  });

  it('claims and runs the job when the invocation has time for a whole attempt', async () => {
    // Act
    const outcome = await processDelivery(dependencies(60_000), message);

    // Assess
    expect(outcome).toMatchObject({ kind: 'completed', keepMessage: false });
    expect(documents.commandCalls(PutCommand)).toHaveLength(2);
  });
});
