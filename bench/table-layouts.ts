import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { callerKey } from '../functions/jobs/adapters/job-keys.ts';
import { JOB_TABLE_SCHEMA } from '../functions/jobs/adapters/job-table-schema.ts';

export type Image = Record<string, AttributeValue>;

/** Where a layout puts an item: a partition key value of the table or of one KEYS_ONLY index. */
export interface KeyLayout {
  readonly name: string;
  /** The item's partition key value here; undefined: the item has no entry here. */
  readonly keyOf: (image: Image) => string | undefined;
  /** The same key with the caller taken out: what it would be if one caller sent every job. */
  readonly singleCaller: (key: string) => string;
  /** How many keys one caller's jobs spread over here, evenly by the job id's random bits (its shards). */
  readonly spreadOver?: number;
}

/** How a table layout keys the items the stream shows, for the write model (scale-model.ts). */
export interface TableLayout {
  readonly name: string;
  readonly table: KeyLayout;
  readonly indexes: readonly KeyLayout[];
  /**
   * The per-caller counts item a job write feeds, when the layout keeps one. In AWS the stream
   * consumer writes it (TransactWriteItems, 2 WRU per KB) once per batch of `batchSize` records.
   */
  readonly counts?: KeyLayout & { readonly batchSize: number };
}

const text = (image: Image, name: string) => image[name]?.S;
const isJob = (image: Image) => text(image, 'owner') !== undefined && text(image, 'status') !== undefined;
/** What a caller's key is replaced with in the single-caller model. */
export const ONE_CALLER = '<caller>';
/** `<caller key>#rest` → `<caller>#rest`. */
const withoutCallerKey = (key: string) => `${ONE_CALLER}#${key.split('#').slice(1).join('#')}`;

/** The layout of JOB_TABLE_SCHEMA: jobs on `<caller key>#<shard>`, the sparse status index, counts items. */
export const CURRENT_LAYOUT: TableLayout = {
  name: 'current (caller shards)',
  table: {
    name: 'table',
    keyOf: (image) => {
      const pk = text(image, JOB_TABLE_SCHEMA.partitionKey);
      // Counts items are modelled from the AWS stream mapping instead (see `counts`).
      return pk === undefined || pk.startsWith('c#') ? undefined : pk;
    },
    singleCaller: (key) => {
      if (key.startsWith('p#')) return key;
      if (key.startsWith('i#')) return `i#${ONE_CALLER}#${key.split('#').slice(2).join('#')}`;
      return withoutCallerKey(key);
    },
    spreadOver: JOB_TABLE_SCHEMA.callerShards,
  },
  indexes: Object.values(JOB_TABLE_SCHEMA.indexes).map((index) => ({
    name: index.name,
    keyOf: (image: Image) => text(image, index.partitionKey),
    singleCaller: withoutCallerKey,
    spreadOver: JOB_TABLE_SCHEMA.callerShards,
  })),
  counts: {
    name: 'table (counts)',
    keyOf: (image) => (isJob(image) ? `c#${callerKey(text(image, 'owner') as string)}` : undefined),
    singleCaller: () => `c#${ONE_CALLER}`,
    // The consumer's batch size in lib/constructs/job-counts.ts.
    batchSize: 1_000,
  },
};

/**
 * The layout before issue 9: one item per job keyed by its id, an index `byOwner` (owner, set
 * when the job is created) and an index `byOwnerStatus` (`owner#status`, moved on every status change).
 */
export const PREVIOUS_LAYOUT: TableLayout = {
  name: 'previous (job id, owner indexes)',
  table: {
    name: 'table',
    keyOf: (image) => (isJob(image) ? text(image, JOB_TABLE_SCHEMA.sortKey) : undefined),
    singleCaller: (key) => key,
  },
  indexes: [
    { name: 'byOwner', keyOf: (image) => (isJob(image) ? text(image, 'owner') : undefined), singleCaller: () => '<owner>' },
    {
      name: 'byOwnerStatus',
      keyOf: (image) => (isJob(image) ? `${text(image, 'owner')}#${text(image, 'status')}` : undefined),
      singleCaller: (key) => `<owner>#${key.split('#').at(-1) ?? ''}`,
    },
  ],
};
