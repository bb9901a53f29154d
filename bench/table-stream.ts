import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { ItemChange } from '../functions/jobs/adapters/job-counts.ts';
import { localClientConfig } from '../local/services/local-aws.ts';

/** One write the table's stream reports: the item before and after it (NEW_AND_OLD_IMAGES). */
export type TableWrite = ItemChange & {
  readonly eventName?: string;
  /** `{type: 'Service'}` marks a TTL deletion, which is not billed. */
  readonly userIdentity?: { readonly type?: string };
};

async function allShards(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let after: string | undefined;
  do {
    const { StreamDescription } = await streams.send(
      new DescribeStreamCommand({ StreamArn: streamArn, ...(after === undefined ? {} : { ExclusiveStartShardId: after }) }),
    );
    shards.push(...(StreamDescription?.Shards ?? []));
    after = StreamDescription?.LastEvaluatedShardId;
  } while (after !== undefined);
  return shards;
}

/**
 * Every record of a table's stream, read from the oldest (TRIM_HORIZON) in every shard, closed
 * or open, up to the newest. Each record is one write that reached the table.
 */
export async function readTableStream(endpoint: string, tableName: string): Promise<TableWrite[]> {
  const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
  const streams = new DynamoDBStreamsClient(localClientConfig(endpoint));
  try {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const streamArn = Table?.LatestStreamArn;
    if (streamArn === undefined) throw new Error(`Table ${tableName} has no stream to read the writes from`);
    const records: TableWrite[] = [];
    for (const { ShardId } of await allShards(streams, streamArn)) {
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      // An open shard hands out a next iterator forever: an empty page means its end for now.
      for (let iterator = ShardIterator; iterator !== undefined && iterator !== null;) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1_000 }));
        records.push(...((page.Records ?? []) as TableWrite[]));
        iterator = (page.Records ?? []).length === 0 ? undefined : page.NextShardIterator;
      }
    }
    return records;
  } finally {
    dynamodb.destroy();
    streams.destroy();
  }
}
