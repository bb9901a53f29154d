import pLimit from 'p-limit';
import type { DependencyState, JobRepository, WaitingJobRef } from './adapters/job-repository.ts';
import { StaleJobError } from './adapters/job-repository.ts';
import { ValidationError } from './domain/errors.ts';
import {
  cancelForFailedDependency,
  dependencyOutcome,
  pendingDependencies,
  releaseWaitingJob,
  releasesDependent,
} from './domain/dependencies.ts';
import type { DependencyFailurePolicy, Job, JobStatus } from './domain/job.ts';

/**
 * Job chaining (SPEC §11) over the table: the checks of a submission's `dependsOn`, the watch a
 * new waiting job sets on its dependencies, and the release of waiting jobs when a dependency
 * finishes (from the table's stream, functions/job-events).
 *
 * The race between a dependency finishing and a job that waits on it being submitted is closed
 * by order: the waiting job writes its edges (`d#<dependency>` → job) and itself first, then
 * marks each dependency and reads its status in the same write. A finish written before that
 * read is seen by it; one written after it finds the edge when the stream looks the dependency's
 * waiting jobs up. Either way the release is one conditional write, so seeing it twice is harmless.
 */

export interface ReleaseDependencies {
  readonly repository: JobRepository;
  /** Sends a released job's message through the same adapter the API enqueues with. */
  readonly enqueue: (job: Job) => Promise<void>;
  readonly retentionDays: number;
  readonly now?: () => number;
}

/** Waiting jobs released at once by one finished dependency: each is a few writes. */
const RELEASE_CONCURRENCY = 16;

/**
 * The caller's dependencies of a submission, by id: 400 naming every id that is not one of the
 * caller's jobs (unknown, or another caller's: the two look the same, as on `GET /jobs/{id}`).
 */
export async function checkDependencies(
  repository: JobRepository,
  owner: string,
  dependsOn: readonly string[],
): Promise<Map<string, DependencyState>> {
  if (dependsOn.length === 0) return new Map();
  const states = await repository.dependencyStates(owner, dependsOn);
  const unknown = dependsOn.filter((id) => !states.has(id));
  if (unknown.length > 0) {
    throw new ValidationError(
      `dependsOn names ${unknown.length === 1 ? 'a job' : 'jobs'} you have no access to`,
      unknown.map((id) => ({ path: 'dependsOn', message: `${id} is not one of your jobs` })),
    );
  }
  return states;
}

/** The dependencies that already let a new job go on: these need no edge and no watch. */
export function alreadyReleased(states: ReadonlyMap<string, DependencyState>, policy: DependencyFailurePolicy): string[] {
  return [...states].filter(([, state]) => releasesDependent(state.status, policy)).map(([id]) => id);
}

/** Moves a waiting job whose every dependency released it to `queued` and sends its message; the one writer that wins does. */
async function queueReleased(dependencies: ReleaseDependencies, waiting: Job): Promise<Job | undefined> {
  const now = dependencies.now ?? Date.now;
  let job = waiting;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const released = releaseWaitingJob(job, now());
    if (released === undefined) return undefined;
    try {
      await dependencies.repository.transition(job, released);
    } catch (error) {
      if (!(error instanceof StaleJobError) || error.current === undefined) throw error;
      job = error.current;
      continue;
    }
    await dependencies.enqueue(released);
    return released;
  }
  return undefined;
}

/** Cancels a waiting job because `dependencyId` failed or was cancelled (its own cancel then cancels its waiting jobs in turn). */
async function cancelWaiting(
  dependencies: ReleaseDependencies,
  owner: string,
  jobId: string,
  dependencyId: string,
): Promise<Job | undefined> {
  const now = dependencies.now ?? Date.now;
  let job = await dependencies.repository.get({ owner, jobId });
  for (let attempt = 1; job !== undefined && attempt <= 3; attempt += 1) {
    const cancelled = cancelForFailedDependency(job, dependencyId, now(), dependencies.retentionDays);
    if (cancelled === undefined) return undefined;
    try {
      await dependencies.repository.transition(job, cancelled);
      return cancelled;
    } catch (error) {
      if (!(error instanceof StaleJobError)) throw error;
      job = error.current;
    }
  }
  return undefined;
}

/**
 * What one finished dependency does to one job waiting on it: cancels it, or adds itself to
 * its released dependencies and, as the last one, queues it. A repeated release finds the
 * dependency already there and changes nothing; with `resendQueued` (the stream's redelivery of
 * a batch that failed after the job was queued) it sends the job's message again, which is
 * harmless: the worker's claim is conditional, so the job still runs once.
 */
export async function settleDependency(
  dependencies: ReleaseDependencies,
  owner: string,
  waiting: WaitingJobRef,
  dependencyId: string,
  dependencyStatus: JobStatus,
  resendQueued: boolean,
): Promise<Job | undefined> {
  if (dependencyOutcome(dependencyStatus) === undefined) return undefined;
  if (!releasesDependent(dependencyStatus, waiting.onDependencyFailure)) {
    return cancelWaiting(dependencies, owner, waiting.jobId, dependencyId);
  }
  const now = (dependencies.now ?? Date.now)();
  const { applied, job } = await dependencies.repository.releaseDependency({ owner, jobId: waiting.jobId }, dependencyId, now);
  if (job === undefined) return undefined;
  if (job.status === 'waiting') return queueReleased(dependencies, job);
  if (!applied && resendQueued && job.status === 'queued' && pendingDependencies(job).length === 0) {
    await dependencies.enqueue(job);
    return job;
  }
  return undefined;
}

/** Releases (or cancels) every job waiting on a dependency that just finished; returns how many it changed. */
export async function releaseWaitingJobs(
  dependencies: ReleaseDependencies,
  dependency: Pick<Job, 'jobId' | 'owner' | 'status'>,
): Promise<number> {
  if (dependencyOutcome(dependency.status) === undefined) return 0;
  const waiting = await dependencies.repository.waitingOn(dependency.jobId);
  const limit = pLimit(RELEASE_CONCURRENCY);
  const changed = await Promise.all(
    waiting.map((ref) => limit(() => settleDependency(dependencies, dependency.owner, ref, dependency.jobId, dependency.status, true))),
  );
  return changed.filter((job) => job !== undefined).length;
}

/**
 * Sets a new waiting job's watch on each dependency it still waits for, after the job and its
 * edges were written: marks the dependency and settles those that finished in the meantime.
 * Returns the job as it is then (released, cancelled, or still waiting). A batch leaves out the
 * dependencies it creates itself: they were written marked and cannot have finished yet.
 */
export async function watchDependencies(
  dependencies: ReleaseDependencies,
  job: Job,
  watched: readonly string[] = pendingDependencies(job),
): Promise<Job> {
  const policy = job.onDependencyFailure ?? 'cancel';
  const settled = await Promise.all(
    watched.map(async (dependencyId) => {
      const status = (await dependencies.repository.markDependedOn({ owner: job.owner, jobId: dependencyId })) ?? 'failed';
      return settleDependency(dependencies, job.owner, { jobId: job.jobId, onDependencyFailure: policy }, dependencyId, status, false);
    }),
  );
  if (settled.every((changed) => changed === undefined)) return job;
  return (await dependencies.repository.get(job)) ?? job;
}
