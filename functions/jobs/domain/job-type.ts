import type * as z from 'zod/mini';
import type { RetryPolicy } from './retry-delay.ts';

/** Where a job type runs: in the SQS worker, or as a Step Functions + Fargate execution. */
export type JobRuntime = 'lambda' | 'fargate';

/** An e-mail as the `email` type sends it. */
export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

/** Side-effecting services a handler may use; each takes the jobId to stay idempotent. */
export interface JobServices {
  sendEmail(message: EmailMessage, idempotencyKey: string, signal?: AbortSignal): Promise<{ messageId: string }>;
}

/** A dependency of the running job, as its handler sees it (SPEC §11). */
export interface DependencyOutcome {
  /** `completed`, or `failed`/`cancelled` for a job that runs anyway (`onDependencyFailure: "run"`). */
  readonly status: string;
  /** What the dependency returned, when it completed. */
  readonly result?: unknown;
}

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly jobId: string;
  readonly attempt: number;
  /** Aborted when the attempt runs past its timeout. */
  readonly signal: AbortSignal;
  readonly services: JobServices;
  /**
   * The job's dependencies by job id, read from their own items when the attempt starts (each
   * result stays within its own item's bounds, none is copied into this job's). Empty for a job
   * without `dependsOn`; a dependency whose record has expired (TTL) is absent.
   */
  readonly dependencies: Readonly<Record<string, DependencyOutcome>>;
}

/**
 * How much of a downstream service a type may use at once (SPEC §10). A job held back by a
 * limit waits for its turn: it is not failed, and the wait costs it no attempt.
 */
export interface JobTypeLimits {
  /**
   * Attempts running at once, at most: the type gets a queue of its own, whose event source
   * mapping has this `MaximumConcurrency` and a batch size of 1 (so at least 2, Lambda's minimum).
   */
  readonly maxConcurrency?: number;
  /**
   * Attempts started per second, at most, with bursts of up to one second's worth: a token
   * bucket in the job table that every worker takes from (`adapters/rate-limiter.ts`).
   */
  readonly perSecond?: number;
}

/** What every job type declares, whatever its runtime. */
interface JobTypeBase<Payload> {
  readonly name: string;
  readonly description: string;
  readonly payloadSchema: z.ZodMiniType<Payload>;
  /**
   * Seconds one attempt may run: for `lambda`, inside the worker's own timeout; for `fargate`,
   * one chunk's run (the state machine's task timeout is the largest of them).
   */
  readonly timeoutSeconds: number;
  /** Overrides of the environment's retry defaults. */
  readonly retry?: Partial<RetryPolicy>;
  /** Concurrency and rate limits of the `lambda` runtime's attempts. */
  readonly limits?: JobTypeLimits;
  /**
   * A type that fails or crashes on purpose, for drills and tests: submitted only where the
   * environment allows drill types (`drillJobTypes`), since any caller could otherwise take
   * workers down and cost the other jobs of their batch an attempt.
   */
  readonly drill?: true;
}

/** A type the SQS worker runs in one Lambda attempt. */
export interface LambdaJobTypeDefinition<Payload = unknown> extends JobTypeBase<Payload> {
  readonly runtime: 'lambda';
  /** Runs one attempt and returns the job's result; throw PermanentJobError to stop retrying. */
  run(payload: Payload, context: JobContext): Promise<unknown>;
}

/** Where a long job's assembled output goes in the output bucket: `<prefix>/<jobId>.<extension>`. */
export interface JobOutputFormat {
  readonly prefix: string;
  readonly extension: string;
  readonly contentType: string;
}

/** What one chunk run gets besides the payload and its index. */
export interface ChunkContext {
  readonly jobId: string;
  /** Aborted when the task is asked to stop (SIGTERM): stop early and hand the chunk back. */
  readonly signal: AbortSignal;
}

/**
 * A long-running type (SPEC §6): split into chunks that Fargate tasks run in parallel; the
 * task that completes the count assembles the output into S3. Every function is pure and
 * deterministic in its arguments, so a chunk run twice produces the same part.
 */
export interface FargateJobTypeDefinition<Payload = unknown> extends JobTypeBase<Payload> {
  readonly runtime: 'fargate';
  readonly output: JobOutputFormat;
  /** How many chunks the payload splits into (1 or more). */
  planChunks(payload: Payload): number;
  /** Produces chunk `chunkIndex`'s part of the output (for CSV: its rows, each ending in a newline). */
  runChunk(payload: Payload, chunkIndex: number, context: ChunkContext): Promise<string>;
  /** Joins every part, in chunk order, into the output; `summary` goes into the job's result. */
  assemble(payload: Payload, parts: readonly string[]): { readonly body: string; readonly summary: Record<string, unknown> };
}

/** One job type: its payload schema, runtime, timeout and retry policy, and how it runs there. */
export type JobTypeDefinition<Payload = unknown> = LambdaJobTypeDefinition<Payload> | FargateJobTypeDefinition<Payload>;

/** Lets a module declare a type with its payload inferred from the schema. */
export function defineJobType<Payload>(definition: LambdaJobTypeDefinition<Payload>): LambdaJobTypeDefinition<Payload>;
export function defineJobType<Payload>(definition: FargateJobTypeDefinition<Payload>): FargateJobTypeDefinition<Payload>;
export function defineJobType<Payload>(definition: JobTypeDefinition<Payload>): JobTypeDefinition<Payload> {
  return definition;
}
