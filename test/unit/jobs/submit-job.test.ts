import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { errorResponse } from '../../../functions/api/http.ts';
import { UnavailableError } from '../../../functions/jobs/domain/errors.ts';
import { parseJobMessage } from '../../../functions/jobs/domain/job-message.ts';
import { JobQueue } from '../../../functions/jobs/adapters/job-queue.ts';
import { JobRepository } from '../../../functions/jobs/adapters/job-repository.ts';
import { decideDelivery } from '../../../functions/jobs/domain/lifecycle.ts';
import { submitJob, type SubmitDependencies } from '../../../functions/jobs/submit-job.ts';
import { FACTORY_NOW, FACTORY_OWNER } from '../../helpers/job-factory.ts';

// Fakes only for what a real server cannot do on demand: fail one call of a request.
// JobRepository wraps its client in DynamoDBDocumentClient.from(...), whose send() this replaces.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const ORPHAN_GRACE_MS = 120_000;

function dependencies(): SubmitDependencies {
  return {
    repository: new JobRepository(new DynamoDBClient(clientConfig), 'jobs-test'),
    queue: new JobQueue(new SQSClient(clientConfig), 'https://sqs.test/jobs', 'https://sqs.test/jobs-dlq'),
    retryDefaults: { maxAttempts: 3, baseSeconds: 2, capSeconds: 60 },
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

  it('answers 503 UNAVAILABLE and writes nothing when the message cannot be sent', async () => {
    // Prepare
    sqs.on(SendMessageCommand).rejects(sqsDown());

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } });

    // Assess
    const error = await submission.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({
      status: 503,
      code: 'UNAVAILABLE',
      message: 'Could not enqueue the job; nothing was accepted, retry later',
    });
    expect((error as Error).cause).toMatchObject({ name: 'ServiceUnavailable' });
    expect(documents.calls()).toHaveLength(0);
    expect(errorResponse(error, 'request-0').result.statusCode).toBe(503);
  });

  it('reads the idempotency key but writes neither job nor key when the message cannot be sent', async () => {
    // Prepare
    documents.on(GetCommand).resolves({});
    sqs.on(SendMessageCommand).rejects(sqsDown());

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } }, `key-${FACTORY_NOW}`);

    // Assess
    await expect(submission).rejects.toBeInstanceOf(UnavailableError);
    expect(documents.commandCalls(GetCommand)).toHaveLength(1);
    expect(documents.commandCalls(PutCommand)).toHaveLength(0);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 503 when the state write fails after the send, and the sent message is dropped as an orphan', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    documents.on(PutCommand).rejects(throttled());

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } });

    // Assess
    const error = await submission.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ message: 'Could not store the job; nothing was accepted, retry later' });
    expect(documents.commandCalls(PutCommand)).toHaveLength(1);
    const sent = sqs.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    const message = parseJobMessage(sent[0]?.args[0].input.MessageBody ?? '');
    const written = documents.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(message).toEqual({ jobId: written?.jobId, type: 'echo' });

    const delivery = (afterMs: number) =>
      decideDelivery(
        undefined,
        { sentAt: FACTORY_NOW, now: FACTORY_NOW + afterMs },
        { leaseMs: 15_000, orphanGraceMs: ORPHAN_GRACE_MS, retentionDays: 30 },
      );
    expect(delivery(1_000).action).toBe('wait');
    expect(delivery(ORPHAN_GRACE_MS)).toEqual({ action: 'drop', reason: 'no job record: its submission failed' });
  });

  it('answers 503 when the transactional write of job and idempotency key fails after the send', async () => {
    // Prepare
    documents.on(GetCommand).resolves({});
    documents.on(TransactWriteCommand).rejects(throttled());
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-2' });

    // Act
    const submission = submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 2 } }, `key-${FACTORY_NOW}-2`);

    // Assess
    await expect(submission).rejects.toBeInstanceOf(UnavailableError);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(1);
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
});

describe('submitJob when the state write times out after it landed', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
  });

  it('answers 202 with the stored job instead of a 503 that would invite a second job', async () => {
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

  it('answers 500 INTERNAL, not 503 Retry-After, when the queue denies the send', async () => {
    // Prepare
    sqs.on(SendMessageCommand).rejects(accessDenied());

    // Act
    const error = await submitJob(dependencies(), FACTORY_OWNER, { type: 'echo', payload: { n: 1 } }).catch((caught: unknown) => caught);

    // Assess
    const { result } = errorResponse(error, 'request-1');
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body).error).toMatchObject({ code: 'INTERNAL', requestId: 'request-1' });
    expect(result.body).not.toContain('not authorized');
    expect(documents.calls()).toHaveLength(0);
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
