import * as z from 'zod/mini';
import type { JobError } from './job.ts';
import { JOB_PRIORITIES, type JobPriority } from './priority.ts';

/**
 * The outcome of a finished attempt whose state write failed (throttling, a timeout): the
 * worker sends it as a new message of the job, so the outcome is written soon after and the
 * attempt is never taken for a crash.
 */
export type AttemptOutcome =
  | { readonly kind: 'completed'; readonly attempt: number; readonly run: number; readonly finishedAt: number; readonly result: unknown }
  | {
      readonly kind: 'failed';
      readonly attempt: number;
      readonly run: number;
      readonly finishedAt: number;
      readonly error: JobError;
      readonly permanent: boolean;
    };

/**
 * The body of a job's queue message. It carries the job's key (its caller and id) and its
 * type, so the worker can claim the job in one write without reading it first: the job's state
 * lives in the table, and a message can never disagree with it.
 */
export interface JobMessage {
  readonly jobId: string;
  readonly owner: string;
  readonly type: string;
  /**
   * The job's level when not `normal`: a dead letter carries it, so a CLI redrive sends it
   * back to its own level's queue (the DLQ is shared by every level).
   */
  readonly priority?: JobPriority;
  /**
   * The job's attempts: a redelivery within them is most likely its retry, now due, which the
   * worker claims in one write; past them it is most likely a failed job's trip to the DLQ, which
   * it reads first (a consistent read costs less than a refused write). Absent, every
   * redelivery is read first.
   */
  readonly maxAttempts?: number;
  /**
   * Epoch ms of the rate-limit slot this message's next attempt holds: a job held back by its
   * type's `perSecond` limit travels on with the slot it reserved, and takes no second one.
   */
  readonly notBefore?: number;
  /** Epoch ms SQS first accepted a held-back message: its copies keep it (see `decideDelivery`). */
  readonly sentAt?: number;
  readonly outcome?: AttemptOutcome;
}

/** The message that makes a job run: its key, its type, its attempts and, when not `normal`, its level. */
export function jobMessageOf(job: Pick<JobMessage, 'jobId' | 'owner' | 'type' | 'priority' | 'maxAttempts'>): JobMessage {
  const { jobId, owner, type, priority, maxAttempts } = job;
  return {
    jobId,
    owner,
    type,
    ...(priority === undefined || priority === 'normal' ? {} : { priority }),
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  };
}

/** A message body that is not a job message: no retry can help, it goes to the DLQ at once. */
export class MalformedMessageError extends Error {
  constructor(reason: string, body: string) {
    super(`${reason}: ${body.slice(0, 200)}`);
    this.name = 'MalformedMessageError';
  }
}

const errorSchema = z.object({ message: z.string(), attempt: z.number(), at: z.string(), run: z.number() });
const outcomeSchema = z.union([
  z.object({ kind: z.literal('completed'), attempt: z.number(), run: z.number(), finishedAt: z.number(), result: z.unknown() }),
  z.object({
    kind: z.literal('failed'),
    attempt: z.number(),
    run: z.number(),
    finishedAt: z.number(),
    error: errorSchema,
    permanent: z.boolean(),
  }),
]);
const jobMessageSchema = z.object({
  jobId: z.string().check(z.minLength(1)),
  owner: z.string().check(z.minLength(1)),
  type: z.string(),
  priority: z.optional(z.enum(JOB_PRIORITIES)),
  maxAttempts: z.optional(z.number()),
  notBefore: z.optional(z.number()),
  sentAt: z.optional(z.number()),
  outcome: z.optional(outcomeSchema),
});

/** Parses a message body; throws MalformedMessageError for a body that is not a job message. */
export function parseJobMessage(body: string): JobMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('Message body is not JSON', body);
  }
  const result = jobMessageSchema.safeParse(parsed);
  if (!result.success) throw new MalformedMessageError('Message body is not a job message (jobId, owner, type)', body);
  return result.data as JobMessage;
}
