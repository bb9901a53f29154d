import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { UnknownJobTypeError, ValidationError, type FieldProblem } from './errors.ts';
import { MAX_DEPENDENCIES } from './dependencies.ts';
import type { DependencyFailurePolicy } from './job.ts';
import type { JobTypeDefinition } from './job-type.ts';
import { MAX_ATTEMPTS_LIMIT } from './job-queue-settings.ts';
import { JOB_PRIORITIES, type JobPriority } from './priority.ts';
import { findSubmittableJobType, submittableJobTypeNames, type SubmittableTypes } from './registry.ts';

/** Bytes one submission may take as JSON: it must fit one queue message and one table item (SPEC §2). */
export const MAX_SUBMISSION_BYTES = 256 * 1024;

/** A validated `POST /jobs` body. */
export interface Submission {
  readonly definition: JobTypeDefinition;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly maxAttempts?: number;
  /** Seconds from the submission until the job is due (from `delaySeconds` or `runAt`). */
  readonly delaySeconds: number;
  /** Absent for the default (`normal`). */
  readonly priority?: JobPriority;
  /** The jobs (in a batch: or the refs of other items) it waits for; empty for a job that runs at once. */
  readonly dependsOn: readonly string[];
  readonly onDependencyFailure: DependencyFailurePolicy;
  /** The `runAt` the caller sent, if any: the idempotency fingerprint keeps the time asked for, not the delay left. */
  readonly runAt?: string;
  /** Where each terminal status of the job is POSTed, signed (SPEC §11). */
  readonly callbackUrl?: string;
}

/** What a submission may ask for in this environment. */
export interface SubmissionRules extends SubmittableTypes {
  /**
   * Whether a `callbackUrl` may be plain `http:` (the local environment, whose receivers run on
   * localhost); an AWS environment takes `https:` only, so a job's result never crosses the
   * internet in clear text. Refused unless set.
   */
  readonly httpCallbackUrls?: boolean;
}

/** The longest `callbackUrl` accepted: the length browsers and CDNs commonly allow, and a small attribute on the job item. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/** SQS delays a message at most 15 minutes (SendMessage DelaySeconds, 0-900); later jobs get a one-time schedule. */
export const SQS_MAX_DELAY_SECONDS = 900;

/** A job may be due at most a year ahead (SPEC §10): 365 days. */
export const MAX_DELAY_SECONDS = 31_536_000;

/** `runAt`: an ISO-8601 UTC time with `Z` (seconds, optional fraction), as the job resource shows times. */
const RUN_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

// zod/mini ships no messages by default; English ones make `details` readable.
z.config(z.locales.en());

/** The `POST /jobs` body around the payload; each job type checks its own payload (registry.ts). */
export const envelopeSchema = z.strictObject({
  type: z.string().check(z.minLength(1), z.maxLength(64)),
  payload: z.record(z.string(), z.unknown()),
  maxAttempts: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(MAX_ATTEMPTS_LIMIT))),
  // Up to 900 the SQS message delay; beyond, an EventBridge Scheduler one-time schedule (SPEC §10).
  delaySeconds: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_DELAY_SECONDS))),
  runAt: z.optional(
    z.string().check(
      z.regex(RUN_AT, 'must be an ISO-8601 UTC time such as 2027-01-31T09:00:00Z'),
      z.refine((value) => !Number.isNaN(Date.parse(value)), 'is not a real date and time'),
    ),
  ),
  // Each level has its own queue and event source mapping (SPEC §10).
  priority: z.optional(z.enum(JOB_PRIORITIES)),
  // SPEC §11: at most 20 of the caller's own jobs; the job is `waiting` until they finish.
  dependsOn: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.maxLength(MAX_DEPENDENCIES))),
  onDependencyFailure: z.optional(z.enum(['cancel', 'run'])),
  // SPEC §11: each terminal status is POSTed there, signed; https only in AWS (callbackUrlProblems).
  callbackUrl: z.optional(
    z
      .url({ protocol: /^https?$/, error: 'must be an absolute http or https URL such as https://example.com/hooks/jobs' })
      .check(z.maxLength(MAX_CALLBACK_URL_LENGTH)),
  ),
});

/** A `callbackUrl` the schema accepts but this environment does not: plain `http:` outside the local environment. */
function callbackUrlProblems(callbackUrl: unknown, rules: SubmissionRules): FieldProblem[] {
  if (typeof callbackUrl !== 'string' || rules.httpCallbackUrls === true || !/^http:/i.test(callbackUrl)) return [];
  return [{ path: 'callbackUrl', message: 'must be an https URL: this environment delivers webhooks over TLS only' }];
}

/** Problems of a `dependsOn` list that its schema cannot see: an id listed twice, a policy without dependencies. */
function dependencyProblems(fields: Record<string, unknown>): FieldProblem[] {
  const dependsOn = Array.isArray(fields.dependsOn) ? (fields.dependsOn as unknown[]) : [];
  const repeated = [...new Set(dependsOn.filter((id, index) => dependsOn.indexOf(id) !== index))];
  return [
    ...repeated.map((id) => ({ path: 'dependsOn', message: `lists ${String(id)} more than once` })),
    ...(fields.onDependencyFailure !== undefined && dependsOn.length === 0
      ? [{ path: 'onDependencyFailure', message: 'applies only to a job with dependsOn' }]
      : []),
  ];
}

/**
 * The delay `runAt` asks for, with its problems. A time already past runs at once (a client's
 * clock may be a little behind); one more than a year ahead is refused.
 */
function runAtProblems(runAt: unknown, delaySeconds: unknown, now: number): { delay?: number; problems: FieldProblem[] } {
  if (typeof runAt !== 'string' || !RUN_AT.test(runAt) || Number.isNaN(Date.parse(runAt))) return { problems: [] };
  if (delaySeconds !== undefined) {
    return { problems: [{ path: 'runAt', message: 'give either runAt or delaySeconds, not both' }] };
  }
  const delay = Math.max(0, Math.ceil((Date.parse(runAt) - now) / 1000));
  if (delay > MAX_DELAY_SECONDS) {
    return { problems: [{ path: 'runAt', message: `must be at most a year (${MAX_DELAY_SECONDS} seconds) ahead` }] };
  }
  return { delay, problems: [] };
}

/**
 * Deepest nesting a payload may have. Storing and hashing a payload recurse per level, so a
 * 256 KB body of brackets (~128,000 levels) would exhaust the stack.
 */
export const MAX_PAYLOAD_DEPTH = 100;

/**
 * What JSON allows but a job cannot keep as sent: numbers beyond ±1.8e308 (parsed as
 * Infinity, stored as null), integers beyond ±(2^53 − 1) (parsed rounded: a 30-digit id would be
 * stored as 1.2345678901234568e+29), `__proto__` keys (dropped by any copy), and nesting deeper than
 * MAX_PAYLOAD_DEPTH. Walks with its own stack, so no payload can overflow it.
 */
function unstorable(payload: unknown): FieldProblem[] {
  const found: FieldProblem[] = [];
  const pending: [value: unknown, path: string, depth: number][] = [[payload, 'payload', 1]];
  while (pending.length > 0 && found.length < 20) {
    const [value, path, depth] = pending.pop() as [unknown, string, number];
    if (typeof value === 'number' && !Number.isFinite(value)) {
      found.push({ path, message: 'must be a finite number (JSON numbers beyond ±1.8e308 cannot be kept)' });
    } else if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
      found.push({ path, message: 'must be within ±(2^53 - 1): larger integers lose digits in JSON, send them as strings' });
    } else if (typeof value === 'object' && value !== null) {
      if (depth > MAX_PAYLOAD_DEPTH) {
        found.push({ path, message: `must not nest arrays or objects deeper than ${MAX_PAYLOAD_DEPTH} levels` });
        continue;
      }
      for (const [key, child] of Object.entries(value)) {
        if (key === '__proto__') found.push({ path: `${path}.__proto__`, message: 'is a reserved key' });
        else pending.push([child, `${path}.${key}`, depth + 1]);
      }
    }
  }
  return found;
}

/** `Idempotency-Key`: 1-128 characters of [A-Za-z0-9_.:-] (SPEC §2). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

function problems(issues: readonly z.core.$ZodIssue[], prefix: string): FieldProblem[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    if (issue.code === 'unrecognized_keys') {
      return { path: path || '(body)', message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { path: path || '(body)', message: issue.message };
  });
}

/**
 * Validates a submission, listing every failing field at once: the envelope's and, when the
 * type is known, the payload's against that type's schema. Drill types are unknown unless the
 * environment allows them (refused by default).
 */
export function parseSubmission(body: unknown, allowed: SubmissionRules = { drillJobTypes: false }, now = Date.now()): Submission {
  const envelope = envelopeSchema.safeParse(body);
  const found = envelope.success ? [] : problems(envelope.error.issues, '');
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const due = runAtProblems(fields.runAt, fields.delaySeconds, now);
  found.push(...due.problems);
  const type = typeof fields.type === 'string' ? fields.type : undefined;
  const definition = type === undefined ? undefined : findSubmittableJobType(type, allowed);
  if (type !== undefined && type !== '' && definition === undefined) {
    const message = `Unknown job type '${type}'; known types: ${submittableJobTypeNames(allowed).join(', ')}`;
    if (found.length === 0) throw new UnknownJobTypeError(message);
    found.push({ path: 'type', message });
  }
  const payloadIsObject = typeof fields.payload === 'object' && fields.payload !== null && !Array.isArray(fields.payload);
  const unkept = payloadIsObject ? unstorable(fields.payload) : [];
  found.push(...unkept, ...dependencyProblems(fields), ...callbackUrlProblems(fields.callbackUrl, allowed));
  if (definition !== undefined && payloadIsObject && unkept.length === 0) {
    const checked = definition.payloadSchema.safeParse(fields.payload);
    if (!checked.success) found.push(...problems(checked.error.issues, 'payload'));
  }
  if (found.length > 0 || !envelope.success || definition === undefined) {
    const payloadOnly = definition !== undefined && found.every((problem) => problem.path.startsWith('payload.'));
    const message = payloadOnly
      ? `The payload does not match the '${definition.name}' job type`
      : 'The request body is not a valid job submission';
    throw new ValidationError(message, found);
  }
  const { maxAttempts, delaySeconds, runAt, priority, dependsOn, onDependencyFailure, callbackUrl } = envelope.data;
  return {
    definition,
    type: envelope.data.type,
    payload: envelope.data.payload,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    delaySeconds: due.delay ?? delaySeconds ?? 0,
    ...(runAt === undefined ? {} : { runAt }),
    // `normal` is the default: stored as nothing, so it costs no bytes and hashes like an absent one.
    ...(priority === undefined || priority === 'normal' ? {} : { priority }),
    dependsOn: dependsOn ?? [],
    onDependencyFailure: onDependencyFailure ?? 'cancel',
    ...(callbackUrl === undefined ? {} : { callbackUrl }),
  };
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
  const { type, payload, maxAttempts, runAt, priority, callbackUrl } = submission;
  // A replay of a `runAt` submission asks for the same time, though less of the delay is left.
  const delaySeconds = runAt === undefined ? submission.delaySeconds : undefined;
  // Without dependencies the fingerprint is the one keys stored before chaining existed remember.
  const chained =
    submission.dependsOn.length === 0 ? {} : { dependsOn: submission.dependsOn, onDependencyFailure: submission.onDependencyFailure };
  return createHash('sha256')
    .update(canonicalJson({ type, payload, maxAttempts, delaySeconds, runAt, priority, callbackUrl, ...chained }))
    .digest('base64url');
}
