import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseJobMessage, type JobMessage } from '../domain/job-message.ts';
import { DEFAULT_PRIORITY } from '../domain/priority.ts';
import { queueUrlFor, queueUrlsOf, type JobQueueUrls } from './job-queue.ts';

/** A message in the dead-letter queue, read without taking it out. */
export interface DeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Undefined when the body is not a job message. */
  readonly job: JobMessage | undefined;
  /** Epoch ms the message was sent to the job queue (SQS keeps it when it dead-letters). */
  readonly sentAt: number;
  readonly receiveCount: number;
}

/** ReceiveMessage returns at most 10 messages a call (SQS API reference). */
const RECEIVE_MAX = 10;

/**
 * The job queue's dead-letter queue, as the reconciler and the `jobs dlq` CLI use it. Reading
 * hides a message only for a moment and gives it back, so the console, the CLI and a redrive
 * always see every message.
 */
export class DeadLetterQueue {
  /** The queue of each priority level: every job queue dead-letters here, and a redrive sends each job back to its own. */
  private readonly sourceQueueUrls: JobQueueUrls;

  constructor(
    private readonly sqs: SQSClient,
    readonly url: string,
    sourceQueueUrls: string | JobQueueUrls,
  ) {
    this.sourceQueueUrls = queueUrlsOf(sourceQueueUrls);
  }

  /**
   * Reads up to `max` messages. With `hideSeconds` above 0 the messages read stay hidden for
   * that long (so a command can act on exactly that set, then `release` them); with 0 nothing
   * is hidden from other readers, and reading stops once receives bring nothing new (SQS
   * samples its servers on each receive, so a large queue is covered over several reads).
   */
  async peek(max: number, hideSeconds = 0): Promise<DeadLetter[]> {
    const seen = new Map<string, DeadLetter>();
    for (let idleRounds = 0; seen.size < max && idleRounds < 3;) {
      const { Messages } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.url,
          MaxNumberOfMessages: Math.min(RECEIVE_MAX, max - seen.size),
          VisibilityTimeout: hideSeconds,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
      );
      const fresh = (Messages ?? []).filter((message) => !seen.has(message.MessageId ?? ''));
      idleRounds = fresh.length === 0 ? idleRounds + 1 : 0;
      for (const message of fresh) {
        const body = message.Body ?? '';
        let job: JobMessage | undefined;
        try {
          job = parseJobMessage(body);
        } catch {
          job = undefined;
        }
        seen.set(message.MessageId ?? '', {
          messageId: message.MessageId ?? '',
          receiptHandle: message.ReceiptHandle ?? '',
          body,
          job,
          sentAt: Number(message.Attributes?.SentTimestamp ?? 0),
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        });
      }
    }
    return [...seen.values()];
  }

  /** Makes messages read by `peek` visible again at once. */
  async release(letters: readonly DeadLetter[]): Promise<void> {
    for (let start = 0; start < letters.length; start += RECEIVE_MAX) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.url,
          Entries: letters.slice(start, start + RECEIVE_MAX).map((letter, index) => ({
            Id: String(index),
            ReceiptHandle: letter.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  async delete(letters: readonly DeadLetter[]): Promise<void> {
    for (let start = 0; start < letters.length; start += RECEIVE_MAX) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.url,
          Entries: letters
            .slice(start, start + RECEIVE_MAX)
            .map((letter, index) => ({ Id: String(index), ReceiptHandle: letter.receiptHandle })),
        }),
      );
    }
  }

  /**
   * Sends each message back to the job queue as a new message, then deletes it here. The new
   * message's enqueue time is after the job failed, which is how the worker knows a redrive
   * from a stale copy (the same rule as the console's "Start DLQ redrive").
   */
  async redrive(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters) {
      const queueUrl = letter.job === undefined ? this.sourceQueueUrls[DEFAULT_PRIORITY] : queueUrlFor(letter.job, this.sourceQueueUrls);
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: letter.body,
          ...(letter.job === undefined ? {} : { MessageGroupId: letter.job.owner }),
        }),
      );
    }
    await this.delete(letters);
  }

  async purge(): Promise<void> {
    await this.sqs.send(new PurgeQueueCommand({ QueueUrl: this.url }));
  }
}
