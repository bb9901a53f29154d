import type { ChunkStore } from './adapters/chunk-store.ts';
import type { Job } from './domain/job.ts';
import type { FargateJobTypeDefinition } from './domain/job-type.ts';
import { StaleJobError, type JobRepository } from './adapters/job-repository.ts';
import { completeJob } from './domain/lifecycle.ts';
import type { OutputStore } from './adapters/output-store.ts';
import { findJobType } from './domain/registry.ts';

export interface ChunkDependencies {
  readonly repository: JobRepository;
  readonly chunks: ChunkStore;
  readonly outputs: OutputStore;
  readonly retentionDays: number;
  readonly now?: () => number;
}

/** One Map iteration: which chunk of which job (the container gets them as JOB_ID and CHUNK_INDEX). */
export interface ChunkRequest {
  readonly jobId: string;
  readonly owner: string;
  readonly chunkIndex: number;
}

/** What one chunk run did; every kind is a success for the state machine. */
export type ChunkOutcome =
  | { readonly kind: 'counted'; readonly count: number; readonly total: number }
  /** The chunk had been stored by an earlier run (a retry after a crash): not counted again. */
  | { readonly kind: 'duplicate'; readonly count: number; readonly total: number }
  /** This run completed the count (or found it complete) and wrote the output. */
  | { readonly kind: 'assembled'; readonly job: Job }
  | { readonly kind: 'skipped'; readonly reason: string };

/** The task was asked to stop (SIGTERM) before it stored its part: the chunk goes back to the Map's retry. */
export class ChunkHandedBackError extends Error {
  constructor(request: ChunkRequest) {
    super(`chunk ${request.chunkIndex} of job ${request.jobId} handed back before it was stored`);
    this.name = 'ChunkHandedBackError';
  }
}

/** Writes of the completed job retried when a concurrent progress update bumped its version. */
const COMPLETION_ATTEMPTS = 5;

/** The long-running definition of a job, or an error that fails the chunk (and, after its retries, the job). */
export function longJobTypeOf(job: Job): FargateJobTypeDefinition {
  const definition = findJobType(job.type);
  if (definition?.runtime !== 'fargate') throw new Error(`Job type '${job.type}' is not a long-running (fargate) type`);
  return definition;
}

/** The key of a job's output in the output bucket: `<prefix>/<jobId>.<extension>`. */
export function outputKeyOf(definition: FargateJobTypeDefinition, jobId: string): string {
  return `${definition.output.prefix}/${jobId}.${definition.output.extension}`;
}

/**
 * Assembles every part, in chunk order, into the output, uploads it, records the result and
 * deletes the job's Redis keys — in that order, so a run that crashes at any step can be
 * repeated: the upload overwrites the same bytes, and a completed job is left as it is.
 */
async function assemble(
  dependencies: ChunkDependencies,
  job: Job,
  definition: FargateJobTypeDefinition,
  total: number,
): Promise<ChunkOutcome> {
  const { repository, chunks, outputs } = dependencies;
  const now = dependencies.now ?? Date.now;
  const parts = await chunks.parts(job.jobId, total);
  const missing = parts.findIndex((part) => part === undefined);
  if (missing !== -1) {
    const latest = await repository.get(job);
    // Another run finished the job and deleted the keys between our count and our read.
    if (latest?.status === 'completed') return { kind: 'skipped', reason: 'job already completed' };
    throw new Error(`chunk ${missing} of job ${job.jobId} is counted but its part is missing from Redis`);
  }
  const { body, summary } = definition.assemble(job.payload, parts as string[]);
  const stored = await outputs.put(outputKeyOf(definition, job.jobId), body, definition.output.contentType);
  const result = { bucket: stored.bucket, key: stored.key, ...summary, bytes: stored.bytes };

  let latest = await repository.get(job);
  for (let attempt = 1; ; attempt += 1) {
    if (latest === undefined) throw new Error(`job ${job.jobId} disappeared while it was being assembled`);
    if (latest.status === 'completed') break;
    if (latest.status !== 'running') return { kind: 'skipped', reason: `job is ${latest.status}` };
    const completed = completeJob({ ...latest, progress: { done: total, total } }, result, now(), dependencies.retentionDays);
    try {
      await repository.transition(latest, completed);
      await chunks.delete(job.jobId);
      return { kind: 'assembled', job: completed };
    } catch (error) {
      if (!(error instanceof StaleJobError) || attempt >= COMPLETION_ATTEMPTS) throw error;
      latest = error.current;
    }
  }
  await chunks.delete(job.jobId);
  return { kind: 'skipped', reason: 'job already completed' };
}

/**
 * Runs one chunk of a long job (SPEC §6): produces its part, stores and counts it atomically in
 * Redis, shows the count as the job's progress, and when this chunk completes the count,
 * assembles the output. `signal` aborted before the part is stored hands the chunk back; once
 * storing has begun the run finishes, as it is a few quick, repeatable writes.
 */
export async function runChunk(dependencies: ChunkDependencies, request: ChunkRequest, signal: AbortSignal): Promise<ChunkOutcome> {
  const { repository, chunks } = dependencies;
  const now = dependencies.now ?? Date.now;
  const job = await repository.get(request);
  if (job === undefined) throw new Error(`job ${request.jobId} not found`);
  if (job.status === 'completed') {
    await chunks.delete(job.jobId);
    return { kind: 'skipped', reason: 'job already completed' };
  }
  if (job.status !== 'running') return { kind: 'skipped', reason: `job is ${job.status}` };
  const definition = longJobTypeOf(job);
  const total = definition.planChunks(job.payload);
  if (!Number.isInteger(request.chunkIndex) || request.chunkIndex < 0 || request.chunkIndex >= total) {
    throw new Error(`chunk ${request.chunkIndex} is outside job ${job.jobId}'s ${total} chunks`);
  }

  let part: string;
  try {
    part = await definition.runChunk(job.payload, request.chunkIndex, { jobId: job.jobId, signal });
  } catch (error) {
    if (signal.aborted) throw new ChunkHandedBackError(request);
    throw error;
  }
  if (signal.aborted) throw new ChunkHandedBackError(request);

  const { stored, count } = await chunks.store(job.jobId, request.chunkIndex, part);
  // Progress is authoritative in Redis; the job item gets a copy so the API, outside the VPC, can show it.
  if (stored) await repository.recordProgress(job, { done: count, total }, now());
  if (count >= total) return assemble(dependencies, job, definition, total);
  return { kind: stored ? 'counted' : 'duplicate', count, total };
}
