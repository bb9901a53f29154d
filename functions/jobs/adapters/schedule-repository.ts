import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, ValidationError } from '../domain/errors.ts';
import type { ScheduleDefinition } from '../domain/schedule.ts';
import { scheduleItemKey, schedulesPartitionKey } from './job-keys.ts';
import { JOB_TABLE_SCHEMA } from './job-table-schema.ts';

const { partitionKey, sortKey } = JOB_TABLE_SCHEMA;

export interface SchedulePage {
  readonly items: ScheduleDefinition[];
  readonly nextCursor: string | null;
}

/** A stored schedule: its fields, the job body as JSON text (stored as sent, like a job's payload), and its keys. */
type ScheduleItem = Omit<ScheduleDefinition, 'job'> & { pk: string; sk: string; jobJson: string };

function toItem(schedule: ScheduleDefinition): ScheduleItem {
  const { job, ...rest } = schedule;
  return { ...rest, ...scheduleItemKey(schedule.owner, schedule.name), jobJson: JSON.stringify(job) };
}

function fromItem(item: Record<string, NativeAttributeValue>): ScheduleDefinition {
  const { pk: _pk, sk: _sk, jobJson, ...rest } = item as ScheduleItem;
  return { ...rest, job: JSON.parse(jobJson) as Record<string, unknown> };
}

/**
 * Recurring schedule definitions in the job table (`s#<caller key>`, sorted by name), so the API
 * lists a caller's schedules with one query and the firing function reads what a firing submits.
 * EventBridge Scheduler keeps when each fires; the table keeps what it fires and for whom.
 */
export class ScheduleRepository {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(owner: string, name: string): Promise<ScheduleDefinition | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: scheduleItemKey(owner, name), ConsistentRead: true }),
    );
    return Item === undefined || Item.owner !== owner ? undefined : fromItem(Item);
  }

  /** Writes a new schedule; 409 when the caller already has one of that name. */
  async create(schedule: ScheduleDefinition): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(schedule),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': partitionKey },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`A schedule named '${schedule.name}' exists already`);
      throw error;
    }
  }

  /** Replaces a schedule if nobody changed it since `before` was read; 409 otherwise. */
  async replace(before: ScheduleDefinition, after: ScheduleDefinition): Promise<void> {
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(after),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': before.version },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConflictError(`Schedule '${before.name}' changed meanwhile; read it again`);
      throw error;
    }
  }

  async delete(owner: string, name: string): Promise<void> {
    await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: scheduleItemKey(owner, name) }));
  }

  /** The caller's schedules by name, a page at a time; the cursor is the last name of the page before. */
  async list(owner: string, limit: number, cursor?: string): Promise<SchedulePage> {
    let after: string | undefined;
    if (cursor !== undefined) {
      after = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(after)) {
        throw new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'must be a nextCursor returned by this listing' }]);
      }
    }
    const key = schedulesPartitionKey(owner);
    const page = await this.documents.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': partitionKey },
        ExpressionAttributeValues: { ':pk': key },
        Limit: limit,
        ...(after === undefined ? {} : { ExclusiveStartKey: { [partitionKey]: key, [sortKey]: after } }),
      }),
    );
    const items = (page.Items ?? []).filter((item) => item.owner === owner).map(fromItem);
    const last = page.LastEvaluatedKey?.[sortKey];
    return { items, nextCursor: last === undefined ? null : Buffer.from(String(last)).toString('base64url') };
  }
}
