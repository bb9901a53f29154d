/**
 * How urgently a job should start (SPEC §10). Each level has its own queue and event source
 * mapping, so a high job never waits behind a backlog of normal or low ones: it waits only for
 * a poller of its own level.
 */
export const JOB_PRIORITIES = ['high', 'normal', 'low'] as const;
export type JobPriority = (typeof JOB_PRIORITIES)[number];

export const DEFAULT_PRIORITY: JobPriority = 'normal';

/** Lambda's lowest `MaximumConcurrency` for an SQS event source mapping (Lambda developer guide). */
export const MIN_MAPPING_CONCURRENCY = 2;

/**
 * The maximum concurrency of each level's event source mapping, from the environment's
 * `worker.maxConcurrency`, which stays the normal level's: high gets twice as much (it is rarely
 * backlogged, and when it is, it should drain first), low half, never below Lambda's minimum.
 */
export function priorityConcurrency(maxConcurrency: number): Readonly<Record<JobPriority, number>> {
  return {
    high: Math.min(1000, 2 * maxConcurrency),
    normal: maxConcurrency,
    low: Math.max(MIN_MAPPING_CONCURRENCY, Math.ceil(maxConcurrency / 2)),
  };
}

/** The priority of a job or message; absent means the default, so a normal job stores nothing for it. */
export function priorityOf(holder: { readonly priority?: JobPriority }): JobPriority {
  return holder.priority ?? DEFAULT_PRIORITY;
}
