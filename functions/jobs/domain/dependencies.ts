import { DepGraph, DepGraphCycleError } from 'dependency-graph';
import { cancelJob } from './lifecycle.ts';
import type { DependencyFailurePolicy, Job, JobStatus } from './job.ts';

/**
 * Job chaining (SPEC §11) as pure functions: a job with unfinished dependencies is `waiting`;
 * each dependency that finishes is added once to its `releasedDependencies`, and the write that
 * adds the last one releases it to `queued`. A failed or cancelled dependency cancels it, or
 * counts as finished when its `onDependencyFailure` is `run`.
 */

/** Dependencies one job may name (SPEC §11). */
export const MAX_DEPENDENCIES = 20;

/** A batch item's `ref`, by which the batch's other items name it in their `dependsOn`. */
export const BATCH_REF = /^[A-Za-z0-9_.:-]{1,64}$/;

/** What a dependency's status means for the jobs waiting on it: undefined while it has not finished. */
export function dependencyOutcome(status: JobStatus): 'completed' | 'failed' | undefined {
  if (status === 'completed') return 'completed';
  if (status === 'failed' || status === 'cancelled') return 'failed';
  return undefined;
}

/** Whether a dependency in `status` lets a job with `policy` go on (it never changes that answer again). */
export function releasesDependent(status: JobStatus, policy: DependencyFailurePolicy): boolean {
  const outcome = dependencyOutcome(status);
  return outcome === 'completed' || (outcome === 'failed' && policy === 'run');
}

/** Whether every dependency of the job has released it. */
export function allDependenciesReleased(job: Pick<Job, 'dependsOn' | 'releasedDependencies'>): boolean {
  return pendingDependencies(job).length === 0;
}

/** The dependencies of a job that have not released it yet. */
export function pendingDependencies(job: Pick<Job, 'dependsOn' | 'releasedDependencies'>): string[] {
  const released = new Set(job.releasedDependencies ?? []);
  return (job.dependsOn ?? []).filter((id) => !released.has(id));
}

/**
 * A waiting job whose every dependency has released it becomes `queued`. Its queue wait is
 * measured from the release (or from the end of its submission's delay, if that is later).
 */
export function releaseWaitingJob(job: Job, now: number): Job | undefined {
  if (job.status !== 'waiting' || !allDependenciesReleased(job)) return undefined;
  const queuedAt = Math.max(now, Date.parse(job.runQueuedAt));
  return {
    ...job,
    status: 'queued',
    runQueuedAt: new Date(queuedAt).toISOString(),
    updatedAt: new Date(now).toISOString(),
    version: job.version + 1,
  };
}

/** A waiting job cancelled because `dependencyId` failed or was cancelled; undefined when it is no longer waiting. */
export function cancelForFailedDependency(job: Job, dependencyId: string, now: number, retentionDays: number): Job | undefined {
  if (job.status !== 'waiting') return undefined;
  return { ...cancelJob(job, now, retentionDays), cancelReason: `dependency ${dependencyId} failed` };
}

/**
 * The refs of one cycle in a batch's dependency graph (each ref's `dependsOn`, by ref), or an
 * empty list when there is none. A job on a cycle would wait for itself forever.
 */
export function refsOnCycle(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const dag = new DepGraph<string>();
  for (const ref of graph.keys()) dag.addNode(ref);
  for (const [ref, dependsOn] of graph) for (const to of dependsOn) if (graph.has(to)) dag.addDependency(ref, to);
  try {
    dag.overallOrder();
    return [];
  } catch (error) {
    if (!(error instanceof DepGraphCycleError)) throw error;
    return [...new Set(error.cyclePath)];
  }
}
