import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { JobMessage } from '../domain/job-message.ts';
import { MAX_VISIBILITY_SECONDS } from '../domain/retry-delay.ts';
import { chunksOf } from './chunks.ts';

export interface QueueDepths {
  /** Messages waiting to be received (including those waiting out a backoff: delayed). */
  readonly queued: number;
  /** Messages received and not yet deleted: jobs being worked on, or waiting out a retry backoff. */
  readonly inFlight: number;
  readonly delayed: number;
  readonly deadLettered: number;
}

/** One received message's new visibility timeout. */
export interface VisibilityChange {
  readonly receiptHandle: string;
  readonly seconds: number;
}

/** SendMessageBatch and ChangeMessageVisibilityBatch take 10 entries (SQS API reference). */
const SEND_BATCH_MAX = 10;
const SEND_ROUNDS = 3;

/** A visibility timeout SQS accepts: whole seconds, from 0 to 12 hours. */
function visibilitySeconds(seconds: number): number {
  return Math.min(Math.max(0, Math.ceil(seconds)), MAX_VISIBILITY_SECONDS);
}

/** The job queue and its dead-letter queue, as the functions use them. */
export class JobQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async send(message: JobMessage, delaySeconds = 0): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delaySeconds }),
    );
  }

  /**
   * Sends messages ten to a call (the SendMessageBatch maximum), re-sending entries SQS failed
   * for a reason worth retrying; returns, for each message in order, whether it was sent.
   */
  async sendMany(messages: readonly { readonly message: JobMessage; readonly delaySeconds: number }[]): Promise<boolean[]> {
    const sent = messages.map(() => false);
    const indexed = messages.map((entry, index) => ({ ...entry, index }));
    await Promise.all(
      chunksOf(indexed, SEND_BATCH_MAX).map(async (chunk) => {
        let pending = chunk;
        for (let round = 0; pending.length > 0 && round < SEND_ROUNDS; round += 1) {
          try {
            const { Failed = [] } = await this.sqs.send(
              new SendMessageBatchCommand({
                QueueUrl: this.queueUrl,
                Entries: pending.map(({ message, delaySeconds, index }) => ({
                  Id: String(index),
                  MessageBody: JSON.stringify(message),
                  DelaySeconds: delaySeconds,
                })),
              }),
            );
            const failures = new Map(Failed.map((entry) => [entry.Id, entry]));
            for (const entry of pending) if (!failures.has(String(entry.index))) sent[entry.index] = true;
            // A sender fault (a malformed entry) fails again however often it is sent.
            pending = pending.filter((entry) => failures.get(String(entry.index))?.SenderFault === false);
          } catch {
            // The whole call failed (throttled, unreachable): try the same entries once more.
          }
        }
      }),
    );
    return sent;
  }

  /** Sends a message that no retry can help straight to the dead-letter queue, where on-call engineers see it. */
  async sendToDeadLetterQueue(body: string, reason: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: body,
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 256) } },
      }),
    );
  }

  /** Hides a received message for `seconds` more: the retry backoff (ChangeMessageVisibility caps at 12 h). */
  async hideFor(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: visibilitySeconds(seconds),
      }),
    );
  }

  /**
   * Changes the visibility of received messages ten to a call (one request is billed per call,
   * however many entries it holds); returns how many changes SQS did not apply. Such a message
   * comes back when its current visibility timeout ends instead: later, never lost.
   */
  async hideMany(changes: readonly VisibilityChange[]): Promise<number> {
    let notApplied = 0;
    await Promise.all(
      chunksOf(changes, SEND_BATCH_MAX).map(async (chunk) => {
        try {
          const { Failed = [] } = await this.sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: chunk.map(({ receiptHandle, seconds }, offset) => ({
                Id: String(offset),
                ReceiptHandle: receiptHandle,
                VisibilityTimeout: visibilitySeconds(seconds),
              })),
            }),
          );
          notApplied += Failed.length;
        } catch {
          notApplied += chunk.length;
        }
      }),
    );
    return notApplied;
  }

  async depths(): Promise<QueueDepths> {
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
    const [main, dead] = await Promise.all([
      this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: [...names] })),
      this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] })),
    ]);
    const count = (attributes: Record<string, string> | undefined, name: string): number => Number(attributes?.[name] ?? 0);
    return {
      queued: count(main.Attributes, names[0]),
      inFlight: count(main.Attributes, names[1]),
      delayed: count(main.Attributes, names[2]),
      deadLettered: count(dead.Attributes, 'ApproximateNumberOfMessages'),
    };
  }

  async ping(): Promise<void> {
    await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['QueueArn'] }));
  }
}
