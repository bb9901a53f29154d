import type { DeadLetterQueue } from './adapters/dead-letter-queue.ts';
import type { Job } from './domain/job.ts';
import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import { reconcileDeadLetter } from './domain/lifecycle.ts';

export interface ReconcileDependencies {
  readonly repository: JobRepository;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly retentionDays: number;
  /** Messages read per run; a larger DLQ is covered over several runs. */
  readonly maxMessages: number;
  readonly now?: () => number;
}

export interface ReconcileReport {
  readonly examined: number;
  /** Jobs this run moved to `failed`. */
  readonly reconciled: Job[];
}

/**
 * Marks `failed` every job whose message sits in the DLQ while the job still looks alive
 * (`queued`, `retrying`, or `running` past its lease): SQS dead-lettered it on its own after
 * deliveries that never finished. The messages stay in the DLQ for a redrive.
 */
export async function reconcileDeadLetters(dependencies: ReconcileDependencies): Promise<ReconcileReport> {
  const { repository, deadLetterQueue, retentionDays } = dependencies;
  const now = dependencies.now ?? Date.now;
  // Read without hiding anything, so the console and the CLI always see the whole DLQ.
  const letters = await deadLetterQueue.peek(dependencies.maxMessages, 0);
  const reconciled: Job[] = [];
  for (const letter of letters) {
    if (letter.job === undefined) continue;
    const job = await repository.get(letter.job.jobId);
    const failed = job === undefined ? undefined : reconcileDeadLetter(job, letter.sentAt, now(), retentionDays);
    if (failed === undefined) continue;
    try {
      await repository.save(failed);
      reconciled.push(failed);
    } catch (error) {
      // The worker or a redrive moved the job on since we read it; the next run looks again.
      if (!(error instanceof StaleJobError)) throw error;
    }
  }
  return { examined: letters.length, reconciled };
}
