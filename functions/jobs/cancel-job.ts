import { cancelJob as cancelled } from './domain/lifecycle.ts';
import type { Job } from './domain/job.ts';
import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import type { JobScheduler } from './adapters/job-scheduler.ts';
import { getJob } from './read-jobs.ts';

/**
 * Cancels a scheduled, queued or retrying job of the caller's. A queued job's message stays in
 * the queue and is dropped when it arrives, because the worker never runs a cancelled job. A
 * scheduled job's one-time schedule is deleted after the state write; if that delete fails, or
 * the schedule fires while the cancel is under way, its message meets a cancelled job, which the
 * worker's conditional claim refuses.
 */
export async function cancelJob(
  repository: JobRepository,
  owner: string,
  jobId: string,
  retentionDays: number,
  now: () => number = Date.now,
  scheduler?: JobScheduler,
): Promise<Job> {
  // The worker may claim the job between our read and write; decide again on the job as it is then.
  let job = await getJob(repository, owner, jobId);
  for (let attempt = 1; ; attempt += 1) {
    const next = cancelled(job, now(), retentionDays);
    try {
      await repository.transition(job, next);
      // Best effort: the job is cancelled either way, and the schedule deletes itself once it fires.
      if (job.status === 'scheduled') await scheduler?.unscheduleJob(jobId).catch(() => undefined);
      return next;
    } catch (error) {
      if (!(error instanceof StaleJobError) || attempt >= 3) throw error;
      job = error.current ?? (await getJob(repository, owner, jobId));
    }
  }
}
