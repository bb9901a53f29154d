import { ValidationError, type FieldProblem } from './errors.ts';
import { isTimeZone, parseScheduleExpression, ScheduleExpressionError } from './schedule-expression.ts';

/**
 * A schedule's name: 1-40 characters of [A-Za-z0-9_-]. It is part of the EventBridge Scheduler
 * schedule's name (`rec.<caller key>.<name>`, at most 64 characters) and of its jobs' idempotency key.
 */
export const SCHEDULE_NAME = /^[A-Za-z0-9_-]{1,40}$/;
export const SCHEDULE_NAME_RULE = 'must be 1-40 characters of A-Z, a-z, 0-9, _ and -';

/** A recurring schedule as the platform keeps it (SPEC §10). */
export interface ScheduleDefinition {
  readonly owner: string;
  readonly name: string;
  /** `cron(...)` or `rate(...)`, as EventBridge Scheduler takes it. */
  readonly expression: string;
  /** IANA time zone the expression is read in. */
  readonly timezone: string;
  /** The `POST /jobs` body each firing submits. */
  readonly job: Record<string, unknown>;
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-lock counter, as for jobs. */
  readonly version: number;
}

/** The schedule as the API shows it. */
export interface ScheduleResource {
  name: string;
  expression: string;
  timezone: string;
  job: Record<string, unknown>;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export function toScheduleResource(schedule: ScheduleDefinition): ScheduleResource {
  const { name, expression, timezone, job, enabled, createdAt, updatedAt } = schedule;
  return { name, expression, timezone, job, enabled, createdAt, updatedAt };
}

/** The fields `POST /schedules` takes, and which of them `PATCH /schedules/{name}` may change. */
export interface ScheduleFields {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly job: Record<string, unknown>;
  readonly enabled: boolean;
}

const CREATE_FIELDS = ['name', 'expression', 'timezone', 'job', 'enabled'];
const PATCH_FIELDS = ['expression', 'timezone', 'job', 'enabled'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks the schedule fields present in `body`, listing every problem; the `job` body is
 * checked by `checkJob` (a submission's own rules, reported under `job.`).
 */
function fieldProblems(
  body: Record<string, unknown>,
  allowed: readonly string[],
  checkJob: (job: unknown) => FieldProblem[],
): FieldProblem[] {
  const found: FieldProblem[] = [];
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) found.push({ path: '(body)', message: `unknown field(s): ${unknown.join(', ')}` });
  if ('name' in body && (typeof body.name !== 'string' || !SCHEDULE_NAME.test(body.name))) {
    found.push({ path: 'name', message: SCHEDULE_NAME_RULE });
  }
  if ('expression' in body) {
    if (typeof body.expression !== 'string') found.push({ path: 'expression', message: "must be a string: 'cron(...)' or 'rate(...)'" });
    else {
      try {
        parseScheduleExpression(body.expression);
      } catch (error) {
        if (!(error instanceof ScheduleExpressionError)) throw error;
        found.push({ path: 'expression', message: error.message });
      }
    }
  }
  if ('timezone' in body && (typeof body.timezone !== 'string' || !isTimeZone(body.timezone))) {
    found.push({ path: 'timezone', message: 'must be an IANA time zone such as Europe/Paris or America/New_York' });
  }
  if ('enabled' in body && typeof body.enabled !== 'boolean') found.push({ path: 'enabled', message: 'must be true or false' });
  if ('job' in body) found.push(...checkJob(body.job));
  return found;
}

/** Validates a `POST /schedules` body; `checkJob` validates its `job` as a submission. */
export function parseScheduleCreation(body: unknown, checkJob: (job: unknown) => FieldProblem[]): ScheduleFields {
  if (!isObject(body))
    throw new ValidationError('The request body is not a valid schedule', [{ path: '(body)', message: 'must be an object' }]);
  const missing = ['name', 'expression', 'job'].filter((key) => !(key in body)).map((path) => ({ path, message: 'is required' }));
  const found = [...missing, ...fieldProblems(body, CREATE_FIELDS, checkJob)];
  if (found.length > 0) throw new ValidationError('The request body is not a valid schedule', found);
  return {
    name: body.name as string,
    expression: body.expression as string,
    timezone: (body.timezone as string | undefined) ?? 'UTC',
    job: body.job as Record<string, unknown>,
    enabled: (body.enabled as boolean | undefined) ?? true,
  };
}

/** Validates a `PATCH /schedules/{name}` body: at least one of expression, timezone, job, enabled. */
export function parseScheduleChange(body: unknown, checkJob: (job: unknown) => FieldProblem[]): Partial<Omit<ScheduleFields, 'name'>> {
  if (!isObject(body))
    throw new ValidationError('The request body is not a valid schedule change', [{ path: '(body)', message: 'must be an object' }]);
  const found = fieldProblems(body, PATCH_FIELDS, checkJob);
  if (Object.keys(body).length === 0) found.push({ path: '(body)', message: `give at least one of ${PATCH_FIELDS.join(', ')}` });
  if (found.length > 0) throw new ValidationError('The request body is not a valid schedule change', found);
  return body as Partial<Omit<ScheduleFields, 'name'>>;
}

/** The idempotency key of a firing's job: the schedule's name and the time it fired for, so a retried firing makes no second job. */
export function firingIdempotencyKey(name: string, scheduledTime: string): string {
  return `schedule:${name}:${scheduledTime}`;
}
