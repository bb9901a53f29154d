import type { NativeAttributeValue } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../domain/errors.ts';
import type { JobStatus } from '../domain/job.ts';

/**
 * Newest-first listing over a caller's shards. Every shard is ordered by the same sort key
 * (time-ordered job ids), so a page is a k-way merge, and one sort key value says where the
 * next page starts: the cursor stays small whatever the number of shards.
 */

type Item = Record<string, NativeAttributeValue>;

/** One read of one shard: items newest first, and the sort key its reading stopped at (undefined: the shard has no more). */
export interface ShardPage {
  readonly items: readonly Item[];
  readonly evaluatedTo: string | undefined;
}

export type ShardReader = (shard: number, before: string | undefined, limit: number) => Promise<ShardPage>;

/** Rounds of reads per page; a filter that matches little returns a short page and a cursor instead of reading on. */
const MAX_ROUNDS = 5;

interface ShardState {
  buffered: Item[];
  next: string | undefined;
  done: boolean;
}

/**
 * Reads up to `limit` items older than `before`, newest first, from `shardCount` shards.
 * `before` in the result is where the next page starts, or undefined when nothing is left.
 */
export async function mergeShardPages(
  read: ShardReader,
  shardCount: number,
  limit: number,
  before: string | undefined,
): Promise<{ items: Item[]; before: string | undefined }> {
  // Twice a fair share per shard, so one round usually fills the page.
  const perShard = Math.ceil((2 * limit) / shardCount) + 1;
  const shards: ShardState[] = Array.from({ length: shardCount }, () => ({ buffered: [], next: before, done: false }));
  const items: Item[] = [];
  const sortKey = (item: Item) => String(item.sk);
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    await Promise.all(
      shards.map(async (shard, index) => {
        if (shard.done || shard.buffered.length > 0) return;
        const page = await read(index, shard.next, perShard);
        shard.buffered.push(...page.items);
        if (page.evaluatedTo === undefined) shard.done = true;
        else shard.next = page.evaluatedTo;
      }),
    );
    // Every shard has been read down to its `next`: items at or above the highest of those are complete.
    const open = shards.filter((shard) => !shard.done).map((shard) => shard.next as string);
    const threshold = open.length === 0 ? undefined : open.reduce((a, b) => (a > b ? a : b));
    for (;;) {
      let newest: ShardState | undefined;
      for (const shard of shards) {
        const head = shard.buffered[0];
        if (head === undefined || (threshold !== undefined && sortKey(head) < threshold)) continue;
        if (newest === undefined || sortKey(head) > sortKey(newest.buffered[0] as Item)) newest = shard;
      }
      if (newest === undefined) break;
      items.push(newest.buffered.shift() as Item);
      if (items.length === limit) {
        const last = sortKey(items[items.length - 1] as Item);
        const more = shards.some((shard) => !shard.done || shard.buffered.length > 0);
        return { items, before: more ? last : undefined };
      }
    }
    if (threshold === undefined) return { items, before: undefined };
    if (round === MAX_ROUNDS - 1) return { items, before: threshold };
    // Everything at or above the threshold is out; what was read below it is read again from
    // there on the next round, so no shard skips what another shard's page cut off.
    for (const shard of shards) {
      if (shard.buffered.length > 0 || !shard.done) {
        shard.buffered = [];
        shard.next = threshold;
        shard.done = false;
      }
    }
  }
  return { items, before: undefined };
}

interface CursorScope {
  readonly status?: JobStatus;
  readonly type?: string;
  /** A listing of one recurring schedule's jobs (`GET /jobs?schedule=`). */
  readonly schedule?: string;
}

export function encodeListCursor(before: string, scope: CursorScope): string {
  const fields = {
    before,
    status: scope.status ?? null,
    type: scope.type ?? null,
    ...(scope.schedule === undefined ? {} : { schedule: scope.schedule }),
  };
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

/** The cursor's starting point; a cursor of another listing (other filters) or not ours at all is a 400. */
export function decodeListCursor(cursor: string, scope: CursorScope): { before: string } {
  const invalid = new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'must be a nextCursor returned by this listing' }]);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const record = decoded as Record<string, unknown> | null;
  if (
    typeof record !== 'object' ||
    record === null ||
    Object.keys(record).length !== (scope.schedule === undefined ? 3 : 4) ||
    (scope.schedule !== undefined && record.schedule !== scope.schedule) ||
    typeof record.before !== 'string' ||
    !/^[0-9a-f-]{36}$/.test(record.before) ||
    record.status !== (scope.status ?? null) ||
    record.type !== (scope.type ?? null)
  ) {
    throw invalid;
  }
  return { before: record.before };
}
