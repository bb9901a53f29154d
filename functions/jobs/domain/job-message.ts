import * as z from 'zod/mini';

/**
 * The body of a job's queue message. It carries only the id (and the type, for logs): the
 * job's state lives in the table, so a message can never disagree with it.
 */
export interface JobMessage {
  readonly jobId: string;
  readonly type: string;
}

const jobMessageSchema = z.object({ jobId: z.string().check(z.minLength(1)), type: z.string() });

/** Parses a message body; a body that is not a job message is a permanent failure of that record. */
export function parseJobMessage(body: string): JobMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`Message body is not JSON: ${body.slice(0, 100)}`);
  }
  const result = jobMessageSchema.safeParse(parsed);
  if (!result.success) throw new Error(`Message body is not a job message: ${body.slice(0, 100)}`);
  return result.data;
}
