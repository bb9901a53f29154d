import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorResponse } from '../../../functions/api/http.ts';
import { UnavailableError } from '../../../functions/jobs/domain/errors.ts';
import { parseJobMessage } from '../../../functions/jobs/domain/job-message.ts';
import { JobQueue } from '../../../functions/jobs/adapters/job-queue.ts';
import { JobRepository } from '../../../functions/jobs/adapters/job-repository.ts';
import { submitJobs } from '../../../functions/jobs/submit-batch.ts';
import { submitJob, type SubmitDependencies } from '../../../functions/jobs/submit-job.ts';
import { FACTORY_NOW, FACTORY_OWNER } from '../../helpers/job-factory.ts';

// Fakes only for what a real server cannot do on demand: fail one call of a request.
// JobRepository wraps its client in DynamoDBDocumentClient.from(...), whose send() this replaces.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

function dependencies(): SubmitDependencies {
  return {
    repository: new JobRepository(new DynamoDBClient(clientConfig), 'jobs-test'),
    queue: new JobQueue(new SQSClient(clientConfig), 'https://sqs.test/jobs', 'https://sqs.test/jobs-dlq'),
    retryDefaults: { maxAttempts: 3, baseSeconds: 2, capSeconds: 60 },
    retentionDays: 30,
    now: () => FACTORY_NOW,
  };
}

const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'Rate of requests exceeds the allowed throughput',
    $metadata: { httpStatusCode: 400 },
  });

const sqsDown = () => Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });

describe('submitJob when a dependency fails', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
  });

  it('answers 503 UNAVAILABLE and sends nothing when the job cannot be stored', async () => {
    // Prepare
    documents.on(PutCommand).rejects(throttled());
    documents.on(GetCommand).resolves({});

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } });

    // Assess
    const error = await submission.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({
      status: 503,
      code: 'UNAVAILABLE',
      message: 'Could not store the job; nothing was accepted, retry later',
    });
    expect(sqs.calls()).toHaveLength(0);
    expect(errorResponse(error, 'request-0').result.statusCode).toBe(503);
  });

  it('answers 503 and deletes the stored job again when its message cannot be sent, so no job is left without one', async () => {
    // Prepare
    documents.on(PutCommand).resolves({});
    documents.on(BatchWriteCommand).resolves({});
    sqs.on(SendMessageCommand).rejects(sqsDown());

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } });

    // Assess
    const error = await submission.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: 'Could not enqueue the job; nothing was accepted, retry later' });
    expect((error as Error).cause).toMatchObject({ name: 'ServiceUnavailable' });
    const written = documents.commandCalls(PutCommand)[0]?.args[0].input.Item;
    const deleted = documents.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.['jobs-test'];
    expect(deleted).toEqual([{ DeleteRequest: { Key: { pk: written?.pk, sk: written?.sk } } }]);
  });

  it('releases the idempotency key with the job when the message cannot be sent, so a retry is a new submission', async () => {
    // Prepare
    documents.on(GetCommand).resolves({});
    documents.on(TransactWriteCommand).resolves({});
    documents.on(BatchWriteCommand).resolves({});
    sqs.on(SendMessageCommand).rejects(sqsDown());

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } }, `key-${FACTORY_NOW}`);

    // Assess
    await expect(submission).rejects.toBeInstanceOf(UnavailableError);
    const deleted = documents.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.['jobs-test'] ?? [];
    expect(deleted).toHaveLength(2);
    expect(deleted.map((request) => String(request.DeleteRequest?.Key?.pk))).toContainEqual(expect.stringMatching(/^i#/));
  });

  it('answers 503 and sends nothing when the transactional write of job and idempotency key fails', async () => {
    // Prepare
    documents.on(GetCommand).resolves({});
    documents.on(TransactWriteCommand).rejects(throttled());

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 2 } }, `key-${FACTORY_NOW}-2`);

    // Assess
    await expect(submission).rejects.toBeInstanceOf(UnavailableError);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 503 and sends nothing when the idempotency key cannot be read', async () => {
    // Prepare
    documents.on(GetCommand).rejects(throttled());

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 3 } }, `key-${FACTORY_NOW}-3`);

    // Assess
    await expect(submission).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Could not read the idempotency key; nothing was accepted, retry later',
    });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('sends a message that names the job, its caller and its attempts, so the worker can claim it (and its retries) without a read', async () => {
    // Prepare
    documents.on(PutCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    // Act
    const { job } = await submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 4 } });

    // Assess
    const message = parseJobMessage(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '');
    expect(message).toEqual({ jobId: job.jobId, owner: FACTORY_OWNER, type: 'echo', maxAttempts: job.maxAttempts });
  });
});

describe('submitJob when the state write times out after it landed', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
  });

  it('sends the message and answers 202 instead of a 503 that would invite a second job', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    let stored: Record<string, unknown> | undefined;
    documents.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
      stored = input.Item;
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
    });
    documents.on(GetCommand).callsFake(() => ({ Item: stored }));

    // Act
    const result = await submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } });

    // Assess
    expect(result.created).toBe(true);
    expect(result.job).toMatchObject({ type: 'echo', status: 'queued', payload: { n: 1 }, owner: FACTORY_OWNER });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });
});

describe('submitJob when a dependency refuses the call for good', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
  });

  const accessDenied = () =>
    Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/api is not authorized to perform: sqs:sendmessage'), {
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });

  it('answers 500 INTERNAL, not 503 Retry-After, when the queue denies the send, and takes the stored job back', async () => {
    // Prepare
    documents.on(PutCommand).resolves({});
    documents.on(BatchWriteCommand).resolves({});
    sqs.on(SendMessageCommand).rejects(accessDenied());

    // Act
    const error = await submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } }).catch((caught: unknown) => caught);

    // Assess
    const { result } = errorResponse(error, 'request-1');
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body).error).toMatchObject({ code: 'INTERNAL', requestId: 'request-1' });
    expect(result.body).not.toContain('not authorized');
    expect(documents.commandCalls(BatchWriteCommand)[0]?.args[0].input.RequestItems?.['jobs-test']).toHaveLength(1);
  });

  it('answers 500 INTERNAL, not 503, when the table rejects the write with a ValidationException', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-3' });
    documents.on(PutCommand).rejects(
      Object.assign(new Error('One or more parameter values were invalid'), {
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    documents.on(GetCommand).resolves({});

    // Act
    const error = await submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 2 } }).catch((caught: unknown) => caught);

    // Assess
    expect(errorResponse(error, 'request-2').result.statusCode).toBe(500);
  });
});

describe('submitJobs (POST /jobs/batch) when the table fails the batch write', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
  });

  const batch = {
    jobs: [
      { type: 'echo', payload: { n: 0 } },
      { type: 'echo', payload: { n: 1 } },
    ],
  };

  it('answers 500 INTERNAL in every slot, not 503 to retry, when the write is denied for good, and sends nothing', async () => {
    // Prepare
    documents.on(BatchWriteCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: dynamodb:BatchWriteItem'), {
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const outcomes = await submitJobs(dependencies(), FACTORY_OWNER, batch);

    // Assess
    expect(outcomes.map(({ status, error }) => [status, error?.code])).toEqual([
      [500, 'INTERNAL'],
      [500, 'INTERNAL'],
    ]);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('answers 503 UNAVAILABLE in every slot when the write is throttled, and sends nothing', async () => {
    // Prepare
    documents.on(BatchWriteCommand).rejects(throttled());

    // Act
    const outcomes = await submitJobs(dependencies(), FACTORY_OWNER, batch);

    // Assess
    expect(outcomes.map(({ status, error }) => [status, error?.code])).toEqual([
      [503, 'UNAVAILABLE'],
      [503, 'UNAVAILABLE'],
    ]);
    expect(sqs.calls()).toHaveLength(0);
  });
});
