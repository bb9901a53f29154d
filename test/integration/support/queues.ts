import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { localClientConfig } from '../../../local/services/local-aws.ts';

/** Direct access to a local queue through the real SDK, for what the API does not show. */
export class LocalQueue {
  private readonly sqs: SQSClient;

  constructor(
    endpoint: string,
    readonly url: string,
  ) {
    this.sqs = new SQSClient(localClientConfig(endpoint));
  }

  async send(body: unknown): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.url, MessageBody: JSON.stringify(body) }));
  }

  /** Messages visible plus in flight plus delayed. */
  async depth(): Promise<number> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return Object.values(Attributes ?? {}).reduce((sum, value) => sum + Number(value), 0);
  }

  /**
   * Looks through the queue for messages about `jobIds`: reads until a few receives in a row
   * bring nothing new (SQS samples its servers on each receive), hiding what it read meanwhile,
   * then makes it all visible again. Returns the ids found.
   */
  async findJobs(jobIds: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(jobIds);
    const found = new Set<string>();
    const read: { Id: string; ReceiptHandle: string; VisibilityTimeout: number }[] = [];
    for (let idleRounds = 0; idleRounds < 3 && found.size < wanted.size;) {
      const { Messages } = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 }),
      );
      if (Messages === undefined || Messages.length === 0) {
        idleRounds += 1;
        continue;
      }
      idleRounds = 0;
      for (const message of Messages) {
        read.push({ Id: String(read.length % 10), ReceiptHandle: message.ReceiptHandle ?? '', VisibilityTimeout: 0 });
        const { jobId } = JSON.parse(message.Body ?? '{}') as { jobId?: string };
        if (jobId !== undefined && wanted.has(jobId)) found.add(jobId);
      }
    }
    for (let start = 0; start < read.length; start += 10) {
      await this.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.url, Entries: read.slice(start, start + 10) }));
    }
    return found;
  }

  close(): void {
    this.sqs.destroy();
  }
}
