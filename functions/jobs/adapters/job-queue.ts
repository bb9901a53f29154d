import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobMessage } from '../domain/job-message.ts';
import { MAX_VISIBILITY_SECONDS } from '../domain/retry-delay.ts';

export interface QueueDepths {
  /** Messages waiting to be received (including those waiting out a backoff: delayed). */
  readonly queued: number;
  /** Messages received and not yet deleted: jobs being worked on, or waiting out a retry backoff. */
  readonly inFlight: number;
  readonly delayed: number;
  readonly deadLettered: number;
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

  /** Hides a received message for `seconds` more: the retry backoff (ChangeMessageVisibility caps at 12 h). */
  async hideFor(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.min(Math.max(0, Math.ceil(seconds)), MAX_VISIBILITY_SECONDS),
      }),
    );
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
