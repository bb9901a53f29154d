import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { UnavailableError, ValidationError } from '../domain/errors.ts';
import type { Job, JobProgress, JobStatus } from '../domain/job.ts';
import { JOB_TABLE_SCHEMA } from './job-table-schema.ts';

const { partitionKey, indexes } = JOB_TABLE_SCHEMA;

/** Another writer changed the job since it was read; re-read and decide again. */
export class StaleJobError extends Error {
  constructor(jobId: string) {
    super(`Job ${jobId} changed while it was being updated`);
    this.name = 'StaleJobError';
  }
}

/** An idempotency key already used by the same caller within its 24 hours. */
export interface IdempotencyRecord {
  readonly jobId: string;
  readonly requestHash: string;
}

export interface NewIdempotencyKey extends IdempotencyRecord {
  readonly owner: string;
  readonly key: string;
  /** Epoch seconds after which the key may be reused. */
  readonly expiresAt: number;
}

export interface ListQuery {
  readonly owner: string;
  readonly status?: JobStatus;
  readonly type?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface JobPage {
  readonly items: Job[];
  readonly nextCursor: string | null;
}

/**
 * A stored job: the job plus its keys. Payload and result are kept as JSON text, so any JSON
 * a caller sends is stored as sent (DynamoDB maps cap nesting at 32 levels and numbers at 38 digits).
 */
type JobItem = Omit<Job, 'payload' | 'result'> & {
  pk: string;
  ownerStatus: string;
  payloadJson: string;
  resultJson?: string;
};

const idempotencyKeyOf = (owner: string, key: string): string => `idempotency#${owner}#${key}`;

function toItem(job: Job): JobItem {
  const { payload, result, ...rest } = job;
  const item: JobItem = {
    ...rest,
    pk: job.jobId,
    ownerStatus: `${job.owner}#${job.status}`,
    payloadJson: JSON.stringify(payload),
  };
  if (result !== undefined) item.resultJson = JSON.stringify(result);
  return item;
}

function fromItem(item: Record<string, unknown>): Job {
  const { pk: _pk, ownerStatus: _ownerStatus, payloadJson, resultJson, ...rest } = item as JobItem;
  const job = { ...rest, payload: JSON.parse(payloadJson) as Record<string, unknown> } as Job & { result?: unknown };
  if (resultJson !== undefined) job.result = JSON.parse(resultJson);
  return job;
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, indexKey: string, indexValue: string): Record<string, string> {
  const invalid = new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'must be a nextCursor returned by this listing' }]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const record = key as Record<string, unknown> | null;
  const expected = [partitionKey, indexKey, 'createdAt'];
  if (
    typeof record !== 'object' ||
    record === null ||
    Object.keys(record).length !== new Set(expected).size ||
    !expected.every((name) => typeof record[name] === 'string') ||
    record[indexKey] !== indexValue
  ) {
    throw invalid;
  }
  return record as Record<string, string>;
}

/** Reads and writes jobs in the job table; every write of an existing job is conditional on its version. */
export class JobRepository {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(jobId: string): Promise<Job | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { [partitionKey]: jobId }, ConsistentRead: true }),
    );
    return Item === undefined || Item.owner === undefined ? undefined : fromItem(Item);
  }

  /**
   * Writes a new job, and with it the caller's idempotency key if one was given. Returns the
   * key's earlier record instead when the key is already taken.
   */
  async create(job: Job, idempotency?: NewIdempotencyKey): Promise<IdempotencyRecord | undefined> {
    const putJob = {
      TableName: this.tableName,
      Item: toItem(job),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': partitionKey },
    };
    if (idempotency === undefined) {
      await this.documents.send(new PutCommand(putJob));
      return undefined;
    }
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: putJob },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  [partitionKey]: idempotencyKeyOf(idempotency.owner, idempotency.key),
                  jobId: idempotency.jobId,
                  requestHash: idempotency.requestHash,
                  [JOB_TABLE_SCHEMA.timeToLiveAttribute]: idempotency.expiresAt,
                },
                // TTL deletes lazily, so an expired key is reusable even while it still exists.
                ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
                ExpressionAttributeNames: { '#pk': partitionKey, '#expiresAt': JOB_TABLE_SCHEMA.timeToLiveAttribute },
                ExpressionAttributeValues: { ':now': Math.floor(Date.parse(job.createdAt) / 1000) },
              },
            },
          ],
        }),
      );
      return undefined;
    } catch (error) {
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
      const earlier = await this.findIdempotencyKey(idempotency.owner, idempotency.key, Date.parse(job.createdAt));
      if (earlier === undefined) throw error;
      return earlier;
    }
  }

  /** The job an unexpired idempotency key points at, if any. */
  async findIdempotencyKey(owner: string, key: string, now: number): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: { [partitionKey]: idempotencyKeyOf(owner, key) }, ConsistentRead: true }),
    );
    if (Item === undefined || (Item.expiresAt as number) * 1000 <= now) return undefined;
    return { jobId: Item.jobId as string, requestHash: Item.requestHash as string };
  }

  /** Writes `job` if the stored version is still the one before it; else throws StaleJobError. */
  async save(job: Job): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(job),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': job.version - 1 },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StaleJobError(job.jobId);
      throw error;
    }
  }

  /**
   * Sets a running job's progress if it moves forward; false when the job is not running or
   * already shows as much. One update instead of read-then-save: chunks finishing at the same
   * time would otherwise lose the optimistic lock to each other. It still bumps `version`, so
   * every read-then-save writer notices it.
   */
  async recordProgress(jobId: string, progress: JobProgress, now: number): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [partitionKey]: jobId },
          UpdateExpression: 'SET #progress = :progress, #updatedAt = :updatedAt ADD #version :one',
          ConditionExpression: '#status = :running AND (attribute_not_exists(#progress) OR #progress.#done < :done)',
          ExpressionAttributeNames: {
            '#progress': 'progress',
            '#updatedAt': 'updatedAt',
            '#version': 'version',
            '#status': 'status',
            '#done': 'done',
          },
          ExpressionAttributeValues: {
            ':progress': { done: progress.done, total: progress.total },
            ':updatedAt': new Date(now).toISOString(),
            ':one': 1,
            ':running': 'running',
            ':done': progress.done,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** A caller's jobs, newest first, from an index (never a scan); `type` filters the index's pages. */
  async list(query: ListQuery): Promise<JobPage> {
    const index = query.status === undefined ? indexes.byOwner : indexes.byOwnerStatus;
    const indexValue = query.status === undefined ? query.owner : `${query.owner}#${query.status}`;
    let startKey = query.cursor === undefined ? undefined : decodeCursor(query.cursor, index.partitionKey, indexValue);
    const items: Job[] = [];
    // With a type filter a page may hold none of the type; stop after a bounded number of reads.
    for (let round = 0; round < 10 && items.length < query.limit; round += 1) {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#key = :value',
          ExpressionAttributeNames: { '#key': index.partitionKey },
          ExpressionAttributeValues: { ':value': indexValue },
          ScanIndexForward: false,
          Limit: query.limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      const jobs = await this.getMany((page.Items ?? []).map((item) => item[partitionKey] as string));
      items.push(...jobs.filter((job) => query.type === undefined || job.type === query.type));
      startKey = page.LastEvaluatedKey as Record<string, string> | undefined;
      if (startKey === undefined) break;
    }
    return { items, nextCursor: startKey === undefined ? null : encodeCursor(startKey) };
  }

  /** Jobs by id in the order given; ids whose job is gone (TTL) are skipped. */
  private async getMany(jobIds: string[]): Promise<Job[]> {
    if (jobIds.length === 0) return [];
    const found = new Map<string, Job>();
    let keys: Record<string, unknown>[] = jobIds.map((jobId) => ({ [partitionKey]: jobId }));
    // BatchGetItem takes 100 keys and may hand some back unprocessed under load.
    for (let round = 0; keys.length > 0 && round < 5; round += 1) {
      const batch = keys.slice(0, 100);
      const response = await this.documents.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: batch } } }));
      for (const item of response.Responses?.[this.tableName] ?? []) found.set(item[partitionKey] as string, fromItem(item));
      keys = [...(response.UnprocessedKeys?.[this.tableName]?.Keys ?? []), ...keys.slice(100)];
    }
    // Skipping them would move the cursor past jobs the caller never saw: fail, the caller retries.
    if (keys.length > 0) throw new UnavailableError(`Could not read ${keys.length} of the listed jobs; retry the request`);
    return jobIds.flatMap((jobId) => {
      const job = found.get(jobId);
      return job === undefined ? [] : [job];
    });
  }

  /** How many of a caller's jobs are in each status, counted on the status index (keys only). */
  async countByStatus(owner: string, statuses: readonly JobStatus[]): Promise<Record<JobStatus, number>> {
    const counts = await Promise.all(
      statuses.map(async (status) => {
        let count = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.documents.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: indexes.byOwnerStatus.name,
              KeyConditionExpression: '#key = :value',
              ExpressionAttributeNames: { '#key': indexes.byOwnerStatus.partitionKey },
              ExpressionAttributeValues: { ':value': `${owner}#${status}` },
              Select: 'COUNT',
              ExclusiveStartKey: startKey,
            }),
          );
          count += page.Count ?? 0;
          startKey = page.LastEvaluatedKey;
        } while (startKey !== undefined);
        return [status, count] as const;
      }),
    );
    return Object.fromEntries(counts) as Record<JobStatus, number>;
  }

  /** Answers when the table answers: one read of a key that never exists. */
  async ping(): Promise<void> {
    await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { [partitionKey]: 'health-check' } }));
  }
}
