import type { DeadLetterQueue } from './adapters/dead-letter-queue.ts';
import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import type { Job } from './domain/job.ts';
import { reconcileDeadLetter } from './domain/lifecycle.ts';

export interface ReconcileDependencies {
  readonly repository: JobRepository;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly retentionDays: number;
  /** Messages read per run; a larger DLQ is covered over several runs. */
  readonly maxMessages: number;
  readonly now?: () => number;
}

/** A letter the run could not handle; the run goes on with the next one. */
export interface LetterError {
  readonly messageId: string;
  readonly jobId: string | undefined;
  readonly error: unknown;
}

export interface ReconcileReport {
  readonly examined: number;
  /** Jobs this run moved to `failed`. */
  readonly reconciled: Job[];
  /** Letters that needed nothing: their job already failed, finished, was redriven, or is gone, or the body is not a job message. */
  readonly skipped: number;
  readonly errors: LetterError[];
}

/**
 * Marks `failed` every job whose message sits in the DLQ while the job still looks alive
 * (`queued`, `retrying`, or `running` past its lease): SQS dead-lettered it on its own after
 * deliveries that never finished. The messages stay in the DLQ for a redrive. One letter that
 * cannot be handled (a throttled read, a job item that will not parse) is reported and skipped,
 * so it never holds back the letters after it.
 */
export async function reconcileDeadLetters(dependencies: ReconcileDependencies): Promise<ReconcileReport> {
  const { repository, deadLetterQueue, retentionDays } = dependencies;
  const now = dependencies.now ?? Date.now;
  // Read without hiding anything, so the console and the CLI always see the whole DLQ.
  const letters = await deadLetterQueue.peek(dependencies.maxMessages, 0);
  const reconciled: Job[] = [];
  const errors: LetterError[] = [];
  let skipped = 0;
  for (const letter of letters) {
    if (letter.job === undefined) {
      skipped += 1;
      continue;
    }
    try {
      const job = await repository.get(letter.job);
      const failed = job === undefined ? undefined : reconcileDeadLetter(job, letter.sentAt, now(), retentionDays);
      if (job === undefined || failed === undefined) {
        skipped += 1;
        continue;
      }
      await repository.transition(job, failed);
      reconciled.push(failed);
    } catch (error) {
      // The worker or a redrive moved the job on since we read it; the next run looks again.
      if (error instanceof StaleJobError) skipped += 1;
      else errors.push({ messageId: letter.messageId, jobId: letter.job.jobId, error });
    }
  }
  return { examined: letters.length, reconciled, skipped, errors };
}
