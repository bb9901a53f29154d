import type { Job, JobError } from '../../functions/jobs/domain/job.ts';

/** One moment of a job's life, as the console's job page lists them. */
export interface TimelineEntry {
  readonly at: string;
  readonly run: number;
  readonly event: string;
  readonly detail?: string;
}

/** A run of a job (1, then one per DLQ redrive) with the errors its attempts ended with. */
export interface JobRun {
  readonly run: number;
  readonly errors: readonly JobError[];
}

/**
 * What the job record tells of its life, oldest first: submission, each failed attempt, each
 * redrive, the current attempt's start and the end. Only what the record keeps: attempts that
 * succeeded leave no entry but the end, and errors older than the history's bound are gone.
 */
export function jobTimeline(job: Job): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: job.createdAt, run: 1, event: 'submitted' }];
  for (const error of job.errorHistory) {
    entries.push({ at: error.at, run: error.run, event: `attempt ${error.attempt} failed`, detail: error.message });
  }
  if (job.run > 1) entries.push({ at: job.runQueuedAt, run: job.run, event: `redriven: run ${job.run} queued` });
  if (job.startedAt !== undefined) entries.push({ at: job.startedAt, run: job.run, event: `attempt ${job.attempts} started` });
  if (job.nextAttemptAt !== undefined && job.status === 'retrying') {
    entries.push({ at: job.nextAttemptAt, run: job.run, event: `attempt ${job.attempts + 1} due` });
  }
  if (job.completedAt !== undefined) entries.push({ at: job.completedAt, run: job.run, event: job.status });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

/** The job's errors per run, every run listed (a run without errors has none). */
export function errorsByRun(job: Job): JobRun[] {
  return Array.from({ length: job.run }, (_, index) => ({
    run: index + 1,
    errors: job.errorHistory.filter((error) => error.run === index + 1),
  }));
}
