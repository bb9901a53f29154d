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
  sendEmail(message: EmailMessage, idempotencyKey: string): Promise<{ messageId: string }>;
}

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly jobId: string;
  readonly attempt: number;
  /** Aborted when the attempt runs past its timeout. */
  readonly signal: AbortSignal;
  readonly services: JobServices;
}

/** One job type: its payload schema, handler, runtime, timeout and retry policy. */
export interface JobTypeDefinition<Payload = unknown> {
  readonly name: string;
  readonly description: string;
  readonly payloadSchema: z.ZodMiniType<Payload>;
  readonly runtime: JobRuntime;
  /** Seconds one attempt may run; must fit inside the worker's own timeout. */
  readonly timeoutSeconds: number;
  /** Overrides of the environment's retry defaults. */
  readonly retry?: Partial<RetryPolicy>;
  /** Runs one attempt and returns the job's result; throw PermanentJobError to stop retrying. */
  run(payload: Payload, context: JobContext): Promise<unknown>;
}

/** Lets a module declare a type with its payload inferred from the schema. */
export function defineJobType<Payload>(definition: JobTypeDefinition<Payload>): JobTypeDefinition<Payload> {
  return definition;
}
