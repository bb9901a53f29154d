import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { rateLimitKey } from './job-keys.ts';

/** Tries of a reservation that lost a race against another worker's. */
const RESERVE_TRIES = 4;

/**
 * A token bucket per job type, shared by every worker: one small item in the job table holding
 * the bucket's theoretical arrival time (GCRA, the generic cell rate algorithm, which is a token
 * bucket kept as a single number). `perSecond` attempts a second may start, with bursts of up to
 * one second's worth after a quiet spell.
 *
 * A worker reserves the next free slot with one conditional write and no read, and a job whose
 * slot is later is sent back to the queue delayed until then: held back jobs wait in line in the
 * order they asked, never poll for a token, and the bucket costs one write unit per attempt (two
 * when a reservation meets a bucket that just went quiet). DynamoDB serializes the writes to the
 * item, so the rate holds with any number of workers; the item takes `perSecond` writes a second,
 * far below a partition key's 1,000.
 */
export class RateLimiter {
  private readonly documents: DynamoDBDocumentClient;
  /** The last arrival time seen per type: a busy bucket is tried as busy first. */
  private readonly lastSeen = new Map<string, number>();

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  /** Reserves an attempt of `type`; returns the epoch ms at which it may start (`now` or later). */
  async reserve(type: string, perSecond: number, now: number): Promise<number> {
    const interval = 1000 / perSecond;
    const burst = Math.max(1, Math.floor(perSecond));
    const tolerance = (burst - 1) * interval;
    for (let attempt = 0; attempt < RESERVE_TRIES; attempt += 1) {
      const busy = (this.lastSeen.get(type) ?? 0) > now;
      try {
        const arrival = busy ? await this.extend(type, interval, now) : await this.restart(type, interval, now);
        this.lastSeen.set(type, arrival);
        return Math.max(now, arrival - interval - tolerance);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // The bucket was in the other state: remember which, and try that.
        this.lastSeen.set(type, busy ? 0 : Number.MAX_SAFE_INTEGER);
      }
    }
    throw new Error(`Could not reserve a slot of job type '${type}' after ${RESERVE_TRIES} tries`);
  }

  /** A quiet bucket: the next arrival is one interval from now. */
  private async restart(type: string, interval: number, now: number): Promise<number> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: rateLimitKey(type),
        UpdateExpression: 'SET #tat = :next',
        ConditionExpression: 'attribute_not_exists(#tat) OR #tat <= :now',
        ExpressionAttributeNames: { '#tat': 'arrivalAt' },
        ExpressionAttributeValues: { ':next': now + interval, ':now': now },
      }),
    );
    return now + interval;
  }

  /** A busy bucket: this attempt takes the slot after the last one reserved. */
  private async extend(type: string, interval: number, now: number): Promise<number> {
    const { Attributes } = await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: rateLimitKey(type),
        UpdateExpression: 'SET #tat = #tat + :interval',
        ConditionExpression: '#tat > :now',
        ExpressionAttributeNames: { '#tat': 'arrivalAt' },
        ExpressionAttributeValues: { ':interval': interval, ':now': now },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.arrivalAt);
  }
}
