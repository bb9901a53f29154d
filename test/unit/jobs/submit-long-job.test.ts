import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { JobQueue } from '../../../functions/jobs/adapters/job-queue.ts';
import { JobRepository } from '../../../functions/jobs/adapters/job-repository.ts';
import type { LongJobLauncher } from '../../../functions/jobs/adapters/long-job-launcher.ts';
import { submitJob, type SubmitDependencies } from '../../../functions/jobs/submit-job.ts';
import { FACTORY_NOW, FACTORY_OWNER } from '../../helpers/job-factory.ts';

// Fakes of the table and queue clients: these tests are about which of them a submission uses, and in what order.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const report = { type: 'report', payload: { rows: 10_000, chunkSize: 1_000 } };

/** A launcher that records what it started, and when relative to the table writes. */
function recordingLauncher(events: string[], fail = false): LongJobLauncher {
  return {
    start: async (job, delaySeconds) => {
      if (fail)
        throw Object.assign(new Error('Step Functions is unavailable'), {
          name: 'ServiceUnavailable',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
        });
      events.push(`start ${job.jobId} delay=${delaySeconds}`);
    },
  };
}

function dependencies(longJobs?: LongJobLauncher): SubmitDependencies {
  return {
    repository: new JobRepository(new DynamoDBClient(clientConfig), 'jobs-test'),
    queue: new JobQueue(new SQSClient(clientConfig), 'https://sqs.test/jobs', 'https://sqs.test/jobs-dlq'),
    retryDefaults: { maxAttempts: 3, baseSeconds: 2, capSeconds: 60 },
    retentionDays: 30,
    now: () => FACTORY_NOW,
    newJobId: () => 'job-1',
    ...(longJobs === undefined ? {} : { longJobs }),
  };
}

describe('submitJob for a long-running (fargate) type', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
  });

  it('writes the record, then starts the execution named after the job, and sends no queue message', async () => {
    // Prepare
    const events: string[] = [];
    documents.on(PutCommand).callsFake(() => {
      events.push('write job-1');
      return {};
    });

    // Act
    const { job, created } = await submitJob(dependencies(recordingLauncher(events)), FACTORY_OWNER, { ...report, delaySeconds: 5 });

    // Assess
    expect(created).toBe(true);
    expect(job).toMatchObject({ jobId: 'job-1', type: 'report', status: 'queued' });
    expect(events).toEqual(['write job-1', 'start job-1 delay=5']);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('answers 400 UNKNOWN_JOB_TYPE and writes nothing where the environment has no long-job stack', async () => {
    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, report);

    // Assess
    await expect(submission).rejects.toMatchObject({
      status: 400,
      code: 'UNKNOWN_JOB_TYPE',
      message: expect.stringContaining('long-job path'),
    });
    expect(documents.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 503 UNAVAILABLE and deletes the record again when the execution cannot be started', async () => {
    // Prepare
    documents.on(PutCommand).resolves({});
    documents.on(BatchWriteCommand).resolves({});

    // Act
    const submission = submitJob(dependencies(recordingLauncher([], true)), FACTORY_OWNER, report);

    // Assess
    await expect(submission).rejects.toMatchObject({
      status: 503,
      code: 'UNAVAILABLE',
      message: 'Could not enqueue the job; nothing was accepted, retry later',
    });
    const deleted = documents.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.['jobs-test'];
    expect(deleted).toEqual([{ DeleteRequest: { Key: expect.objectContaining({ sk: 'job-1' }) } }]);
  });

  it('still queues lambda types when a launcher is present', async () => {
    // Prepare
    const events: string[] = [];
    documents.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    // Act
    await submitJob(dependencies(recordingLauncher(events)), FACTORY_OWNER, { type: 'echo', payload: {} });

    // Assess
    expect(events).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });
});
