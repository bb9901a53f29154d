import { itemSize } from './item-size.ts';
import { ONE_CALLER, type Image, type TableLayout } from './table-layouts.ts';
import type { TableWrite } from './table-stream.ts';

/** DynamoDB's per-partition-key limits (DynamoDB developer guide, "Burst and adaptive capacity"). */
export const KEY_WRITE_UNITS_PER_SECOND = 1_000;
export const KEY_READ_UNITS_PER_SECOND = 3_000;

export interface KeyLoad {
  /** `table` or the index name. */
  readonly where: string;
  readonly key: string;
  readonly wruPerJob: number;
}

export interface ScaleModel {
  readonly layout: string;
  readonly jobs: number;
  /** Writes of the stream that this layout has an item for. */
  readonly writes: number;
  readonly wruPerJob: number;
  /** The WRU per job by where they land: the table, each index, the counts items, refused conditional writes. */
  readonly wruPerJobBy: Record<string, number>;
  /** The key that took the most write units, keys as they were in the run. */
  readonly hottestKey: KeyLoad;
  /** Keys with the caller taken out (one caller sending every job): the hottest few. */
  readonly singleCallerTop: readonly KeyLoad[];
  /** 1,000 WRU/s per key ÷ the single-caller hottest key's WRU per job. */
  readonly singleCallerCeilingJobsPerSecond: number;
  /**
   * Where the hottest key is one of a caller's shards: the same ceiling had the writes spread
   * exactly evenly over the shards. A short run leaves one shard hotter than the rest by chance;
   * at thousands of jobs a second the shards even out.
   */
  readonly evenSpread?: { readonly keys: number; readonly wruPerJobPerKey: number; readonly ceilingJobsPerSecond: number };
}

const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** The writes of the given callers' jobs: job items by their `owner`, payload items (`p#<jobId>`) by their job's. */
export function writesOfCallers(writes: readonly TableWrite[], owners: ReadonlySet<string>): TableWrite[] {
  const ownerOfJob = new Map<string, string>();
  for (const write of writes) {
    const image = write.dynamodb?.NewImage ?? write.dynamodb?.OldImage;
    if (image?.owner?.S !== undefined && image.sk?.S !== undefined) ownerOfJob.set(image.sk.S, image.owner.S);
  }
  return writes.filter((write) => {
    const image = write.dynamodb?.NewImage ?? write.dynamodb?.OldImage ?? {};
    const pk = image.pk?.S ?? '';
    const owner = image.owner?.S ?? (pk.startsWith('p#') ? ownerOfJob.get(pk.slice(2)) : undefined);
    return owner !== undefined && owners.has(owner);
  });
}

/**
 * Works out, from each write the stream shows (the item before and after), the write units it
 * cost the table and each index, per partition key value. The table bills the larger image,
 * 1 WRU per KB; a KEYS_ONLY index entry costs nothing while its key stays, and a delete plus a
 * put (1 WRU each) when it changes. TTL deletions are free. `conditionFailures` (refused
 * conditional writes, which the stream never shows) add 1 WRU each to the total.
 */
export function modelWrites(writes: readonly TableWrite[], layout: TableLayout, jobs: number, conditionFailures: number): ScaleModel {
  const perKey = new Map<string, number>();
  const byWhere: Record<string, number> = {};
  const add = (where: string, key: string, wru: number) => {
    perKey.set(`${where}\u0000${key}`, (perKey.get(`${where}\u0000${key}`) ?? 0) + wru);
    byWhere[where] = (byWhere[where] ?? 0) + wru;
  };
  let counted = 0;
  for (const write of writes) {
    if (write.userIdentity?.type === 'Service') continue;
    const before: Image | undefined = write.dynamodb?.OldImage;
    const after: Image | undefined = write.dynamodb?.NewImage;
    const image = (after ?? before) as Image;
    const tableKey = image === undefined ? undefined : layout.table.keyOf(image);
    if (tableKey === undefined) continue;
    counted += 1;
    add(
      layout.table.name,
      tableKey,
      units(Math.max(before === undefined ? 0 : itemSize(before), after === undefined ? 0 : itemSize(after))),
    );
    for (const index of layout.indexes) {
      const old = before === undefined ? undefined : index.keyOf(before);
      const next = after === undefined ? undefined : index.keyOf(after);
      if (old === next) continue;
      if (old !== undefined) add(index.name, old, 1);
      if (next !== undefined) add(index.name, next, 1);
    }
    const countsKey = layout.counts?.keyOf(image);
    if (layout.counts !== undefined && countsKey !== undefined) add(layout.counts.name, countsKey, 2 / layout.counts.batchSize);
  }
  if (conditionFailures > 0) byWhere['refused conditional writes'] = conditionFailures;

  const loads = (grouped: Map<string, number>) =>
    [...grouped]
      .map(([id, wru]) => {
        const [where = '', key = ''] = id.split('\u0000');
        return { where, key, wruPerJob: wru / jobs };
      })
      .sort((a, b) => b.wruPerJob - a.wruPerJob);
  const partOf = (where: string) =>
    where === layout.table.name ? layout.table : (layout.indexes.find((index) => index.name === where) ?? layout.counts);
  const singleCaller = new Map<string, number>();
  for (const [id, wru] of perKey) {
    const [where = '', key = ''] = id.split('\u0000');
    const merged = `${where}\u0000${partOf(where)?.singleCaller(key) ?? key}`;
    singleCaller.set(merged, (singleCaller.get(merged) ?? 0) + wru);
  }
  const none: KeyLoad = { where: '–', key: '–', wruPerJob: 0 };
  const singleCallerLoads = loads(singleCaller);
  const singleCallerTop = singleCallerLoads.slice(0, 5);
  const hottest = singleCallerTop[0] ?? none;
  const spreadOver = partOf(hottest.where)?.spreadOver;
  const shardLoad = singleCallerLoads
    .filter((load) => load.where === hottest.where && load.key.startsWith(`${ONE_CALLER}#`))
    .reduce((sum, load) => sum + load.wruPerJob, 0);
  const evenSpread =
    spreadOver === undefined || shardLoad === 0
      ? undefined
      : {
          keys: spreadOver,
          wruPerJobPerKey: shardLoad / spreadOver,
          ceilingJobsPerSecond: (KEY_WRITE_UNITS_PER_SECOND * spreadOver) / shardLoad,
        };
  return {
    layout: layout.name,
    jobs,
    writes: counted,
    wruPerJob: Object.values(byWhere).reduce((sum, wru) => sum + wru, 0) / jobs,
    wruPerJobBy: Object.fromEntries(Object.entries(byWhere).map(([where, wru]) => [where, wru / jobs])),
    hottestKey: loads(perKey)[0] ?? none,
    singleCallerTop,
    singleCallerCeilingJobsPerSecond: hottest.wruPerJob > 0 ? KEY_WRITE_UNITS_PER_SECOND / hottest.wruPerJob : Number.POSITIVE_INFINITY,
    ...(evenSpread === undefined ? {} : { evenSpread }),
  };
}
