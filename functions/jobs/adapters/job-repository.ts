import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { UnavailableError } from '../domain/errors.ts';
import { pendingDependencies } from '../domain/dependencies.ts';
import { JOB_STATUSES, type DependencyFailurePolicy, type Job, type JobProgress, type JobStatus } from '../domain/job.ts';
import { claimChange } from '../domain/lifecycle.ts';
import {
  countsKey,
  callerPartitionKeys,
  dependencyEdgeKey,
  dependencyEdgesPartition,
  idempotencyKeyItemKey,
  jobKey,
  payloadKey,
  scheduleJobsKey,
  statusKeyOf,
  type ItemKey,
  type JobRef,
} from './job-keys.ts';
import { isRetryableDependencyError } from './dependency-errors.ts';
import { chunksOf } from './chunks.ts';
import { JOB_TABLE_SCHEMA } from './job-table-schema.ts';
import { decodeListCursor, encodeListCursor, mergeShardPages, type ShardPage } from './sharded-listing.ts';

const { partitionKey, sortKey, timeToLiveAttribute, indexes } = JOB_TABLE_SCHEMA;

/** Another writer changed the job since it was read; `current` is the job as it is now, when known. */
export class StaleJobError extends Error {
  constructor(
    jobId: string,
    readonly current?: Job,
  ) {
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
  readonly key: string;
  /** Epoch seconds after which the key may be reused. */
  readonly expiresAt: number;
}

export interface ListQuery {
  readonly owner: string;
  readonly status?: JobStatus;
  readonly type?: string;
  /** Only the jobs this recurring schedule created, from the schedule index. */
  readonly schedule?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** A page of the stale-job sweep. */
export interface StalePage {
  readonly jobs: Job[];
  /** Where the next page starts; undefined when the sweep reached the end of the table. */
  readonly nextKey: Record<string, unknown> | undefined;
}

/** The item that keeps the stale-job sweep's place in the table. */
const SWEEP_KEY = { pk: 's#sweep', sk: 'position' };

export interface JobPage {
  readonly items: Job[];
  readonly nextCursor: string | null;
}

/** What became of one job of a batch write. */
export type CreateOutcome =
  { readonly job: Job; readonly written: true } | { readonly job: Job; readonly written: false; readonly error: unknown };

/** The result of a claim: the job now running, or the job as it stands when it could not be claimed. */
export type ClaimResult = { readonly claimed: Job } | { readonly claimed: undefined; readonly current: Job | undefined };

/**
 * Payloads up to this size live in the job item; larger ones get an item of their own, so a
 * transition (billed on the item's size, 1 WRU per KB) never pays for the payload again.
 */
export const INLINE_PAYLOAD_BYTES = 1024;

/**
 * A split-off payload item, or the edge of a waiting job, outlives any job that refers to it
 * (finished jobs are kept for days, failed ones ≥ 15).
 */
const PAYLOAD_ITEM_DAYS = 366;

/** A job waiting on a dependency, as the dependency's edge names it. */
export interface WaitingJobRef {
  readonly jobId: string;
  readonly onDependencyFailure: DependencyFailurePolicy;
}

/** What a dependency is now, as the job waiting on it sees it. */
export interface DependencyState {
  readonly status: JobStatus;
  /** What the dependency returned, when it completed (read only for a handler's `context.dependencies`). */
  readonly result?: unknown;
}

/** The result of a release: whether this write added the dependency, and the waiting job as it is after it (or as it stands). */
export interface ReleaseResult {
  readonly applied: boolean;
  readonly job: Job | undefined;
}

/** BatchWriteItem takes 25 requests, BatchGetItem 100 keys (DynamoDB API reference). */
const BATCH_WRITE_MAX = 25;
const BATCH_GET_MAX = 100;
/** Rounds of re-sending what a batch call handed back unprocessed (throttling), with a growing pause. */
const BATCH_ROUNDS = 5;

/**
 * A stored job: the job's fields plus its keys. The job id is the sort key. Payload and result
 * are kept as JSON text, so any JSON a caller sends is stored as sent (DynamoDB maps cap
 * nesting at 32 levels and numbers at 38 digits).
 */
type JobItem = Omit<Job, 'jobId' | 'payload' | 'result' | 'releasedDependencies'> & {
  /** A string set, so a release is one `ADD` that creates it; absent while empty (DynamoDB keeps no empty set). */
  releasedDependencies?: Set<string>;
  pk: string;
  sk: string;
  statusKey?: string;
  scheduleKey?: string;
  /** The payload as JSON, when it is small enough to sit here. */
  payloadJson?: string;
  /** True when the payload has its own item. */
  payloadItem?: true;
  resultJson?: string;
};

/** The table item of a job (its payload inline when it is small). */
export function toItem(job: Job): JobItem {
  const { jobId: _jobId, payload, result, releasedDependencies, ...rest } = job;
  const key = jobKey(job);
  const item: JobItem = { ...rest, pk: key.pk, sk: key.sk };
  if (releasedDependencies !== undefined && releasedDependencies.length > 0) item.releasedDependencies = new Set(releasedDependencies);
  const statusKey = statusKeyOf(key.pk, job.status);
  if (statusKey !== undefined) item.statusKey = statusKey;
  if (job.scheduleName !== undefined) item.scheduleKey = scheduleJobsKey(job.owner, job.scheduleName);
  const payloadJson = JSON.stringify(payload);
  if (Buffer.byteLength(payloadJson) <= INLINE_PAYLOAD_BYTES) item.payloadJson = payloadJson;
  else item.payloadItem = true;
  if (result !== undefined) item.resultJson = JSON.stringify(result);
  return item;
}

/** A job from its table item; a payload kept in its own item is read by the caller and passed as `payloadJson`. */
export function jobFromItem(item: Record<string, NativeAttributeValue>, payloadJson?: string): Job {
  const {
    pk: _pk,
    sk,
    statusKey: _statusKey,
    scheduleKey: _scheduleKey,
    payloadJson: inline,
    payloadItem: _payloadItem,
    resultJson,
    releasedDependencies,
    ...rest
  } = item as JobItem;
  const text = inline ?? payloadJson;
  if (text === undefined) throw new Error(`Job ${sk} has no payload item`);
  const job = { ...rest, jobId: sk, payload: JSON.parse(text) as Record<string, unknown> } as Job & {
    result?: unknown;
    releasedDependencies?: readonly string[];
  };
  // A waiting job keeps its list (empty until a dependency releases it); other jobs have none.
  if (job.dependsOn !== undefined) job.releasedDependencies = [...(releasedDependencies ?? [])].sort();
  if (resultJson !== undefined) job.result = JSON.parse(resultJson);
  return job;
}

const isJobItem = (item: Record<string, NativeAttributeValue> | undefined): item is Record<string, NativeAttributeValue> =>
  item !== undefined && typeof item.status === 'string';

/** The item a failed condition check returned (ReturnValuesOnConditionCheckFailure), if it is a job. */
function itemOfConditionFailure(error: ConditionalCheckFailedException): Record<string, NativeAttributeValue> | undefined {
  const item = error.Item === undefined ? undefined : unmarshall(error.Item);
  return isJobItem(item) ? item : undefined;
}

/** The job a write request is for: job items are keyed by the job id, payload items by `p#<jobId>`. */
function jobIdOfRequest(request: WriteRequest): string {
  const key = request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {};
  const pk = String(key[partitionKey] ?? '');
  return pk.startsWith('p#') ? pk.slice(2) : String(key[sortKey] ?? '');
}

type WriteRequest = {
  PutRequest?: { Item: Record<string, NativeAttributeValue> };
  DeleteRequest?: { Key: Record<string, NativeAttributeValue> };
};

/** The attributes of `after` that differ from `before` (SET) and those it no longer has (REMOVE). */
function itemChanges(before: JobItem, after: JobItem): { set: Record<string, unknown>; remove: string[] } {
  const set: Record<string, unknown> = {};
  const remove: string[] = [];
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const [name, value] of Object.entries(a)) {
    if (name === partitionKey || name === sortKey) continue;
    if (JSON.stringify(b[name]) !== JSON.stringify(value)) set[name] = value;
  }
  for (const name of Object.keys(b)) if (!(name in a)) remove.push(name);
  return { set, remove };
}

/** Builds `SET #a = :a, … REMOVE #b, …` with placeholders for every name and value. */
function updateExpression(set: Record<string, unknown>, remove: readonly string[], increments: readonly string[] = []) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  Object.entries(set).forEach(([name, value], index) => {
    names[`#s${index}`] = name;
    values[`:s${index}`] = value;
    sets.push(`#s${index} = :s${index}`);
  });
  increments.forEach((name, index) => {
    names[`#i${index}`] = name;
    sets.push(`#i${index} = #i${index} + :one`);
    values[':one'] = 1;
  });
  const removes = remove.map((name, index) => {
    names[`#r${index}`] = name;
    return `#r${index}`;
  });
  const expression = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', removes.length > 0 ? `REMOVE ${removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
  return { expression, names, values };
}

const pause = (round: number) => new Promise((resolve) => setTimeout(resolve, 25 * 2 ** round));

/**
 * Reads and writes jobs in the job table (layout in job-table-schema.ts). A job is written
 * whole once, when it is created; every later change is a conditional `UpdateItem` of the
 * attributes that changed, expecting the version it read.
 */
export class JobRepository {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(ref: JobRef): Promise<Job | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: jobKey(ref), ConsistentRead: true }));
    if (!isJobItem(Item) || Item.owner !== ref.owner) return undefined;
    return this.withPayload(Item);
  }

  /** The job of a stored item, reading its payload item when the payload lives apart. */
  private async withPayload(item: Record<string, NativeAttributeValue>): Promise<Job> {
    if (item.payloadItem !== true) return jobFromItem(item);
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: payloadKey(item.sk as string), ConsistentRead: true }),
    );
    return jobFromItem(item, Item?.payloadJson as string | undefined);
  }

  /**
   * The items that store a new job: its own, its payload's when that is too large to sit in it,
   * and an edge from each dependency it still waits for.
   */
  private newItems(job: Job): Record<string, NativeAttributeValue>[] {
    const item = toItem(job);
    const keepUntil = Math.floor(Date.parse(job.createdAt) / 1000) + PAYLOAD_ITEM_DAYS * 86_400;
    const edges = pendingDependencies(job).map((dependencyId) => ({
      ...dependencyEdgeKey(dependencyId, job.jobId),
      onDependencyFailure: job.onDependencyFailure ?? 'cancel',
      [timeToLiveAttribute]: keepUntil,
    }));
    if (item.payloadItem !== true) return [item, ...edges];
    return [item, { ...payloadKey(job.jobId), payloadJson: JSON.stringify(job.payload), [timeToLiveAttribute]: keepUntil }, ...edges];
  }

  /**
   * Writes a new job, and with it the caller's idempotency key if one was given. Returns the
   * key's earlier record instead when the key is already taken.
   */
  async create(job: Job, idempotency?: NewIdempotencyKey): Promise<IdempotencyRecord | undefined> {
    const [item, ...others] = this.newItems(job);
    if (idempotency === undefined) {
      if (others.length === 0) await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item }));
      else await this.writeAll([item as Record<string, NativeAttributeValue>, ...others].map((Item) => ({ PutRequest: { Item } })));
      return undefined;
    }
    // The payload item and the edges are written first, outside the transaction: a transaction bills twice per KB.
    if (others.length === 1) await this.documents.send(new PutCommand({ TableName: this.tableName, Item: others[0] }));
    else if (others.length > 1) await this.writeAll(others.map((Item) => ({ PutRequest: { Item } })));
    try {
      await this.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: item,
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': partitionKey },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...idempotencyKeyItemKey(job.owner, idempotency.key),
                  jobId: idempotency.jobId,
                  requestHash: idempotency.requestHash,
                  [timeToLiveAttribute]: idempotency.expiresAt,
                },
                // TTL deletes lazily, so an expired key is reusable even while it still exists.
                ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
                ExpressionAttributeNames: { '#pk': partitionKey, '#expiresAt': timeToLiveAttribute },
                ExpressionAttributeValues: { ':now': Math.floor(Date.parse(job.createdAt) / 1000) },
              },
            },
          ],
        }),
      );
      return undefined;
    } catch (error) {
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
      const earlier = await this.findIdempotencyKey(job.owner, idempotency.key, Date.parse(job.createdAt));
      if (earlier === undefined) throw error;
      return earlier;
    }
  }

  /** Writes new jobs (without idempotency keys) in as few BatchWriteItem calls as they fit; reports each job. */
  async createMany(jobs: readonly Job[]): Promise<CreateOutcome[]> {
    const requests = jobs.flatMap((job) => this.newItems(job).map((Item) => ({ PutRequest: { Item } })));
    const unwritten = new Set((await this.writeAll(requests, false)).map(jobIdOfRequest));
    return jobs.map((job) =>
      unwritten.has(job.jobId)
        ? { job, written: false, error: new UnavailableError('The job could not be stored; nothing was accepted, retry it') }
        : { job, written: true },
    );
  }

  /**
   * Removes jobs whose message could not be sent, with their payload and idempotency-key items,
   * so that no job is left without a message (SPEC §2). Best effort: what remains is found by
   * the stale-job sweep.
   */
  async deleteUnsent(jobs: readonly Job[], idempotencyKeys: readonly (string | undefined)[] = []): Promise<void> {
    const keys: ItemKey[] = jobs.flatMap((job, index) => {
      const key = idempotencyKeys[index];
      return [
        jobKey(job),
        ...(Buffer.byteLength(JSON.stringify(job.payload)) > INLINE_PAYLOAD_BYTES ? [payloadKey(job.jobId)] : []),
        ...(key === undefined ? [] : [idempotencyKeyItemKey(job.owner, key)]),
        ...pendingDependencies(job).map((dependencyId) => dependencyEdgeKey(dependencyId, job.jobId)),
      ];
    });
    await this.writeAll(keys.map((Key) => ({ DeleteRequest: { Key } })));
  }

  /**
   * Sends write requests 25 at a time, re-sending what DynamoDB hands back unprocessed or failed
   * for a reason a retry can fix. With `mustFinish` it throws when some remain; otherwise it
   * returns them. A call refused for good is thrown at once.
   */
  private async writeAll(requests: WriteRequest[], mustFinish = true): Promise<WriteRequest[]> {
    let pending = requests;
    let left: WriteRequest[] = [];
    for (let round = 0; pending.length > 0 && round < BATCH_ROUNDS; round += 1) {
      if (round > 0) await pause(round);
      const chunks = chunksOf(pending, BATCH_WRITE_MAX);
      const results = await Promise.allSettled(
        chunks.map((chunk) => this.documents.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: chunk } }))),
      );
      left = [];
      results.forEach((result, index) => {
        if (result.status === 'rejected') left.push(...(chunks[index] ?? []));
        else left.push(...((result.value.UnprocessedItems?.[this.tableName] ?? []) as WriteRequest[]));
      });
      // A call refused for good (AccessDenied, a validation error) fails the same way again.
      const permanent = results.find((result) => result.status === 'rejected' && !isRetryableDependencyError(result.reason));
      if (permanent?.status === 'rejected') throw permanent.reason;
      pending = left;
    }
    if (mustFinish && left.length > 0) throw new UnavailableError(`${left.length} table writes were not processed; retry later`);
    return left;
  }

  /** The job an unexpired idempotency key points at, if any. */
  async findIdempotencyKey(owner: string, key: string, now: number): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: idempotencyKeyItemKey(owner, key), ConsistentRead: true }),
    );
    if (Item === undefined || (Item[timeToLiveAttribute] as number) * 1000 <= now) return undefined;
    return { jobId: Item.jobId as string, requestHash: Item.requestHash as string };
  }

  /**
   * Claims a job for a first delivery of its message in one conditional write, with no read
   * before it: a `queued` or `scheduled` job (its schedule fired), or a `retrying` one whose next attempt is due, of the type the
   * message names, becomes `running` (lifecycle.ts `claimChange`). Otherwise nothing is written
   * and the job is returned as it is, for the lifecycle to decide.
   */
  async claim(ref: JobRef & { readonly type: string }, now: number, leaseMs: number): Promise<ClaimResult> {
    const change = claimChange(now, leaseMs);
    const { expression, names, values } = updateExpression(change.set, change.remove, change.increment);
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(ref),
          UpdateExpression: expression,
          ConditionExpression:
            '#owner = :owner AND #type = :type AND (#status = :queued OR #status = :scheduled OR (#status = :retrying AND #nextAttemptAt <= :now))',
          ExpressionAttributeNames: {
            ...names,
            '#owner': 'owner',
            '#type': 'type',
            '#status': 'status',
            '#nextAttemptAt': 'nextAttemptAt',
          },
          ExpressionAttributeValues: {
            ...values,
            ':owner': ref.owner,
            ':type': ref.type,
            ':queued': 'queued',
            ':scheduled': 'scheduled',
            ':retrying': 'retrying',
            ':now': new Date(now).toISOString(),
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: await this.withPayload(Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = itemOfConditionFailure(error);
      return { claimed: undefined, current: item === undefined || item.owner !== ref.owner ? undefined : await this.withPayload(item) };
    }
  }

  /**
   * Writes the change from `before` (the job as read) to `after` (what the lifecycle made of
   * it) as one conditional update of the attributes that changed; the payload is never
   * written again. Throws StaleJobError, carrying the job as it is now, if another writer
   * moved it on since it was read.
   */
  async transition(before: Job, after: Job): Promise<void> {
    const { set, remove } = itemChanges(toItem(before), toItem(after));
    delete set.payloadJson;
    delete set.payloadItem;
    const { expression, names, values } = updateExpression(set, remove);
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(before),
          UpdateExpression: expression,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { ...names, '#version': 'version' },
          ExpressionAttributeValues: { ...values, ':expected': before.version },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = itemOfConditionFailure(error);
      throw new StaleJobError(before.jobId, item === undefined ? undefined : await this.withPayload(item));
    }
  }

  /**
   * Marks a job as one that others wait on (so its finish looks them up) and returns its status
   * now, read after the waiting job's edges were written; undefined when the caller has no such job.
   * It changes no version: the flag is no part of the job's lifecycle.
   */
  async markDependedOn(ref: JobRef): Promise<JobStatus | undefined> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(ref),
          UpdateExpression: 'SET #hasDependents = :true',
          ConditionExpression: '#owner = :owner AND attribute_exists(#status)',
          ExpressionAttributeNames: { '#hasDependents': 'hasDependents', '#owner': 'owner', '#status': 'status' },
          ExpressionAttributeValues: { ':true': true, ':owner': ref.owner },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes?.status as JobStatus;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * The status (and, with `results`, the result) of each of the caller's jobs among `jobIds`
   * that exists; other callers' jobs and unknown ids are absent. Reads only those attributes.
   */
  async dependencyStates(owner: string, jobIds: readonly string[], results = false): Promise<Map<string, DependencyState>> {
    const states = new Map<string, DependencyState>();
    const projection = ['#sk', '#owner', '#status', ...(results ? ['#resultJson'] : [])].join(', ');
    const names = { '#sk': sortKey, '#owner': 'owner', '#status': 'status', ...(results ? { '#resultJson': 'resultJson' } : {}) };
    const keys = [...new Set(jobIds)].map((jobId): Record<string, NativeAttributeValue> => ({ ...jobKey({ owner, jobId }) }));
    const readChunk = async (chunk: Record<string, NativeAttributeValue>[]) => {
      let pending = chunk;
      for (let round = 0; pending.length > 0 && round < BATCH_ROUNDS; round += 1) {
        if (round > 0) await pause(round);
        const response = await this.documents.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: projection, ExpressionAttributeNames: names },
            },
          }),
        );
        for (const item of response.Responses?.[this.tableName] ?? []) {
          if (item.owner !== owner || typeof item.status !== 'string') continue;
          const resultJson = item.resultJson as string | undefined;
          states.set(String(item[sortKey]), {
            status: item.status as JobStatus,
            ...(resultJson === undefined ? {} : { result: JSON.parse(resultJson) as unknown }),
          });
        }
        pending = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
      if (pending.length > 0) throw new UnavailableError(`Could not read ${pending.length} of the jobs' dependencies; retry`);
    };
    await Promise.all(chunksOf(keys, BATCH_GET_MAX).map(readChunk));
    return states;
  }

  /** The jobs waiting on `dependencyId`, from its edges: one query, strongly consistent, so an edge written before it is seen. */
  async waitingOn(dependencyId: string): Promise<WaitingJobRef[]> {
    const waiting: WaitingJobRef[] = [];
    let startKey: Record<string, NativeAttributeValue> | undefined;
    do {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': partitionKey },
          ExpressionAttributeValues: { ':pk': dependencyEdgesPartition(dependencyId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        waiting.push({ jobId: String(item[sortKey]), onDependencyFailure: item.onDependencyFailure === 'run' ? 'run' : 'cancel' });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return waiting;
  }

  /**
   * Adds a finished dependency to a waiting job's `releasedDependencies`, once: the write is
   * conditional on the job waiting and the dependency not being there yet, so a repeated
   * release (the stream delivers at least once) changes nothing, and of dependencies that finish
   * at the same moment exactly one write adds the last. Bumps `version`, so a cancel that read
   * the job before notices.
   */
  async releaseDependency(ref: JobRef, dependencyId: string, now: number): Promise<ReleaseResult> {
    try {
      const { Attributes } = await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(ref),
          UpdateExpression: 'SET #updatedAt = :now ADD #released :dependencies, #version :one',
          ConditionExpression: '#owner = :owner AND #status = :waiting AND NOT contains(#released, :dependency)',
          ExpressionAttributeNames: {
            '#released': 'releasedDependencies',
            '#updatedAt': 'updatedAt',
            '#version': 'version',
            '#owner': 'owner',
            '#status': 'status',
          },
          ExpressionAttributeValues: {
            ':dependencies': new Set([dependencyId]),
            ':dependency': dependencyId,
            ':now': new Date(now).toISOString(),
            ':one': 1,
            ':owner': ref.owner,
            ':waiting': 'waiting',
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true, job: await this.withPayload(Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = itemOfConditionFailure(error);
      return { applied: false, job: item === undefined || item.owner !== ref.owner ? undefined : await this.withPayload(item) };
    }
  }

  /**
   * Counts one webhook try on the job and keeps its answer (`callback.attempts`,
   * `callback.lastStatus`): one update, no read. It leaves `version` alone: it changes no
   * state a transition decides on, so a redrive racing a delivery never loses its lock to it.
   * False when the job is gone (its retention ran out before the delivery).
   */
  async recordCallbackAttempt(ref: JobRef, status: number | string): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(ref),
          UpdateExpression: 'SET #callback.#attempts = if_not_exists(#callback.#attempts, :zero) + :one, #callback.#lastStatus = :status',
          ConditionExpression: 'attribute_exists(#callback)',
          ExpressionAttributeNames: { '#callback': 'callback', '#attempts': 'attempts', '#lastStatus': 'lastStatus' },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':status': status },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Sets a running job's progress if it moves forward; false when the job is not running or
   * already shows as much. One update instead of read-then-write: chunks finishing at the same
   * time would otherwise lose the optimistic lock to each other. It still bumps `version`, so
   * every read-then-write writer notices it.
   */
  async recordProgress(ref: JobRef, progress: JobProgress, now: number): Promise<boolean> {
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(ref),
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

  /**
   * A caller's jobs, newest first, never by a scan: failed and cancelled jobs from the sparse
   * status index, everything else from the caller's shards of the table, filtered by status and
   * type. Every shard is read at once and the pages merged (sharded-listing.ts).
   */
  async list(query: ListQuery): Promise<JobPage> {
    const cursor = query.cursor === undefined ? undefined : decodeListCursor(query.cursor, query);
    if (query.schedule !== undefined) return this.listBySchedule(query, query.schedule, cursor?.before);
    const shards = callerPartitionKeys(query.owner);
    const indexed = query.status !== undefined && statusKeyOf('', query.status) !== undefined;
    const filters: string[] = ['#owner = :owner'];
    const names: Record<string, string> = { '#owner': 'owner' };
    const values: Record<string, unknown> = { ':owner': query.owner };
    if (query.status !== undefined && !indexed) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = query.status;
    }
    if (query.type !== undefined && !indexed) {
      filters.push('#type = :type');
      names['#type'] = 'type';
      values[':type'] = query.type;
    }
    const readShard = async (shard: number, before: string | undefined, limit: number): Promise<ShardPage> => {
      const key = shards[shard] as string;
      // Older than the page boundary, when there is one: job ids are time-ordered.
      const keyCondition = {
        KeyConditionExpression: `#pk = :pk${before === undefined ? '' : ' AND #sk < :before'}`,
        names: { '#pk': indexed ? indexes.byCallerStatus.partitionKey : partitionKey, ...(before === undefined ? {} : { '#sk': sortKey }) },
        values: {
          ':pk': indexed ? statusKeyOf(key, query.status as JobStatus) : key,
          ...(before === undefined ? {} : { ':before': before }),
        },
      };
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(indexed ? { IndexName: indexes.byCallerStatus.name } : { FilterExpression: filters.join(' AND ') }),
          KeyConditionExpression: keyCondition.KeyConditionExpression,
          ExpressionAttributeNames: { ...keyCondition.names, ...(indexed ? {} : names) },
          ExpressionAttributeValues: { ...keyCondition.values, ...(indexed ? {} : values) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return {
        items: page.Items ?? [],
        // Where this shard's reading stopped (a filter may have dropped every item read).
        evaluatedTo: page.LastEvaluatedKey === undefined ? undefined : String(page.LastEvaluatedKey[sortKey]),
      };
    };
    const merged = await mergeShardPages(readShard, shards.length, query.limit, cursor?.before);
    let jobs: Job[];
    if (indexed) {
      const found = await this.getMany(merged.items.map((item) => ({ pk: String(item[partitionKey]), sk: String(item[sortKey]) })));
      jobs = found.filter(
        (job) => job.owner === query.owner && job.status === query.status && (query.type === undefined || job.type === query.type),
      );
    } else {
      jobs = await Promise.all(merged.items.map((item) => this.withPayload(item)));
    }
    return { items: jobs, nextCursor: merged.before === undefined ? null : encodeListCursor(merged.before, query) };
  }

  /**
   * The jobs one recurring schedule created, newest first, from the sparse schedule index (one
   * key per schedule), filtered by status and type after the items are read.
   */
  private async listBySchedule(query: ListQuery, schedule: string, before: string | undefined): Promise<JobPage> {
    const index = indexes.bySchedule;
    const readIndex = async (_shard: number, from: string | undefined, limit: number): Promise<ShardPage> => {
      const page = await this.documents.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: `#pk = :pk${from === undefined ? '' : ' AND #sk < :before'}`,
          ExpressionAttributeNames: { '#pk': index.partitionKey, ...(from === undefined ? {} : { '#sk': sortKey }) },
          ExpressionAttributeValues: { ':pk': scheduleJobsKey(query.owner, schedule), ...(from === undefined ? {} : { ':before': from }) },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return {
        items: page.Items ?? [],
        evaluatedTo: page.LastEvaluatedKey === undefined ? undefined : String(page.LastEvaluatedKey[sortKey]),
      };
    };
    const merged = await mergeShardPages(readIndex, 1, query.limit, before);
    const found = await this.getMany(merged.items.map((item) => ({ pk: String(item[partitionKey]), sk: String(item[sortKey]) })));
    const jobs = found.filter(
      (job) =>
        job.owner === query.owner &&
        job.scheduleName === schedule &&
        (query.status === undefined || job.status === query.status) &&
        (query.type === undefined || job.type === query.type),
    );
    return { items: jobs, nextCursor: merged.before === undefined ? null : encodeListCursor(merged.before, query) };
  }

  /** Jobs by key in the order given; keys whose job is gone (TTL) are skipped. */
  private async getMany(keys: readonly ItemKey[]): Promise<Job[]> {
    if (keys.length === 0) return [];
    const found = new Map<string, Record<string, NativeAttributeValue>>();
    let pending: Record<string, NativeAttributeValue>[] = keys.map((key) => ({ ...key }));
    for (let round = 0; pending.length > 0 && round < BATCH_ROUNDS; round += 1) {
      if (round > 0) await pause(round);
      const batch = pending.slice(0, BATCH_GET_MAX);
      const response = await this.documents.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: true } } }),
      );
      for (const item of response.Responses?.[this.tableName] ?? []) found.set(String(item[sortKey]), item);
      pending = [...(response.UnprocessedKeys?.[this.tableName]?.Keys ?? []), ...pending.slice(BATCH_GET_MAX)];
    }
    // Skipping them would move the cursor past jobs the caller never saw: fail, the caller retries.
    if (pending.length > 0) throw new UnavailableError(`Could not read ${pending.length} of the listed jobs; retry the request`);
    const items = keys.flatMap((key) => {
      const item = found.get(key.sk);
      return isJobItem(item) ? [item] : [];
    });
    return Promise.all(items.map((item) => this.withPayload(item)));
  }

  /**
   * How many of a caller's jobs are in each status: one read of the caller's counts item, which
   * the table's stream keeps up to date (functions/job-counts), seconds behind the jobs.
   */
  async countByStatus(owner: string): Promise<Record<JobStatus, number>> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: countsKey(owner) }));
    return Object.fromEntries(JOB_STATUSES.map((status) => [status, Math.max(0, Number(Item?.[status] ?? 0))])) as Record<
      JobStatus,
      number
    >;
  }

  /**
   * One page of the stale-job sweep: `queued` and `retrying` jobs queued before `queuedBefore`,
   * from `startKey` on. A Scan, on purpose: it runs in the background a page or two a minute,
   * and finds jobs whose message is gone whoever their caller is. The API never scans.
   */
  async scanForStale(queuedBefore: number, startKey: Record<string, unknown> | undefined, pageItems: number): Promise<StalePage> {
    const page = await this.documents.send(
      new ScanCommand({
        TableName: this.tableName,
        FilterExpression: '(#status = :queued OR #status = :retrying) AND #runQueuedAt < :before',
        ExpressionAttributeNames: { '#status': 'status', '#runQueuedAt': 'runQueuedAt' },
        ExpressionAttributeValues: { ':queued': 'queued', ':retrying': 'retrying', ':before': new Date(queuedBefore).toISOString() },
        Limit: pageItems,
        ExclusiveStartKey: startKey,
      }),
    );
    const jobs = await Promise.all((page.Items ?? []).filter(isJobItem).map((item) => this.withPayload(item)));
    return { jobs, nextKey: page.LastEvaluatedKey };
  }

  /** Where the sweep goes on from; undefined: at the start of the table. */
  async sweepPosition(): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.tableName, Key: SWEEP_KEY }));
    return typeof Item?.startKey === 'string' ? (JSON.parse(Item.startKey) as Record<string, unknown>) : undefined;
  }

  async saveSweepPosition(startKey: Record<string, unknown> | undefined): Promise<void> {
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: SWEEP_KEY,
        UpdateExpression: startKey === undefined ? 'REMOVE #startKey' : 'SET #startKey = :startKey',
        ExpressionAttributeNames: { '#startKey': 'startKey' },
        ...(startKey === undefined ? {} : { ExpressionAttributeValues: { ':startKey': JSON.stringify(startKey) } }),
      }),
    );
  }

  /** Answers when the table answers: one read of a key that never exists. */
  async ping(): Promise<void> {
    await this.documents.send(new GetCommand({ TableName: this.tableName, Key: { [partitionKey]: 'health-check', [sortKey]: '-' } }));
  }
}
