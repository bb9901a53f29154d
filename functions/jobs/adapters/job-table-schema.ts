/**
 * The layout of the job table, declared once: the CDK table construct and the local
 * runtime's CreateTable both read it, and the repository reads the names from it.
 */
export const JOB_TABLE_SCHEMA = {
  partitionKey: 'pk',
  /** Epoch seconds after which DynamoDB's TTL deletes a finished job or a spent idempotency key. */
  timeToLiveAttribute: 'expiresAt',
  indexes: {
    /** A caller's jobs, newest first: `GET /jobs`. */
    byOwner: { name: 'byOwner', partitionKey: 'owner', sortKey: 'createdAt' },
    /** A caller's jobs in one status, newest first: `GET /jobs?status=`. */
    byOwnerStatus: { name: 'byOwnerStatus', partitionKey: 'ownerStatus', sortKey: 'createdAt' },
  },
} as const;

export type JobTableIndexName = keyof typeof JOB_TABLE_SCHEMA.indexes;

/** Every attribute used as a key of the table or an index; all are strings. */
export const JOB_TABLE_KEY_ATTRIBUTES: readonly string[] = [
  ...new Set([
    JOB_TABLE_SCHEMA.partitionKey,
    ...Object.values(JOB_TABLE_SCHEMA.indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
  ]),
];
