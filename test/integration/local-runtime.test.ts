import { readFile } from 'node:fs/promises';
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startApiGateway } from '../../local/api-gateway.ts';
import { startDynamoDbLocal } from '../../local/services/dynamodb-local.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { PrerequisiteError } from '../../local/services/prerequisite-error.ts';
import { startSqsLocal } from '../../local/services/sqs-local.ts';

/** The local addresses that listen on `port` (Linux /proc/net/tcp and tcp6; addresses in hex). */
async function listenAddresses(port: number): Promise<string[]> {
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of (await readFile(file, 'utf8')).split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (local === undefined || state !== '0A') continue; // 0A = LISTEN
      const [address, hexPort] = local.split(':') as [string, string];
      if (Number.parseInt(hexPort, 16) !== port) continue;
      // IPv4 (and IPv4-mapped IPv6, ::ffff:a.b.c.d, as Java binds) as a.b.c.d; any other IPv6 as hex.
      const ipv4 = address.length === 8 ? address : /^0{16}FFFF0{4}([0-9A-F]{8})$/.exec(address)?.[1];
      addresses.push(
        ipv4 === undefined
          ? address
          : (ipv4.match(/../g) ?? [])
              .reverse()
              .map((byte) => Number.parseInt(byte, 16))
              .join('.'),
      );
    }
  }
  return addresses;
}

describe('the local runtime', () => {
  let busy: Server | undefined;

  afterEach(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((resolve) => (busy === undefined ? resolve() : busy.close(() => resolve())));
    busy = undefined;
  });

  it('names Java and how to install it when java is not on the PATH', async () => {
    // Prepare
    vi.stubEnv('PATH', '/nonexistent');

    // Act
    const starting = startDynamoDbLocal(0);

    // Assess
    await expect(starting).rejects.toThrow(PrerequisiteError);
    await expect(starting).rejects.toThrow(/DynamoDB Local needs Java 17 or newer and 'java' is not on the PATH/);
  });

  it('listens on 127.0.0.1 only with DynamoDB Local and the SQS/S3 server', async () => {
    // Prepare
    const services = await Promise.all([startDynamoDbLocal(0), startSqsLocal(0)]);

    try {
      // Act
      const bound = await Promise.all(services.map((service) => listenAddresses(Number(new URL(service.endpoint).port))));

      // Assess
      expect(bound).toEqual([['127.0.0.1'], ['127.0.0.1']]);
    } finally {
      await Promise.all(services.map((service) => service.stop()));
    }
  });

  it("indexes DynamoDB Local's stream records without a notice, and keeps a later table's stream whole behind a deleted table's", async () => {
    // Prepare
    const notices: string[] = [];
    const server = await startDynamoDbLocal(0, { onNotice: (line) => notices.push(line) });
    const dynamodb = new DynamoDBClient(localClientConfig(server.endpoint));
    const streams = new DynamoDBStreamsClient(localClientConfig(server.endpoint));
    const table = (TableName: string) =>
      dynamodb.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        }),
      );
    const put = (TableName: string, pk: string) => dynamodb.send(new PutItemCommand({ TableName, Item: { pk: { S: pk } } }));
    let keys: (string | undefined)[] = [];
    try {
      await table('earlier');
      for (let index = 0; index < 50; index += 1) await put('earlier', `earlier-${index}`);
      await dynamodb.send(new DeleteTableCommand({ TableName: 'earlier' }));
      await table('later');
      for (const pk of ['a', 'b', 'c']) await put('later', pk);

      // Act
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'later' }));
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: Table?.LatestStreamArn }));
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: Table?.LatestStreamArn,
          ShardId: StreamDescription?.Shards?.[0]?.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const { Records } = await streams.send(new GetRecordsCommand({ ShardIterator }));
      keys = (Records ?? []).map((record) => record.dynamodb?.NewImage?.pk?.S);
    } finally {
      dynamodb.destroy();
      streams.destroy();
      await server.stop();
    }

    // Assess
    expect(notices).toEqual([]);
    expect(keys).toEqual(['a', 'b', 'c']);
  });

  it('names the port and the variable to change when the API port is taken', async () => {
    // Prepare
    busy = createServer();
    const port = await new Promise<number>((resolve) =>
      busy?.listen(0, '127.0.0.1', () => resolve((busy?.address() as { port: number }).port)),
    );

    // Act
    const starting = startApiGateway(port, async () => ({ statusCode: 200 }));

    // Assess
    await expect(starting).rejects.toThrow(
      `Port ${port} for the local API is already in use: stop what holds it or set PORT to another port`,
    );
  });
});
