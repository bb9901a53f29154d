import type { JobQueue, VisibilityChange } from './job-queue.ts';

/**
 * The visibility changes of one batch of deliveries, sent together when the batch is done: a
 * batch's retries, waits and trips to the DLQ then cost one ChangeMessageVisibilityBatch
 * request per ten messages instead of one request each. Nothing is lost by waiting: every
 * message of the batch stays invisible until the batch's response reaches the event source.
 */
export class BatchVisibility {
  private readonly changes = new Map<string, number>();

  constructor(private readonly queue: JobQueue) {}

  /** Records that a received message is to stay hidden `seconds` more; a later change of the same message wins. */
  hideFor(receiptHandle: string, seconds: number): Promise<void> {
    this.changes.set(receiptHandle, seconds);
    return Promise.resolve();
  }

  /** Sends the recorded changes; returns how many SQS did not apply (their messages come back later). */
  async flush(): Promise<number> {
    const changes: VisibilityChange[] = [...this.changes].map(([receiptHandle, seconds]) => ({ receiptHandle, seconds }));
    this.changes.clear();
    return changes.length === 0 ? 0 : this.queue.hideMany(changes);
  }
}
