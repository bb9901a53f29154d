import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { jobKey } from '../../../functions/jobs/adapters/job-keys.ts';
import { JobQueue } from '../../../functions/jobs/adapters/job-queue.ts';
import { JobRepository } from '../../../functions/jobs/adapters/job-repository.ts';
import type { Job } from '../../../functions/jobs/domain/job.ts';
import { processDelivery, type ReceivedMessage, type WorkerDependencies } from '../../../functions/jobs/process-delivery.ts';
import { FACTORY_NOW, jobFactory } from '../../helpers/job-factory.ts';

// The clients are faked only for what real servers cannot do on demand: an invocation near its
// end, and a table that throttles one write for longer than the worker retries it.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const clientConfig = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

function dependencies(remainingMs: number): WorkerDependencies {
  return {
    repository: new JobRepository(new DynamoDBClient(clientConfig), 'jobs-test'),
    queue: new JobQueue(new SQSClient(clientConfig), 'https://sqs.test/jobs', 'https://sqs.test/jobs-dlq'),
    services: { sendEmail: async () => ({ messageId: 'x' }) },
    retryDefaults: { maxAttempts: 3, baseSeconds: 2, capSeconds: 60 },
    timings: { retentionDays: 30 },
    now: () => FACTORY_NOW,
    invocation: { timeoutMs: 60_000, remainingMs: () => remainingMs },
    outcomeWritePausesMs: [1, 1],
  };
}

/** The job as the table stores it (the document client's view of the item). */
function storedItem(job: Job): Record<string, unknown> {
  const { jobId: _jobId, payload, ...rest } = job;
  return { ...rest, ...jobKey(job), payloadJson: JSON.stringify(payload) };
}

function messageOf(job: Job, overrides: Partial<ReceivedMessage> = {}): ReceivedMessage {
  return {
    messageId: 'm-1',
    receiptHandle: 'r-1',
    body: JSON.stringify({ jobId: job.jobId, owner: job.owner, type: job.type }),
    sentAt: FACTORY_NOW - 1_000,
    receiveCount: 1,
    ...overrides,
  };
}

const claimed = (job: Job): Job => ({ ...job, status: 'running', attempts: job.attempts + 1, version: job.version + 1 });

describe('processDelivery', () => {
  beforeEach(() => {
    documents.reset();
    sqs.reset();
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
  });

  it('hands the message straight back, without claiming the job, when the attempt could not finish in time', async () => {
    // Prepare
    const job = jobFactory({ type: 'sleep', payload: { ms: 10 } });

    // Act
    const outcome = await processDelivery(dependencies(10_000), messageOf(job));

    // Assess
    expect(outcome).toMatchObject({ kind: 'waiting', reason: 'not enough time left in this invocation', keepMessage: true });
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({
      ReceiptHandle: 'r-1',
      VisibilityTimeout: 0,
    });
  });

  it('claims a first delivery in one conditional write with no read before it, then records the outcome', async () => {
    // Prepare
    const job = jobFactory({ type: 'sleep', payload: { ms: 10 } });
    documents
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: storedItem(claimed(job)) })
      .resolves({});

    // Act
    const outcome = await processDelivery(dependencies(60_000), messageOf(job));

    // Assess
    expect(outcome).toMatchObject({ kind: 'completed', keepMessage: false });
    expect(documents.commandCalls(GetCommand)).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(documents.commandCalls(UpdateCommand)[0]?.args[0].input.ConditionExpression).toContain('#nextAttemptAt <= :now');
  });

  it('claims a retry that is due in one write with no read, when its message names more attempts than it has been received', async () => {
    // Prepare: attempt 1 failed and its backoff is over
    const job = jobFactory({
      type: 'sleep',
      payload: { ms: 10 },
      status: 'retrying',
      attempts: 1,
      nextAttemptAt: new Date(FACTORY_NOW - 1).toISOString(),
    });
    documents
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: storedItem(claimed(job)) })
      .resolves({});
    const body = JSON.stringify({ jobId: job.jobId, owner: job.owner, type: job.type, maxAttempts: 3 });

    // Act
    const outcome = await processDelivery(dependencies(60_000), messageOf(job, { body, receiveCount: 2 }));

    // Assess
    expect(outcome).toMatchObject({ kind: 'completed', job: { attempts: 2 }, keepMessage: false });
    expect(documents.commandCalls(GetCommand)).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(2);
  });

  it("reads a failed job's message received more often than its attempts, and hands it on to the DLQ without a write", async () => {
    // Prepare: the job failed for good; SQS is counting the message's receives up to the DLQ
    const job = jobFactory({ status: 'failed', attempts: 3, failedAt: FACTORY_NOW - 500 });
    documents.on(GetCommand).resolves({ Item: storedItem(job) });
    const body = JSON.stringify({ jobId: job.jobId, owner: job.owner, type: job.type, maxAttempts: 3 });

    // Act
    const outcome = await processDelivery(dependencies(60_000), messageOf(job, { body, receiveCount: 4 }));

    // Assess
    expect(outcome).toMatchObject({ kind: 'deadLettering', keepMessage: true });
    expect(documents.commandCalls(GetCommand)).toHaveLength(1);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input).toMatchObject({ VisibilityTimeout: 0 });
  });

  it.each([
    ['not JSON', 'not json at all'],
    ['without a jobId', JSON.stringify({ type: 'echo', owner: 'x' })],
    ['not an object', JSON.stringify(['a', 'b'])],
  ])('moves a malformed message body (%s) to the DLQ at once, touching no job', async (_, body) => {
    // Act
    const outcome = await processDelivery(dependencies(60_000), { ...messageOf(jobFactory()), body });

    // Assess
    expect(outcome).toMatchObject({ kind: 'malformed', keepMessage: false });
    const sent = sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent).toEqual([expect.objectContaining({ QueueUrl: 'https://sqs.test/jobs-dlq', MessageBody: body })]);
    expect(documents.calls()).toHaveLength(0);
  });

  it('drops a stray queue message of a long-running (fargate) job without touching the job', async () => {
    // Prepare
    const job = jobFactory({ type: 'report', payload: { rows: 10, chunkSize: 5 }, status: 'running' });

    // Act
    const outcome = await processDelivery(dependencies(60_000), messageOf(job));

    // Assess
    expect(outcome).toMatchObject({ kind: 'dropped', keepMessage: false });
    expect(documents.calls()).toHaveLength(0);
  });

  it('never turns a successful attempt into a failure when its completion write is throttled: the outcome goes on as a message', async () => {
    // Prepare: maxAttempts 1, so a lost attempt would fail the job for good
    const job = jobFactory({ maxAttempts: 1 });
    documents
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: storedItem(claimed(job)) })
      .rejects(new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} }));

    // Act
    const outcome = await processDelivery(dependencies(60_000), messageOf(job));

    // Assess
    expect(outcome).toMatchObject({ kind: 'outcomeDeferred', keepMessage: false, job: { status: 'completed' } });
    const carried = JSON.parse(String(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody)) as Record<string, unknown>;
    expect(carried).toMatchObject({
      jobId: job.jobId,
      owner: job.owner,
      outcome: { kind: 'completed', attempt: 1, run: 1, result: job.payload },
    });
  });

  it('takes a completion write that timed out on our side but landed for a completion, not a lost race', async () => {
    // Prepare: the write lands, its answer is lost; the retry then meets the completed job
    const job = jobFactory({ maxAttempts: 1 });
    const completed = { ...claimed(job), status: 'completed' as const, version: job.version + 2, result: job.payload };
    documents
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: storedItem(claimed(job)) })
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} }))
      .rejects(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: marshall({ ...storedItem(completed), resultJson: JSON.stringify(job.payload) }, { removeUndefinedValues: true }),
        }),
      );

    // Act
    const outcome = await processDelivery(dependencies(60_000), messageOf(job));

    // Assess
    expect(outcome).toMatchObject({ kind: 'completed', keepMessage: false });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('writes a carried outcome when the job is still running the attempt it names', async () => {
    // Prepare
    const running = { ...claimed(jobFactory({ maxAttempts: 1 })), leaseUntil: FACTORY_NOW + 30_000 };
    documents.on(GetCommand).resolves({ Item: storedItem(running) });
    documents.on(UpdateCommand).resolves({});
    const body = JSON.stringify({
      jobId: running.jobId,
      owner: running.owner,
      type: running.type,
      outcome: { kind: 'completed', attempt: 1, run: 1, finishedAt: FACTORY_NOW, result: { ok: true } },
    });

    // Act
    const outcome = await processDelivery(dependencies(60_000), { ...messageOf(running), body });

    // Assess
    expect(outcome).toMatchObject({ kind: 'completed', job: { status: 'completed', result: { ok: true }, attempts: 1 } });
  });
});
