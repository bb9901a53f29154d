import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type ListMessageMoveTasksResultEntry,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClientConfig } from '../../local/services/local-aws.ts';
import { eventually } from './support/api-client.ts';

const shared = inject('platform');

interface LocalQueue {
  readonly url: string;
  readonly arn: string;
}

/**
 * The message move tasks ("Start DLQ redrive") of the local SQS server, through the real SDK and
 * the AWS CLI, on queues of each test's own next to the shared platform's.
 */
describe('message move tasks on the local SQS server', () => {
  const sqs = new SQSClient(localClientConfig(shared.endpoints.sqs));

  afterAll(() => sqs.destroy());

  async function createQueue(attributes: Record<string, string> = {}): Promise<LocalQueue> {
    const { QueueUrl: url = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `move-${randomUUID()}`, Attributes: attributes }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return { url, arn: Attributes?.QueueArn ?? '' };
  }

  /** A source queue that gives a message up to its DLQ on the second receive. */
  async function queueWithDeadLetterQueue(): Promise<{ source: LocalQueue; deadLetterQueue: LocalQueue }> {
    const deadLetterQueue = await createQueue();
    const source = await createQueue({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: 1 }) });
    return { source, deadLetterQueue };
  }

  async function visibleMessages(queue: LocalQueue): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages);
  }

  /** Sends `count` messages to `source` and receives each twice, so SQS dead-letters them all. */
  async function deadLetter(source: LocalQueue, count: number): Promise<string[]> {
    const bodies = Array.from({ length: count }, (_, index) => `message ${index} ${randomUUID()}`);
    for (let start = 0; start < count; start += 10) {
      const entries = bodies.slice(start, start + 10).map((body, index) => ({
        Id: String(index),
        MessageBody: body,
        MessageAttributes: { origin: { DataType: 'String', StringValue: body } },
      }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: source.url, Entries: entries }));
    }
    await eventually(`${count} dead letters`, async () => {
      await sqs.send(new ReceiveMessageCommand({ QueueUrl: source.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
      return (await visibleMessages(source)) === 0 ? true : undefined;
    });
    return bodies;
  }

  /** Receives every message now in `queue`, hiding each for a minute. */
  async function receiveAll(queue: LocalQueue, count: number): Promise<Message[]> {
    const received: Message[] = [];
    await eventually(`${count} messages in ${queue.url}`, async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      received.push(...Messages);
      return received.length >= count ? true : undefined;
    });
    return received;
  }

  async function latestTask(sourceArn: string): Promise<ListMessageMoveTasksResultEntry | undefined> {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn }));
    return Results[0];
  }

  async function finishedTask(sourceArn: string, status: 'COMPLETED' | 'CANCELLED'): Promise<ListMessageMoveTasksResultEntry> {
    return eventually(`a ${status} move task`, async () => {
      const task = await latestTask(sourceArn);
      return task?.Status === status ? task : undefined;
    });
  }

  async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
    const error = (await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    )) as { name: string; message: string; $metadata?: { httpStatusCode?: number } } | undefined;
    expect(error, 'the call should have failed').toBeDefined();
    return { name: error?.name ?? '', message: error?.message ?? '', status: error?.$metadata?.httpStatusCode };
  }

  it('moves dead letters back to their source queue as new messages with the same bodies and attributes, and lists the task COMPLETED', async () => {
    // Prepare
    const queues = await queueWithDeadLetterQueue();
    const bodies = await deadLetter(queues.source, 3);
    const deadLetters = await receiveAll(queues.deadLetterQueue, 3);
    const entries = deadLetters.map(({ ReceiptHandle }, index) => ({ Id: String(index), ReceiptHandle, VisibilityTimeout: 0 }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queues.deadLetterQueue.url, Entries: entries }));
    const startedAt = Date.now();

    // Act
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.deadLetterQueue.arn }));
    const task = await finishedTask(queues.deadLetterQueue.arn, 'COMPLETED');
    const moved = await receiveAll(queues.source, 3);

    // Assess
    expect(TaskHandle).toEqual(expect.any(String));
    expect(task).toEqual({
      Status: 'COMPLETED',
      SourceArn: queues.deadLetterQueue.arn,
      ApproximateNumberOfMessagesMoved: 3,
      ApproximateNumberOfMessagesToMove: 3,
      StartedTimestamp: expect.any(Number),
    });
    expect(moved.map(({ Body }) => Body).sort()).toEqual([...bodies].sort());
    for (const message of moved) {
      expect(deadLetters.map(({ MessageId }) => MessageId)).not.toContain(message.MessageId);
      expect(message.MessageAttributes).toEqual({ origin: { DataType: 'String', StringValue: message.Body } });
      expect(message.Attributes?.ApproximateReceiveCount).toBe('1');
      expect(Number(message.Attributes?.SentTimestamp)).toBeGreaterThanOrEqual(startedAt);
    }
    expect(await visibleMessages(queues.deadLetterQueue)).toBe(0);
  });

  it('sends each dead letter back to the queue it was dead-lettered from when two queues share the DLQ', async () => {
    // Prepare
    const { source, deadLetterQueue } = await queueWithDeadLetterQueue();
    const otherSource = await createQueue({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount: 1 }),
    });
    const bodies = await deadLetter(source, 2);
    const otherBodies = await deadLetter(otherSource, 3);

    // Act
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: deadLetterQueue.arn }));
    await finishedTask(deadLetterQueue.arn, 'COMPLETED');

    // Assess
    expect((await receiveAll(source, 2)).map(({ Body }) => Body).sort()).toEqual([...bodies].sort());
    expect((await receiveAll(otherSource, 3)).map(({ Body }) => Body).sort()).toEqual([...otherBodies].sort());
  });

  it('refuses a source queue that is not a DLQ with InvalidParameterValue, and unknown queues with ResourceNotFoundException', async () => {
    // Prepare
    const plain = await createQueue();
    const { deadLetterQueue } = await queueWithDeadLetterQueue();
    const missingArn = `${plain.arn}-gone`;

    // Act
    const notADeadLetterQueue = await errorOf(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: plain.arn })));
    const unknownSource = await errorOf(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: missingArn })));
    const unknownDestination = await errorOf(
      sqs.send(new StartMessageMoveTaskCommand({ SourceArn: deadLetterQueue.arn, DestinationArn: missingArn })),
    );
    const unknownListing = await errorOf(sqs.send(new ListMessageMoveTasksCommand({ SourceArn: missingArn })));

    // Assess
    expect(notADeadLetterQueue).toEqual({
      name: 'InvalidParameterValue',
      message: 'Source queue must be configured as a Dead Letter Queue.',
      status: 400,
    });
    expect(unknownSource).toEqual({
      name: 'ResourceNotFoundException',
      message: "The resource that you specified for the SourceArn parameter doesn't exist.",
      status: 404,
    });
    expect(unknownDestination.message).toBe("The resource that you specified for the DestinationArn parameter doesn't exist.");
    expect(unknownListing.name).toBe('ResourceNotFoundException');
  });

  it('allows one active task per source queue, cancels a running one, and refuses to cancel it again', async () => {
    // Prepare
    const queues = await queueWithDeadLetterQueue();
    await deadLetter(queues.source, 20);
    const { TaskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: queues.deadLetterQueue.arn, MaxNumberOfMessagesPerSecond: 1 }),
    );

    // Act
    const second = await errorOf(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.deadLetterQueue.arn })));
    const running = await latestTask(queues.deadLetterQueue.arn);
    const cancelled = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
    const afterCancel = await finishedTask(queues.deadLetterQueue.arn, 'CANCELLED');
    const cancelledAgain = await errorOf(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle })));
    const invalidHandle = await errorOf(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'not-a-task-handle' })));

    // Assess
    expect(second).toEqual({
      name: 'InvalidParameterValue',
      message: 'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
      status: 400,
    });
    expect(running).toMatchObject({
      TaskHandle,
      Status: 'RUNNING',
      MaxNumberOfMessagesPerSecond: 1,
      ApproximateNumberOfMessagesToMove: 20,
    });
    expect(cancelled.ApproximateNumberOfMessagesMoved).toBeLessThan(20);
    expect(afterCancel.TaskHandle).toBeUndefined();
    expect(afterCancel.ApproximateNumberOfMessagesMoved).toBeLessThan(20);
    expect(await visibleMessages(queues.deadLetterQueue)).toBe(20 - (afterCancel.ApproximateNumberOfMessagesMoved ?? 0));
    expect(cancelledAgain).toEqual({ name: 'ResourceNotFoundException', message: 'Task does not exist.', status: 404 });
    expect(invalidHandle).toMatchObject({ name: 'InvalidParameterValue', message: 'Value for parameter TaskHandle is invalid.' });
    // The cancelled task is no longer active: the next one may start.
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.deadLetterQueue.arn }));
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: queues.deadLetterQueue.arn, MaxResults: 10 }));
    expect(Results.map(({ Status }) => Status)).toEqual([expect.stringMatching(/^(RUNNING|COMPLETED)$/), 'CANCELLED']);
  });

  it('moves no faster than MaxNumberOfMessagesPerSecond, to the DestinationArn given', async () => {
    // Prepare
    const queues = await queueWithDeadLetterQueue();
    const destination = await createQueue();
    const bodies = await deadLetter(queues.source, 20);
    const startedAt = Date.now();

    // Act
    await sqs.send(
      new StartMessageMoveTaskCommand({
        SourceArn: queues.deadLetterQueue.arn,
        DestinationArn: destination.arn,
        MaxNumberOfMessagesPerSecond: 10,
      }),
    );
    const task = await finishedTask(queues.deadLetterQueue.arn, 'COMPLETED');
    const elapsedMs = Date.now() - startedAt;

    // Assess: message n leaves n / 10 s after the start at the earliest, so the 20th after 1.9 s.
    expect(elapsedMs).toBeGreaterThanOrEqual(1_900);
    expect(task).toMatchObject({ DestinationArn: destination.arn, MaxNumberOfMessagesPerSecond: 10, ApproximateNumberOfMessagesMoved: 20 });
    expect((await receiveAll(destination, 20)).map(({ Body }) => Body).sort()).toEqual([...bodies].sort());
    expect(await visibleMessages(queues.source)).toBe(0);
  });

  it('serves start-message-move-task and list-message-move-tasks to the AWS CLI', async () => {
    // Prepare
    const queues = await queueWithDeadLetterQueue();
    await deadLetter(queues.source, 2);
    const aws = (...args: string[]) =>
      promisify(execFile)('aws', ['sqs', ...args, '--endpoint-url', shared.endpoints.sqs, '--output', 'json'], {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
          AWS_DEFAULT_REGION: LOCAL_REGION,
          AWS_PAGER: '',
        },
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw new Error("This test drives the AWS CLI: 'aws' is not on the PATH (pip install awscli)");
        throw error;
      });

    // Act
    const started = JSON.parse((await aws('start-message-move-task', '--source-arn', queues.deadLetterQueue.arn)).stdout) as {
      TaskHandle: string;
    };
    await finishedTask(queues.deadLetterQueue.arn, 'COMPLETED');
    const listed = JSON.parse((await aws('list-message-move-tasks', '--source-arn', queues.deadLetterQueue.arn)).stdout) as {
      Results: ListMessageMoveTasksResultEntry[];
    };

    // Assess
    expect(started.TaskHandle).toEqual(expect.any(String));
    expect(listed.Results).toEqual([expect.objectContaining({ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 2 })]);
    expect(await visibleMessages(queues.source)).toBe(2);
  });
});
