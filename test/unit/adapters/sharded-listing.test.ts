import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeShardPages, type ShardReader } from '../../../functions/jobs/adapters/sharded-listing.ts';

/** Shards as DynamoDB would serve them: newest first below `before`, `limit` per read, with an optional filter. */
function readerOf(shards: string[][], keep: (sk: string) => boolean = () => true): ShardReader {
  return async (shard, before, limit) => {
    const ordered = [...(shards[shard] ?? [])].sort().reverse();
    const below = ordered.filter((sk) => before === undefined || sk < before);
    const read = below.slice(0, limit);
    return {
      items: read.filter(keep).map((sk) => ({ sk })),
      evaluatedTo: below.length > limit ? read.at(-1) : undefined,
    };
  };
}

async function pageThrough(reader: ShardReader, shardCount: number, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let before: string | undefined;
  let pages = 0;
  do {
    const page = await mergeShardPages(reader, shardCount, limit, before);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((item) => String(item.sk)));
    before = page.before;
    pages += 1;
  } while (before !== undefined && pages < 10_000);
  return { ids, pages };
}

const id = fc.integer({ min: 0, max: 1e9 }).map((value) => value.toString(16).padStart(8, '0'));

describe('mergeShardPages', () => {
  it('lists every item of every shard exactly once, newest first, whatever the page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 16 })
          .chain((shardCount) =>
            fc.tuple(fc.constant(shardCount), fc.uniqueArray(id, { maxLength: 300 }), fc.integer({ min: 1, max: 100 })),
          ),
        async ([shardCount, ids, limit]) => {
          // Prepare: ids spread over the shards at random
          const shards = Array.from({ length: shardCount }, () => [] as string[]);
          ids.forEach((value, index) => shards[(index * 7 + value.length) % shardCount]?.push(value));

          // Act
          const { ids: listed } = await pageThrough(readerOf(shards), shardCount, limit);

          // Assess
          expect(listed).toEqual([...ids].sort().reverse());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lists exactly the matching items when a filter drops most of what each read returns', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(id, { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 30 }), async (ids, limit) => {
        // Prepare: one item in ten matches
        const shards = Array.from({ length: 8 }, (_, shard) => ids.filter((_, index) => index % 8 === shard));
        const keep = (sk: string) => Number.parseInt(sk, 16) % 10 === 0;

        // Act
        const { ids: listed } = await pageThrough(readerOf(shards, keep), 8, limit);

        // Assess
        expect(listed).toEqual(ids.filter(keep).sort().reverse());
      }),
      { numRuns: 100 },
    );
  });

  it('says there is no next page when the shards hold fewer items than a page', async () => {
    // Act
    const page = await mergeShardPages(readerOf([['b'], [], ['a', 'c']]), 3, 10, undefined);

    // Assess
    expect(page).toEqual({ items: [{ sk: 'c' }, { sk: 'b' }, { sk: 'a' }], before: undefined });
  });
});
