import { createHash } from 'node:crypto';
import type { JobStatus } from '../domain/job.ts';
import { JOB_TABLE_SCHEMA } from './job-table-schema.ts';

/** What names a job in the table: its caller and its id (both travel in the job's queue message). */
export interface JobRef {
  readonly owner: string;
  readonly jobId: string;
}

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/**
 * A caller's key: 16 characters of the SHA-256 of the caller (96 bits). IAM principals run to
 * hundreds of characters, and a key is stored in every item and every index entry of the caller.
 */
export function callerKey(owner: string): string {
  return createHash('sha256').update(owner).digest('base64url').slice(0, 16);
}

/** The shard of a job: from the random last byte of its id, so a caller's jobs spread evenly. */
export function shardOf(jobId: string): number {
  const value = Number.parseInt(jobId.slice(-2), 16);
  return (Number.isNaN(value) ? 0 : value) % JOB_TABLE_SCHEMA.callerShards;
}

/** The partition key of one shard of a caller's jobs. */
export function shardPartitionKey(owner: string, shard: number): string {
  return `${callerKey(owner)}#${String(shard).padStart(2, '0')}`;
}

/** Every partition key holding the caller's jobs. */
export function callerPartitionKeys(owner: string): string[] {
  return Array.from({ length: JOB_TABLE_SCHEMA.callerShards }, (_, shard) => shardPartitionKey(owner, shard));
}

export function jobKey(ref: JobRef): ItemKey {
  return { pk: shardPartitionKey(ref.owner, shardOf(ref.jobId)), sk: ref.jobId };
}

export function payloadKey(jobId: string): ItemKey {
  return { pk: `p#${jobId}`, sk: 'payload' };
}

export function idempotencyKeyItemKey(owner: string, key: string): ItemKey {
  return { pk: `i#${callerKey(owner)}#${key}`, sk: 'key' };
}

/** The edge from a dependency to one job waiting on it: the dependency's finish finds its waiting jobs by one query of `d#<dependencyId>`. */
export function dependencyEdgeKey(dependencyId: string, dependentId: string): ItemKey {
  return { pk: dependencyEdgesPartition(dependencyId), sk: dependentId };
}

export function dependencyEdgesPartition(dependencyId: string): string {
  return `d#${dependencyId}`;
}

export function countsKey(owner: string): ItemKey {
  return { pk: `c#${callerKey(owner)}`, sk: 'counts' };
}

/** The token bucket of a job type with a `perSecond` limit. */
export function rateLimitKey(type: string): ItemKey {
  return { pk: `r#${type}`, sk: 'rate' };
}

/** The sparse index's key for a job in `status`, or undefined where the status is not indexed. */
export function statusKeyOf(jobPartitionKey: string, status: JobStatus): string | undefined {
  return (JOB_TABLE_SCHEMA.indexedStatuses as readonly string[]).includes(status) ? `${jobPartitionKey}#${status}` : undefined;
}

/** A caller's recurring schedule definition (SPEC §10): all of a caller's schedules share one key, listed by name. */
export function scheduleItemKey(owner: string, name: string): ItemKey {
  return { pk: schedulesPartitionKey(owner), sk: name };
}

export function schedulesPartitionKey(owner: string): string {
  return `s#${callerKey(owner)}`;
}

/** The schedule index's key of the jobs one recurring schedule created. */
export function scheduleJobsKey(owner: string, scheduleName: string): string {
  return `${callerKey(owner)}#${scheduleName}`;
}
