/**
 * The layout of the job table, declared once: the CDK table construct and the local
 * runtime's CreateTable both read it, and the repository builds every key from it.
 *
 * One table holds six kinds of item:
 *
 * | item | pk | sk |
 * |---|---|---|
 * | job | `<caller key>#<shard>` | jobId (UUIDv7: time-ordered) |
 * | payload of a job, when it is too large to sit in the job item | `p#<jobId>` | `payload` |
 * | idempotency key | `i#<caller key>#<key>` | `key` |
 * | a caller's counts per status | `c#<caller key>` | `counts` |
 * | a job waiting on another (`dependsOn`) | `d#<dependency jobId>` | the waiting job's id |
 * | the token bucket of a job type with a `perSecond` limit | `r#<type>` | `rate` |
 * | a caller's recurring schedule | `s#<caller key>` | the schedule's name |
 *
 * A caller's jobs spread over `callerShards` partition key values (the shard comes from the
 * job id), so one caller's writes never meet on one key: DynamoDB serves about 1,000 write
 * units a second per partition key value. Within a shard the sort key orders jobs by time,
 * which is how `GET /jobs` lists newest first without an index.
 */
export const JOB_TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB's TTL deletes a finished job, a spent idempotency key or a payload item. */
  timeToLiveAttribute: 'expiresAt',
  /**
   * Partition key values per caller. A job costs about 3.6 write units over its life (the
   * benchmark's mix), so 64 shards keep each key under 1,000 WRU/s up to ~17,000 jobs/s from
   * one caller; listing reads one page from every shard at once.
   */
  callerShards: 64,
  indexes: {
    /**
     * Sparse: only failed and cancelled jobs carry `statusKey` (`<job pk>#<status>`), so the
     * happy path never writes this index, while the statuses an engineer looks for among
     * millions of completed jobs are one query away. Keys only; the items are read after.
     */
    byCallerStatus: { name: 'byCallerStatus', partitionKey: 'statusKey', sortKey: 'sk' },
    /**
     * Sparse: only jobs a recurring schedule created carry `scheduleKey` (`<caller key>#<schedule
     * name>`), so `GET /jobs?schedule=` is one query, newest first. A schedule fires at most once a
     * minute, far below what one key serves. Keys only, like the status index.
     */
    bySchedule: { name: 'bySchedule', partitionKey: 'scheduleKey', sortKey: 'sk' },
  },
  /** Statuses listed through the sparse index; the others are found by filtering the newest-first listing. */
  indexedStatuses: ['failed', 'cancelled'],
  /** The stream feeds the per-caller counts (`GET /stats`) with each item before and after every write. */
  streamView: 'NEW_AND_OLD_IMAGES',
} as const;

export type JobTableIndexName = keyof typeof JOB_TABLE_SCHEMA.indexes;

/** Every attribute used as a key of the table or an index; all are strings. */
export const JOB_TABLE_KEY_ATTRIBUTES: readonly string[] = [
  ...new Set([
    JOB_TABLE_SCHEMA.partitionKey,
    JOB_TABLE_SCHEMA.sortKey,
    ...Object.values(JOB_TABLE_SCHEMA.indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
  ]),
];
