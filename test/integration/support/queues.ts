import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
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
   * Looks through the queue for messages about `jobIds`, hiding what it reads for a moment so
   * the next receive sees other messages; returns the ids found.
   */
  async findJobs(jobIds: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(jobIds);
    const found = new Set<string>();
    for (let round = 0; round < 20 && found.size < wanted.size; round += 1) {
      const { Messages } = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: 10, VisibilityTimeout: 2, WaitTimeSeconds: 0 }),
      );
      if (Messages === undefined || Messages.length === 0) break;
      for (const message of Messages) {
        const { jobId } = JSON.parse(message.Body ?? '{}') as { jobId?: string };
        if (jobId !== undefined && wanted.has(jobId)) found.add(jobId);
      }
    }
    return found;
  }

  close(): void {
    this.sqs.destroy();
  }
}
