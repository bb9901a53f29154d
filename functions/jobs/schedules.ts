import type { JobScheduler, ScheduleFiring } from './adapters/job-scheduler.ts';
import type { ScheduleRepository, SchedulePage } from './adapters/schedule-repository.ts';
import { ApiError, ConflictError, NotFoundError, ValidationError, type FieldProblem } from './domain/errors.ts';
import {
  firingIdempotencyKey,
  parseScheduleChange,
  parseScheduleCreation,
  SCHEDULE_NAME,
  type ScheduleDefinition,
} from './domain/schedule.ts';
import { SQS_MAX_DELAY_SECONDS } from './domain/submission.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './read-jobs.ts';
import { acceptSubmission, orUnavailable, submitJob, unavailableOr, type SubmitDependencies, type SubmitResult } from './submit-job.ts';

export interface ScheduleDependencies {
  readonly schedules: ScheduleRepository;
  readonly scheduler: JobScheduler;
  /** What a schedule's job is checked against: the same rules as a submission. */
  readonly submit: SubmitDependencies;
  readonly now?: () => number;
}

/**
 * A schedule's `job`, checked as `POST /jobs` checks a body (problems reported under `job.`),
 * and held to what a firing can do: a job of a queue type, due within SQS's 15 minutes of its
 * firing (a later time belongs in the schedule's expression, not in each job).
 */
function jobProblems(dependencies: ScheduleDependencies, job: unknown): FieldProblem[] {
  const fields = typeof job === 'object' && job !== null ? (job as Record<string, unknown>) : {};
  const found: FieldProblem[] = [];
  if ('runAt' in fields) found.push({ path: 'job.runAt', message: "is not allowed in a schedule's job: the expression says when it runs" });
  try {
    const submission = acceptSubmission(dependencies.submit, job);
    if (submission.definition.runtime === 'fargate') {
      found.push({
        path: 'job.type',
        message: `'${submission.type}' runs on the long-job path; a schedule's job must be a queue job type`,
      });
    }
    if (submission.delaySeconds > SQS_MAX_DELAY_SECONDS) {
      found.push({ path: 'job.delaySeconds', message: `must be at most ${SQS_MAX_DELAY_SECONDS} in a schedule's job` });
    }
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    const details = error.details ?? [{ path: 'type', message: error.message }];
    found.push(
      ...details.map((problem) => ({ path: problem.path === '(body)' ? 'job' : `job.${problem.path}`, message: problem.message })),
    );
  }
  return found;
}

function checkName(name: string): void {
  if (!SCHEDULE_NAME.test(name)) throw new NotFoundError(`No schedule ${name}`);
}

/** The caller's schedule; another caller's is not found, as for jobs. */
export async function getSchedule(dependencies: ScheduleDependencies, owner: string, name: string): Promise<ScheduleDefinition> {
  checkName(name);
  const schedule = await dependencies.schedules.get(owner, name);
  if (schedule === undefined) throw new NotFoundError(`No schedule ${name}`);
  return schedule;
}

/**
 * Creates a recurring schedule: the definition is written first (so the first firing finds it),
 * then the EventBridge Scheduler schedule is created; if that fails the definition is deleted
 * again and the caller gets 503, so no schedule exists half.
 */
export async function createSchedule(dependencies: ScheduleDependencies, owner: string, body: unknown): Promise<ScheduleDefinition> {
  const fields = parseScheduleCreation(body, (job) => jobProblems(dependencies, job));
  const now = new Date((dependencies.now ?? Date.now)()).toISOString();
  const schedule: ScheduleDefinition = { owner, ...fields, createdAt: now, updatedAt: now, version: 1 };
  await orUnavailable('store the schedule', () => dependencies.schedules.create(schedule));
  try {
    await dependencies.scheduler.putRecurring(schedule);
  } catch (error) {
    await dependencies.schedules.delete(owner, schedule.name).catch(() => undefined);
    throw schedulerError(error, 'create the schedule');
  }
  return schedule;
}

/** EventBridge Scheduler's own refusal of an expression is the caller's 400; anything else is 503 or 500. */
function schedulerError(error: unknown, what: string): Error {
  if ((error as Error).name === 'ValidationException') {
    return new ValidationError('EventBridge Scheduler refused the schedule', [{ path: 'expression', message: (error as Error).message }]);
  }
  return unavailableOr(what, error);
}

/**
 * Changes a schedule (enable or disable, expression, time zone, job): the definition first, then
 * the EventBridge Scheduler schedule; if that fails the old definition is written back and the
 * caller gets 503.
 */
export async function updateSchedule(
  dependencies: ScheduleDependencies,
  owner: string,
  name: string,
  body: unknown,
): Promise<ScheduleDefinition> {
  const change = parseScheduleChange(body, (job) => jobProblems(dependencies, job));
  const before = await orUnavailable('read the schedule', () => getSchedule(dependencies, owner, name));
  const after: ScheduleDefinition = {
    ...before,
    ...change,
    updatedAt: new Date((dependencies.now ?? Date.now)()).toISOString(),
    version: before.version + 1,
  };
  await orUnavailable('store the schedule', () => dependencies.schedules.replace(before, after));
  try {
    await dependencies.scheduler.putRecurring(after);
  } catch (error) {
    await dependencies.schedules.replace(after, { ...before, version: after.version + 1 }).catch(() => undefined);
    throw schedulerError(error, 'change the schedule');
  }
  return after;
}

/**
 * Deletes a schedule: the EventBridge Scheduler schedule first (so nothing fires after the
 * answer), then the definition. The jobs it created stay.
 */
export async function deleteSchedule(dependencies: ScheduleDependencies, owner: string, name: string): Promise<ScheduleDefinition> {
  const schedule = await getSchedule(dependencies, owner, name);
  await orUnavailable('delete the schedule', () => dependencies.scheduler.deleteRecurring(owner, name));
  await orUnavailable('delete the schedule', () => dependencies.schedules.delete(owner, name));
  return schedule;
}

/** The caller's schedules by name, paginated like jobs. */
export async function listSchedules(
  dependencies: ScheduleDependencies,
  owner: string,
  parameters: { readonly limit?: string; readonly cursor?: string },
): Promise<SchedulePage> {
  const limit = parameters.limit === undefined ? DEFAULT_PAGE_SIZE : Number(parameters.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError('Invalid query parameters', [{ path: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }]);
  }
  return dependencies.schedules.list(owner, limit, parameters.cursor);
}

/** What one firing did. */
export type FiringOutcome =
  { readonly kind: 'created' | 'replayed'; readonly result: SubmitResult } | { readonly kind: 'skipped'; readonly reason: string };

/**
 * One firing of a recurring schedule creates one job: submitted as the schedule's `job` body under
 * the idempotency key `schedule:<name>:<scheduled time>`, so EventBridge Scheduler's retry of the
 * same firing (or the reconciler's, from the dead-letter queue) answers the job the first made.
 * A schedule deleted or disabled since creates nothing; so does a retry after the job body changed
 * (its key already made that firing's job).
 */
export async function fireSchedule(
  dependencies: Pick<ScheduleDependencies, 'schedules' | 'submit'>,
  firing: ScheduleFiring,
): Promise<FiringOutcome> {
  const schedule = await dependencies.schedules.get(firing.owner, firing.name);
  if (schedule === undefined) return { kind: 'skipped', reason: 'the schedule no longer exists' };
  if (!schedule.enabled) return { kind: 'skipped', reason: 'the schedule is disabled' };
  const key = firingIdempotencyKey(schedule.name, firing.scheduledTime);
  try {
    const result = await submitJob(dependencies.submit, firing.owner, schedule.job, key, { scheduleName: schedule.name });
    return { kind: result.created ? 'created' : 'replayed', result };
  } catch (error) {
    if (error instanceof ConflictError) return { kind: 'skipped', reason: 'this firing made its job before the schedule changed' };
    throw error;
  }
}
