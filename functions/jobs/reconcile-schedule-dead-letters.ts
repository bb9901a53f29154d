import * as z from 'zod/mini';
import type { DeadLetter, DeadLetterQueue } from './adapters/dead-letter-queue.ts';
import type { JobRepository } from './adapters/job-repository.ts';
import type { ScheduleFiring } from './adapters/job-scheduler.ts';
import type { Job } from './domain/job.ts';
import { fireSchedule, type ScheduleDependencies } from './schedules.ts';

export interface ScheduleReconcileDependencies {
  readonly repository: JobRepository;
  /** The schedules' dead-letter queue; its "source" is the job queue, where due jobs' messages go. */
  readonly scheduleDeadLetters: DeadLetterQueue;
  readonly schedules: Pick<ScheduleDependencies, 'schedules' | 'submit'>;
  readonly maxMessages: number;
}

export interface ScheduleReconcileReport {
  readonly examined: number;
  /** Scheduled jobs whose message this run sent to the job queue: their one-time schedule failed to deliver it. */
  readonly enqueued: Job[];
  /** Recurring firings this run made again (a job, or the answer that it exists already). */
  readonly refired: number;
  /** Letters deleted because nothing waits for them: the job ran, was cancelled or is gone. */
  readonly dropped: number;
  /** Letters left in the queue: not a job message nor a firing, or their handling failed (the next run tries again). */
  readonly kept: number;
}

const firingSchema = z.object({ owner: z.string(), name: z.string(), scheduledTime: z.string() });

function firingOf(letter: DeadLetter): ScheduleFiring | undefined {
  try {
    const parsed = firingSchema.safeParse(JSON.parse(letter.body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Handles what EventBridge Scheduler dead-lettered after a day of retries, so no accepted job is
 * lost when a schedule fails to fire. A one-time schedule's letter is the job's message: if the
 * job is still `scheduled`, it is due, and the message goes to the job queue now; otherwise the
 * letter is spent. A recurring schedule's letter is its firing: it is made again, idempotently
 * (the same schedule name and scheduled time make the same job). Handled letters are deleted;
 * the others stay for the next run and for on-call.
 */
export async function reconcileScheduleDeadLetters(dependencies: ScheduleReconcileDependencies): Promise<ScheduleReconcileReport> {
  const { repository, scheduleDeadLetters } = dependencies;
  // Hidden while this run handles them, so an overlapping run does not handle them twice.
  const letters = await scheduleDeadLetters.peek(dependencies.maxMessages, 60);
  const enqueued: Job[] = [];
  let refired = 0;
  let dropped = 0;
  const done: DeadLetter[] = [];
  const kept: DeadLetter[] = [];
  for (const letter of letters) {
    try {
      if (letter.job !== undefined) {
        const job = await repository.get(letter.job);
        if (job?.status === 'scheduled') {
          await scheduleDeadLetters.redrive([letter]);
          enqueued.push(job);
          continue;
        }
        dropped += 1;
        done.push(letter);
        continue;
      }
      const firing = firingOf(letter);
      if (firing === undefined) {
        kept.push(letter);
        continue;
      }
      await fireSchedule(dependencies.schedules, firing);
      refired += 1;
      done.push(letter);
    } catch {
      kept.push(letter);
    }
  }
  await scheduleDeadLetters.delete(done);
  await scheduleDeadLetters.release(kept).catch(() => undefined);
  return { examined: letters.length, enqueued, refired, dropped, kept: kept.length };
}
