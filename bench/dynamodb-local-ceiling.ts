import { DynamoDBClient, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createJobTable } from '../local/provision.ts';
import { startDynamoDbLocal } from '../local/services/dynamodb-local.ts';
import { localClientConfig } from '../local/services/local-aws.ts';

export interface DynamoDbLocalCeiling {
  /** Requests per second DynamoDB Local answered, once warm, with nothing else to do. */
  readonly requestsPerSecond: number;
  readonly concurrency: number;
  readonly seconds: number;
}

const TABLE = 'ceiling';
const SHARDS = 64;

/** A job-sized item (about 480 bytes, as the benchmark measures the job items). */
function jobItem(index: number): Record<string, AttributeValue> {
  return {
    pk: { S: `bench-caller#${index % SHARDS}` },
    sk: { S: String(index).padStart(12, '0') },
    type: { S: 'echo' },
    status: { S: 'queued' },
    attempts: { N: '0' },
    maxAttempts: { N: '3' },
    payload: { S: 'x'.repeat(240) },
    createdAt: { S: new Date().toISOString() },
    expiresAt: { N: String(Math.floor(Date.now() / 1000) + 86_400) },
  };
}

/**
 * How many requests DynamoDB Local serves on this machine, the job path's kinds in the job path's
 * proportions: per job a conditional PutItem (the submit) and two conditional UpdateItems (the
 * claim, returning the item, and the outcome), on a table created from the job table's schema
 * (its stream and sparse indexes on, as the platform runs it). It has a server of its own, so
 * nothing else competes but this client. The JVM is warmed first: its JIT roughly triples the rate
 * over the first half minute. Divided by the DynamoDB requests a job makes, it bounds the local
 * platform's jobs per second.
 */
export async function measureDynamoDbLocalCeiling(
  options: { warmSeconds?: number; seconds?: number; concurrency?: number } = {},
): Promise<DynamoDbLocalCeiling> {
  const { warmSeconds = 30, seconds = 10, concurrency = 16 } = options;
  const server = await startDynamoDbLocal(0);
  const dynamodb = new DynamoDBClient(localClientConfig(server.endpoint));
  try {
    await createJobTable(dynamodb, TABLE);
    let next = 0;
    const oneJob = async (): Promise<void> => {
      const index = next++;
      const item = jobItem(index);
      const key = { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue };
      await dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key,
          UpdateExpression: 'SET #status = :running, attempts = attempts + :one, startedAt = :now',
          ConditionExpression: '#status = :queued AND attempts < maxAttempts',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':running': { S: 'running' },
            ':queued': { S: 'queued' },
            ':one': { N: '1' },
            ':now': { S: new Date().toISOString() },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      await dynamodb.send(
        new UpdateItemCommand({
          TableName: TABLE,
          Key: key,
          UpdateExpression: 'SET #status = :completed, #result = :result, completedAt = :now',
          ConditionExpression: '#status = :running',
          ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
          ExpressionAttributeValues: {
            ':completed': { S: 'completed' },
            ':running': { S: 'running' },
            ':result': { S: 'ok' },
            ':now': { S: new Date().toISOString() },
          },
        }),
      );
    };
    const runFor = async (forSeconds: number): Promise<number> => {
      const end = Date.now() + forSeconds * 1_000;
      let jobs = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < end) {
            await oneJob();
            jobs += 1;
          }
        }),
      );
      return jobs;
    };
    await runFor(warmSeconds);
    const jobs = await runFor(seconds);
    return { requestsPerSecond: (jobs * 3) / seconds, concurrency, seconds };
  } finally {
    dynamodb.destroy();
    await server.stop();
  }
}
