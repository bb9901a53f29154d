import { allJobQueueUrls } from '../../functions/jobs/adapters/job-queue.ts';
import type { Target } from '../cli/target.ts';

/** A queue the console shows: a job queue (of one priority level, or of a concurrency-limited type), or a DLQ. */
export interface ConsoleQueue {
  /** The queue's name (the last part of its URL), which the console shows and routes by. */
  readonly name: string;
  readonly url: string;
}

const queueNamed = (url: string): ConsoleQueue => ({ name: url.slice(url.lastIndexOf('/') + 1), url });

/**
 * The queues of a target, the one place the console learns them: every view iterates these
 * lists, so a target with more levels or more DLQs shows them all without a view changing.
 */
export function consoleQueues(target: Target): { readonly jobQueues: ConsoleQueue[]; readonly deadLetterQueues: ConsoleQueue[] } {
  return {
    jobQueues: allJobQueueUrls(target.queueUrls).map(queueNamed),
    // Every level dead-letters to the same DLQ today; a list, so a DLQ per level needs no other change here.
    deadLetterQueues: [...new Set([target.deadLetterQueueUrl])].map(queueNamed),
  };
}
