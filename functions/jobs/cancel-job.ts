import { cancelJob as cancelled } from './domain/lifecycle.ts';
import type { Job } from './domain/job.ts';
import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import { getJob } from './read-jobs.ts';

/**
 * Cancels a queued or retrying job of the caller's. Its message stays in the queue and is
 * dropped when it arrives, because the worker never runs a cancelled job.
 */
export async function cancelJob(
  repository: JobRepository,
  owner: string,
  jobId: string,
  retentionDays: number,
  now: () => number = Date.now,
): Promise<Job> {
  // The worker may claim the job between our read and write; decide again on the job as it is then.
  let job = await getJob(repository, owner, jobId);
  for (let attempt = 1; ; attempt += 1) {
    const next = cancelled(job, now(), retentionDays);
    try {
      await repository.transition(job, next);
      return next;
    } catch (error) {
      if (!(error instanceof StaleJobError) || attempt >= 3) throw error;
      job = error.current ?? (await getJob(repository, owner, jobId));
    }
  }
}
