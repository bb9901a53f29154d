import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { JobMessage } from '../domain/job-message.ts';
import { JOB_PRIORITIES, priorityOf, type JobPriority } from '../domain/priority.ts';
import { concurrencyLimitedJobTypes, findJobType } from '../domain/registry.ts';
import { MAX_VISIBILITY_SECONDS } from '../domain/retry-delay.ts';
import { chunksOf } from './chunks.ts';

/** The URL of each priority level's queue. */
export type JobQueueUrls = Readonly<Record<JobPriority, string>>;

/** One URL for every level: for code and tests that see a single queue. */
export function queueUrlsOf(urls: string | JobQueueUrls): JobQueueUrls {
  return typeof urls === 'string' ? { high: urls, normal: urls, low: urls } : urls;
}

/**
 * The queue of a type with a `maxConcurrency` limit, named after the normal level's queue
 * (`jobs-dev-queue-type-serial`): its URL follows from that queue's, in AWS and locally alike.
 */
export function concurrencyQueueName(normalQueueName: string, type: string): string {
  return `${normalQueueName}-type-${type}`;
}

/** A queue's last path segment is its name, as an ARN's last segment is. */
const queueNameOf = (urlOrArn: string): string => urlOrArn.slice(Math.max(urlOrArn.lastIndexOf('/'), urlOrArn.lastIndexOf(':')) + 1);

/**
 * The queue URL (or ARN, given ARNs) of each type with a `maxConcurrency` limit, beside the
 * normal level's queue.
 */
export function concurrencyQueueUrls(queueUrls: JobQueueUrls): ReadonlyMap<string, string> {
  const normal = queueUrls.normal;
  const base = normal.slice(0, Math.max(normal.lastIndexOf('/'), normal.lastIndexOf(':')) + 1);
  return new Map(concurrencyLimitedJobTypes().map(({ name }) => [name, `${base}${concurrencyQueueName(queueNameOf(normal), name)}`]));
}

/** Every job queue: the priority levels' and the concurrency-limited types'. */
export function allJobQueueUrls(queueUrls: JobQueueUrls): string[] {
  return [...new Set([...JOB_PRIORITIES.map((priority) => queueUrls[priority]), ...concurrencyQueueUrls(queueUrls).values()])];
}

/** The queue a job's messages go to (URL, or ARN given ARNs): its concurrency-limited type's, else its priority level's. */
export function queueUrlFor(message: Pick<JobMessage, 'type' | 'priority'>, queueUrls: JobQueueUrls): string {
  const limited =
    findJobType(message.type)?.limits?.maxConcurrency === undefined ? undefined : concurrencyQueueUrls(queueUrls).get(message.type);
  return limited ?? queueUrls[priorityOf(message)];
}

/** The counts of one level's queue. */
export interface LevelDepths {
  readonly queued: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export interface QueueDepths {
  /** Messages waiting to be received (including those waiting out a backoff: delayed). */
  readonly queued: number;
  /** Messages received and not yet deleted: jobs being worked on, or waiting out a retry backoff. */
  readonly inFlight: number;
  readonly delayed: number;
  readonly deadLettered: number;
  /** The same counts per priority level. */
  readonly byPriority: Readonly<Record<JobPriority, LevelDepths>>;
  /** ...and per queue of a type with a `maxConcurrency` limit (the totals above add up both). */
  readonly byLimitedType: Readonly<Record<string, LevelDepths>>;
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

/**
 * The job queues (one per priority level) and their shared dead-letter queue, as the functions
 * use them. Every message goes to its job's level and carries `MessageGroupId` = the caller,
 * which makes the standard queues SQS fair queues: a caller with a large backlog is held back so
 * that other callers' jobs keep their normal dwell time (SPEC §10).
 */
export class JobQueue {
  private readonly queueUrls: JobQueueUrls;
  /** The queue of each type with a `maxConcurrency` limit, whatever a job's priority. */
  private readonly typeQueueUrls: ReadonlyMap<string, string>;

  /**
   * @param queueUrls each level's queue, or one URL for all of them
   * @param receivedFrom the queue whose messages this instance hides and whose copy of an outcome
   *   it sends: the worker's event source queue (see `forSource`); the normal queue otherwise
   */
  constructor(
    private readonly sqs: SQSClient,
    queueUrls: string | JobQueueUrls,
    private readonly deadLetterQueueUrl: string,
    private readonly receivedFrom?: string,
  ) {
    this.queueUrls = queueUrlsOf(queueUrls);
    this.typeQueueUrls = concurrencyQueueUrls(this.queueUrls);
  }

  /** This queue set, receiving from the queue an event source record names (its `eventSourceARN`). */
  forSource(eventSourceArn: string | undefined): JobQueue {
    const name = eventSourceArn === undefined ? undefined : queueNameOf(eventSourceArn);
    const url = allJobQueueUrls(this.queueUrls).find((candidate) => queueNameOf(candidate) === name);
    return new JobQueue(this.sqs, this.queueUrls, this.deadLetterQueueUrl, url);
  }

  /** The queue a received message came from: its receipt handle is only valid there. */
  private get receiveUrl(): string {
    return this.receivedFrom ?? this.queueUrls.normal;
  }

  private urlOf(message: JobMessage): string {
    return queueUrlFor(message, this.queueUrls);
  }

  async send(message: JobMessage, delaySeconds = 0): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.urlOf(message),
        MessageBody: JSON.stringify(message),
        DelaySeconds: delaySeconds,
        MessageGroupId: message.owner,
      }),
    );
  }

  /**
   * Sends messages ten to a call (the SendMessageBatch maximum), re-sending entries SQS failed
   * for a reason worth retrying; returns, for each message in order, whether it was sent.
   */
  async sendMany(messages: readonly { readonly message: JobMessage; readonly delaySeconds: number }[]): Promise<boolean[]> {
    const sent = messages.map(() => false);
    const indexed = messages.map((entry, index) => ({ ...entry, index, url: this.urlOf(entry.message) }));
    const byQueue = new Map<string, typeof indexed>();
    for (const entry of indexed) byQueue.set(entry.url, [...(byQueue.get(entry.url) ?? []), entry]);
    await Promise.all(
      [...byQueue.values()]
        .flatMap((entries) => chunksOf(entries, SEND_BATCH_MAX))
        .map(async (chunk) => {
          let pending = chunk;
          for (let round = 0; pending.length > 0 && round < SEND_ROUNDS; round += 1) {
            try {
              const { Failed = [] } = await this.sqs.send(
                new SendMessageBatchCommand({
                  QueueUrl: chunk[0]?.url,
                  Entries: pending.map(({ message, delaySeconds, index }) => ({
                    Id: String(index),
                    MessageBody: JSON.stringify(message),
                    DelaySeconds: delaySeconds,
                    MessageGroupId: message.owner,
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
        QueueUrl: this.receiveUrl,
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
              QueueUrl: this.receiveUrl,
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
    const count = (attributes: Record<string, string> | undefined, name: string): number => Number(attributes?.[name] ?? 0);
    const depthsOf = async (queueUrl: string): Promise<LevelDepths> => {
      const { Attributes } = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...names] }));
      return { queued: count(Attributes, names[0]), inFlight: count(Attributes, names[1]), delayed: count(Attributes, names[2]) };
    };
    const types = [...this.typeQueueUrls];
    const [dead, levels, limited] = await Promise.all([
      this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.deadLetterQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] })),
      Promise.all(JOB_PRIORITIES.map((priority) => depthsOf(this.queueUrls[priority]))),
      Promise.all(types.map(([, url]) => depthsOf(url))),
    ]);
    const byPriority = Object.fromEntries(JOB_PRIORITIES.map((priority, index) => [priority, levels[index] as LevelDepths])) as Record<
      JobPriority,
      LevelDepths
    >;
    const byLimitedType = Object.fromEntries(types.map(([type], index) => [type, limited[index] as LevelDepths]));
    const all = [...levels, ...limited];
    const total = (field: keyof LevelDepths) => all.reduce((sum, level) => sum + level[field], 0);
    return {
      queued: total('queued'),
      inFlight: total('inFlight'),
      delayed: total('delayed'),
      deadLettered: count(dead.Attributes, 'ApproximateNumberOfMessages'),
      byPriority,
      byLimitedType,
    };
  }

  async ping(): Promise<void> {
    await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.queueUrls.normal, AttributeNames: ['QueueArn'] }));
  }
}
