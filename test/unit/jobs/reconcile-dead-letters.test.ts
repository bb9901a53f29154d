import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterQueue } from '../../../functions/jobs/adapters/dead-letter-queue.ts';
import { jobKey } from '../../../functions/jobs/adapters/job-keys.ts';
import { JobRepository } from '../../../functions/jobs/adapters/job-repository.ts';
import type { Job } from '../../../functions/jobs/domain/job.ts';
import { reconcileDeadLetters } from '../../../functions/jobs/reconcile-dead-letters.ts';
import { FACTORY_NOW, jobFactory } from '../../helpers/job-factory.ts';

// Faked only for what a real server cannot do on demand: throttle the read of one job.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

function storedItem(job: Job): Record<string, unknown> {
  const { jobId: _jobId, payload, ...rest } = job;
  return { ...rest, ...jobKey(job), payloadJson: JSON.stringify(payload) };
}

const letterOf = (job: Job, index: number) => ({
  MessageId: `m-${index}`,
  ReceiptHandle: `r-${index}`,
  Body: JSON.stringify({ jobId: job.jobId, owner: job.owner, type: job.type }),
  Attributes: { SentTimestamp: String(FACTORY_NOW - 60_000), ApproximateReceiveCount: '15' },
});

describe('reconcileDeadLetters', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
  });

  it('logs a letter it cannot handle and goes on with the letters after it, instead of ending the run', async () => {
    // Prepare: three jobs SQS dead-lettered while they looked alive; reading the first is throttled
    const jobs = [0, 1, 2].map(() => jobFactory({ status: 'retrying', attempts: 2 }));
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: jobs.map(letterOf) })
      .resolves({ Messages: [] });
    documents
      .on(GetCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }))
      .callsFake((input: { Key: { sk: string } }) => ({ Item: storedItem(jobs.find((job) => job.jobId === input.Key.sk) as Job) }));
    documents.on(UpdateCommand).resolves({});

    // Act
    const report = await reconcileDeadLetters({
      repository: new JobRepository(new DynamoDBClient(clientConfig), 'jobs-test'),
      deadLetterQueue: new DeadLetterQueue(new SQSClient(clientConfig), 'https://sqs.test/dlq', 'https://sqs.test/jobs'),
      retentionDays: 30,
      maxMessages: 100,
      now: () => FACTORY_NOW,
    });

    // Assess
    expect(report.examined).toBe(3);
    expect(report.errors.map((error) => error.jobId)).toEqual([jobs[0]?.jobId]);
    expect(report.reconciled.map((job) => [job.jobId, job.status])).toEqual([
      [jobs[1]?.jobId, 'failed'],
      [jobs[2]?.jobId, 'failed'],
    ]);
  });
});
