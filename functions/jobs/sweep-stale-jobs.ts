import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import type { Job } from './domain/job.ts';
import { expireStaleJob } from './domain/lifecycle.ts';

export interface SweepDependencies {
  readonly repository: JobRepository;
  /** How long the job queue keeps a message (SQS MessageRetentionPeriod). */
  readonly queueRetentionSeconds: number;
  readonly retentionDays: number;
  /** Pages of the table read per run; the sweep goes on from there next run. */
  readonly pagesPerRun: number;
  readonly pageItems: number;
  readonly now?: () => number;
}

export interface SweepReport {
  readonly examined: number;
  /** Jobs moved to failed: queued or retrying for longer than the queue keeps a message. */
  readonly expired: Job[];
  /** True when this run reached the end of the table (the next run starts again). */
  readonly passComplete: boolean;
}

/**
 * Finds jobs that still wait for an attempt although their queue message must be gone, and
 * fails them with the reason. SQS deletes a message 14 days after it was sent without
 * dead-lettering it, so an outage of the workers longer than that (or an API that died
 * between its write and its send) would otherwise leave a job `queued` forever. Reads a few
 * pages a run and keeps its place, so its cost is bounded whatever the table's size.
 */
export async function sweepStaleJobs(dependencies: SweepDependencies): Promise<SweepReport> {
  const { repository } = dependencies;
  const now = dependencies.now ?? Date.now;
  const queuedBefore = now() - dependencies.queueRetentionSeconds * 1000;
  let startKey = await repository.sweepPosition();
  const expired: Job[] = [];
  let examined = 0;
  let passComplete = false;
  for (let page = 0; page < dependencies.pagesPerRun; page += 1) {
    const { jobs, nextKey } = await repository.scanForStale(queuedBefore, startKey, dependencies.pageItems);
    examined += jobs.length;
    for (const job of jobs) {
      const failed = expireStaleJob(job, now(), dependencies.queueRetentionSeconds, dependencies.retentionDays);
      if (failed === undefined) continue;
      try {
        await repository.transition(job, failed);
        expired.push(failed);
      } catch (error) {
        // A late message ran it after all, or it was cancelled: nothing to do.
        if (!(error instanceof StaleJobError)) throw error;
      }
    }
    startKey = nextKey;
    if (startKey === undefined) {
      passComplete = true;
      break;
    }
  }
  await repository.saveSweepPosition(startKey);
  return { examined, expired, passComplete };
}
