import type { Redis } from 'ioredis';

/**
 * Stores a chunk's part only if the chunk has none yet (HSETNX), and only then counts it (INCR):
 * one script, so Redis runs it atomically and a chunk run twice is never counted twice. Both
 * keys get a TTL on every call, so an abandoned job's keys do not outlive it.
 * KEYS: parts hash, counter. ARGV: chunk index, part, TTL seconds. Returns {stored 0|1, count}.
 */
export const STORE_CHUNK_SCRIPT = `
local stored = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
local count
if stored == 1 then
  count = redis.call('INCR', KEYS[2])
else
  count = tonumber(redis.call('GET', KEYS[2]) or '0')
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {stored, count}
`;

/** A job's keys expire a day after their last chunk, in case no chunk ever assembles them. */
const KEY_TTL_SECONDS = 24 * 3600;

/** Parts read per HMGET while assembling, to keep each reply small. */
const PARTS_PER_READ = 100;

/** What storing one chunk's part did. */
export interface StoredChunk {
  /** False when the chunk had stored its part before (a re-run): nothing was counted. */
  readonly stored: boolean;
  /** Chunks counted so far, this one included. */
  readonly count: number;
}

type ScriptedRedis = Redis & {
  storeChunk(partsKey: string, counterKey: string, chunkIndex: string, part: string, ttlSeconds: number): Promise<[number, number]>;
};

/**
 * A long job's progress and partial results in Redis (SPEC §6). Keys share the `{jobId}` hash
 * tag, so the script's two keys live in one slot on a cluster too. Every part stays in memory
 * until the job assembles: 10,000 CSV rows are about 250 KB, a million about 25 MB.
 */
export class ChunkStore {
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis) {
    redis.defineCommand('storeChunk', { numberOfKeys: 2, lua: STORE_CHUNK_SCRIPT });
    this.redis = redis as ScriptedRedis;
  }

  private keys(jobId: string) {
    return { parts: `job:{${jobId}}:parts`, counter: `job:{${jobId}}:done` };
  }

  /** Stores chunk `chunkIndex`'s part and counts it, unless it was stored before. */
  async store(jobId: string, chunkIndex: number, part: string): Promise<StoredChunk> {
    const { parts, counter } = this.keys(jobId);
    const [stored, count] = await this.redis.storeChunk(parts, counter, String(chunkIndex), part, KEY_TTL_SECONDS);
    return { stored: stored === 1, count };
  }

  /** Chunks counted so far. */
  async count(jobId: string): Promise<number> {
    return Number((await this.redis.get(this.keys(jobId).counter)) ?? 0);
  }

  /** Every part in chunk order; undefined where a part is missing (the keys were deleted or expired). */
  async parts(jobId: string, total: number): Promise<(string | undefined)[]> {
    const found: (string | undefined)[] = [];
    for (let first = 0; first < total; first += PARTS_PER_READ) {
      const fields = Array.from({ length: Math.min(PARTS_PER_READ, total - first) }, (_, offset) => String(first + offset));
      const values = await this.redis.hmget(this.keys(jobId).parts, ...fields);
      found.push(...values.map((value) => value ?? undefined));
    }
    return found;
  }

  /** Removes the job's keys once its output is safe in S3 and its record says so. */
  async delete(jobId: string): Promise<void> {
    const { parts, counter } = this.keys(jobId);
    await this.redis.del(parts, counter);
  }
}
