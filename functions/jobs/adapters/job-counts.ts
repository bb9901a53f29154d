import { createHash } from 'node:crypto';
import { TransactWriteItemsCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { JOB_STATUSES, type JobStatus } from '../domain/job.ts';
import { JOB_TABLE_SCHEMA } from './job-table-schema.ts';

/** One change of a stored item, as the table's stream reports it (keys and images in the DynamoDB JSON format). */
export interface ItemChange {
  readonly eventID?: string;
  readonly dynamodb?: {
    readonly Keys?: Record<string, AttributeValue>;
    readonly NewImage?: Record<string, AttributeValue>;
    readonly OldImage?: Record<string, AttributeValue>;
  };
}

/** Per caller key, how many jobs each status gained or lost. */
export type CountDeltas = Map<string, Partial<Record<JobStatus, number>>>;

const statuses: ReadonlySet<string> = new Set(JOB_STATUSES);

/** A job item's status; undefined for the other items of the table (payloads, idempotency keys, counts). */
export function statusOf(image: Record<string, AttributeValue> | undefined): JobStatus | undefined {
  const status = image?.status?.S;
  return status !== undefined && statuses.has(status) ? (status as JobStatus) : undefined;
}

/**
 * What a run of item changes does to the per-caller counts: a new job adds one to its status,
 * a transition moves one from the old status to the new, a deletion (TTL) takes one away.
 */
export function countDeltas(changes: readonly ItemChange[]): CountDeltas {
  const deltas: CountDeltas = new Map();
  for (const change of changes) {
    const pk = change.dynamodb?.Keys?.[JOB_TABLE_SCHEMA.partitionKey]?.S;
    const before = statusOf(change.dynamodb?.OldImage);
    const after = statusOf(change.dynamodb?.NewImage);
    // Job items are keyed `<caller key>#<shard>`; the other kinds start with one letter and '#'.
    if (pk === undefined || pk[1] === '#' || before === after) continue;
    const callerKey = pk.split('#')[0] ?? '';
    const entry = deltas.get(callerKey) ?? {};
    if (before !== undefined) entry[before] = (entry[before] ?? 0) - 1;
    if (after !== undefined) entry[after] = (entry[after] ?? 0) + 1;
    deltas.set(callerKey, entry);
  }
  return deltas;
}

/** TransactWriteItems takes 100 actions (DynamoDB API reference). */
const TRANSACTION_MAX = 100;

/**
 * Applies count deltas to the callers' counts items (`c#<caller key>`, sort key `counts`), one
 * transaction per 100 callers. Each transaction carries a token made from the changes it
 * counts, so a retried batch of the same changes (the stream's delivery is at least once) is
 * applied once: DynamoDB treats a repeated token within 10 minutes as the same request.
 */
export async function applyCountDeltas(client: DynamoDBClient, tableName: string, deltas: CountDeltas, batchId: string): Promise<number> {
  const updates = [...deltas].flatMap(([callerKey, changes]) => {
    const entries = Object.entries(changes).filter(([, delta]) => delta !== 0);
    if (entries.length === 0) return [];
    const names = Object.fromEntries(entries.map(([status], index) => [`#s${index}`, status]));
    const values = Object.fromEntries(entries.map(([, delta], index) => [`:d${index}`, { N: String(delta) }]));
    return [
      {
        Update: {
          TableName: tableName,
          Key: { [JOB_TABLE_SCHEMA.partitionKey]: { S: `c#${callerKey}` }, [JOB_TABLE_SCHEMA.sortKey]: { S: 'counts' } },
          UpdateExpression: `ADD ${entries.map((_, index) => `#s${index} :d${index}`).join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ];
  });
  for (let start = 0; start < updates.length; start += TRANSACTION_MAX) {
    const token = createHash('sha256').update(`${batchId}#${start}`).digest('base64url').slice(0, 36);
    await client.send(
      new TransactWriteItemsCommand({ TransactItems: updates.slice(start, start + TRANSACTION_MAX), ClientRequestToken: token }),
    );
  }
  return updates.length;
}

/** Names a batch of changes by its first and last event, the same however often it is delivered. */
export function batchIdOf(changes: readonly ItemChange[]): string {
  return `${changes[0]?.eventID ?? ''}..${changes.at(-1)?.eventID ?? ''}#${changes.length}`;
}
