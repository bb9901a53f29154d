import { readFile, writeFile } from 'node:fs/promises';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';

export interface DynamoDbStreamSourceOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  /** Records per invocation at most (the mapping's BatchSize). */
  readonly batchSize: number;
  /** Milliseconds between polls of a shard that had nothing new. */
  readonly pollIntervalMs?: number;
  /** Invokes the function with one batch; a thrown error retries the same batch. */
  readonly invoke: (records: _Record[]) => Promise<unknown>;
  /** Where the position in each shard is kept across restarts; without it, every start reads the stream from its oldest record. */
  readonly checkpointFile?: string;
  readonly onError?: (error: unknown) => void;
}

type Checkpoints = Record<string, string>;

interface SavedCheckpoints {
  readonly streamArn: string;
  readonly shards: Checkpoints;
}

/**
 * Plays the Lambda event source mapping for a DynamoDB stream: reads every shard in order,
 * invokes the function with batches of records, retries a failed batch until it succeeds (so
 * a shard's records are never skipped or reordered), and follows shards as they close and
 * new ones open. The position in each shard is saved, so a restart neither loses nor repeats
 * records.
 */
export class DynamoDbStreamSource {
  private running = false;
  private loop: Promise<void> | undefined;
  private checkpoints: Checkpoints = {};
  private readonly finished = new Set<string>();

  constructor(private readonly options: DynamoDbStreamSourceOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    if (this.options.checkpointFile !== undefined) {
      const saved = JSON.parse(await readFile(this.options.checkpointFile, 'utf8').catch(() => '{}')) as Partial<SavedCheckpoints>;
      // Positions of another stream (the table was created anew) mean nothing here.
      if (saved.streamArn === this.options.streamArn) this.checkpoints = saved.shards ?? {};
    }
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** An iterator per open shard: after its checkpoint, or at the start of a shard first seen. */
  private async openIterators(): Promise<{ shardId: string; iterator: string }[]> {
    const { StreamDescription } = await this.options.streams.send(new DescribeStreamCommand({ StreamArn: this.options.streamArn }));
    const shards = (StreamDescription?.Shards ?? []).filter((shard) => shard.ShardId !== undefined && !this.finished.has(shard.ShardId));
    const iterators = await Promise.all(
      shards.map(async (shard) => {
        const shardId = shard.ShardId as string;
        const after = this.checkpoints[shardId];
        const { ShardIterator } = await this.options.streams.send(
          new GetShardIteratorCommand({
            StreamArn: this.options.streamArn,
            ShardId: shardId,
            ...(after !== undefined
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        return ShardIterator === undefined ? [] : [{ shardId, iterator: ShardIterator }];
      }),
    );
    return iterators.flat();
  }

  private async run(): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 100;
    let iterators = new Map<string, string>();
    while (this.running) {
      try {
        if (iterators.size === 0) iterators = new Map((await this.openIterators()).map(({ shardId, iterator }) => [shardId, iterator]));
        let read = 0;
        for (const [shardId, iterator] of [...iterators]) {
          const { Records = [], NextShardIterator } = await this.options.streams.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: this.options.batchSize }),
          );
          if (Records.length > 0) {
            await this.options.invoke(Records);
            this.checkpoints[shardId] = Records.at(-1)?.dynamodb?.SequenceNumber ?? this.checkpoints[shardId] ?? '';
            await this.saveCheckpoints();
            read += Records.length;
          }
          if (NextShardIterator === undefined || NextShardIterator === null) {
            // The shard closed: its children are found on the next describe.
            this.finished.add(shardId);
            iterators.clear();
          } else iterators.set(shardId, NextShardIterator);
        }
        if (read === 0) await new Promise((resolve) => setTimeout(resolve, interval));
      } catch (error) {
        if (!this.running) return;
        if ((error as Error).name === 'TrimmedDataAccessException') {
          // The checkpoints are older than the oldest record kept: whatever followed them that
          // is still there comes after them, so reading from the oldest record repeats nothing.
          this.checkpoints = {};
        } else {
          this.options.onError?.(error);
        }
        // The batch is read again from the checkpoint, as Lambda retries a failed batch.
        iterators = new Map();
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async saveCheckpoints(): Promise<void> {
    if (this.options.checkpointFile === undefined) return;
    const saved: SavedCheckpoints = { streamArn: this.options.streamArn, shards: this.checkpoints };
    await writeFile(this.options.checkpointFile, JSON.stringify(saved));
  }
}
