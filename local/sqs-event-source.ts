import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_REGION } from './services/local-aws.ts';

export interface SqsEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Records per invocation (the mapping's BatchSize). */
  readonly batchSize: number;
  /** Seconds to keep gathering records before invoking (MaximumBatchingWindowInSeconds). */
  readonly batchingWindowSeconds: number;
  /** Batches in flight at once (ScalingConfig.MaximumConcurrency). */
  readonly maxConcurrency: number;
  /** Invokes the function in execution environment `slot` (0 .. maxConcurrency-1). */
  readonly invoke: (slot: number, event: SQSEvent) => Promise<SQSBatchResponse | undefined | null | void>;
  readonly onError?: (error: unknown) => void;
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

/**
 * Plays the Lambda event source mapping for SQS: long-polls the queue, gathers batches up to
 * the batch size or the batching window, invokes the function with at most `maxConcurrency`
 * batches in flight, and deletes every record except those the function reported in
 * `batchItemFailures`. A function error, timeout or crash deletes nothing: the messages come
 * back after their visibility timeout, and SQS itself moves them to the DLQ past maxReceiveCount.
 */
export class SqsEventSource {
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: SqsEventSourceOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.options.maxConcurrency }, (_, slot) => this.loop(slot));
  }

  /**
   * Stops polling and waits for the receives and batches in flight to finish. A receive is
   * never aborted: the server may already have handed out messages the client would then lose
   * sight of until their visibility timeout.
   */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { Messages } = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return Messages ?? [];
  }

  private async gatherBatch(): Promise<Message[]> {
    const { batchSize, batchingWindowSeconds } = this.options;
    const batch = await this.receive(batchSize, 1);
    if (batch.length === 0 || batchingWindowSeconds === 0) return batch;
    const windowEnds = Date.now() + batchingWindowSeconds * 1000;
    while (this.running && batch.length < batchSize && Date.now() < windowEnds) {
      const waitSeconds = Math.min(1, Math.floor((windowEnds - Date.now()) / 1000));
      batch.push(...(await this.receive(batchSize - batch.length, waitSeconds)));
    }
    return batch;
  }

  private async loop(slot: number): Promise<void> {
    while (this.running) {
      try {
        const messages = await this.gatherBatch();
        if (messages.length > 0) await this.dispatch(slot, messages);
      } catch (error) {
        if (!this.running) return;
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async dispatch(slot: number, messages: Message[]): Promise<void> {
    const records = messages.map((message) => toRecord(message, this.options.queueArn));
    let failed: Set<string>;
    try {
      const response = await this.options.invoke(slot, { Records: records });
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      // An identifier that names no record of the batch fails the whole batch (Lambda guide).
      if ([...failed].some((id) => !records.some((record) => record.messageId === id))) return;
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    const done = records.filter((record) => !failed.has(record.messageId));
    for (let start = 0; start < done.length; start += 10) {
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: done.slice(start, start + 10).map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
    }
  }
}
