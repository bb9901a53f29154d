import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { UnknownJobTypeError, ValidationError, type FieldProblem } from './errors.ts';
import type { JobTypeDefinition } from './job-type.ts';
import { MAX_ATTEMPTS_LIMIT } from './job-queue-settings.ts';
import { findJobType, jobTypeNames } from './registry.ts';

/** A validated `POST /jobs` body. */
export interface Submission {
  readonly definition: JobTypeDefinition;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly maxAttempts?: number;
  readonly delaySeconds: number;
}

const envelopeSchema = z.strictObject({
  type: z.string().check(z.minLength(1), z.maxLength(64)),
  payload: z.record(z.string(), z.unknown()),
  maxAttempts: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_ATTEMPTS_LIMIT))),
  // SQS delays a message at most 15 minutes (SendMessage DelaySeconds, 0-900).
  delaySeconds: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(900))),
});

/** `Idempotency-Key`: 1-128 characters of [A-Za-z0-9_.:-] (SPEC §2). */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

function problems(issues: readonly z.core.$ZodIssue[], prefix: string): FieldProblem[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      return { path: path || '(body)', message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { path: path || '(body)', message: issue.message };
  });
}

/** Validates a submission, listing every failing field; payloads are checked against their type's schema. */
export function parseSubmission(body: unknown): Submission {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) {
    throw new ValidationError('The request body is not a valid job submission', problems(envelope.error.issues, ''));
  }
  const { type, payload, maxAttempts, delaySeconds } = envelope.data;
  const definition = findJobType(type);
  if (definition === undefined) {
    throw new UnknownJobTypeError(`Unknown job type '${type}'; known types: ${jobTypeNames().join(', ')}`);
  }
  const checked = definition.payloadSchema.safeParse(payload);
  if (!checked.success) {
    throw new ValidationError(`The payload does not match the '${type}' job type`, problems(checked.error.issues, 'payload'));
  }
  return { definition, type, payload, ...(maxAttempts === undefined ? {} : { maxAttempts }), delaySeconds: delaySeconds ?? 0 };
}

export function validateIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError('Invalid Idempotency-Key header', [
      { path: 'Idempotency-Key', message: 'must be 1-128 characters of A-Z, a-z, 0-9, _ . : -' },
    ]);
  }
}

/** JSON with object keys sorted, so two bodies that mean the same hash the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The fingerprint an idempotency key remembers, to tell a replay from a different request. */
export function submissionHash(submission: Submission): string {
  const { type, payload, maxAttempts, delaySeconds } = submission;
  return createHash('sha256').update(canonicalJson({ type, payload, maxAttempts, delaySeconds })).digest('base64url');
}
