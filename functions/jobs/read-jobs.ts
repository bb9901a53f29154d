import { NotFoundError, ValidationError } from './domain/errors.ts';
import { JOB_STATUSES, type Job, type JobStatus } from './domain/job.ts';
import { SCHEDULE_NAME, SCHEDULE_NAME_RULE } from './domain/schedule.ts';
import type { JobQueue, QueueDepths } from './adapters/job-queue.ts';
import type { JobPage, JobRepository } from './adapters/job-repository.ts';

/** Job ids are UUIDs; anything else cannot name a job (and must not reach other table items). */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The caller's job; another caller's job is reported as not found, not as forbidden. */
export async function getJob(repository: JobRepository, owner: string, jobId: string): Promise<Job> {
  const job = JOB_ID.test(jobId) ? await repository.get({ owner, jobId }) : undefined;
  if (job === undefined || job.owner !== owner) throw new NotFoundError(`No job ${jobId}`);
  return job;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Query-string parameters of `GET /jobs`, as strings. */
export interface ListParameters {
  readonly status?: string;
  readonly type?: string;
  readonly limit?: string;
  readonly cursor?: string;
  /** Only the jobs this recurring schedule of the caller's created. */
  readonly schedule?: string;
}

export async function listJobs(repository: JobRepository, owner: string, parameters: ListParameters): Promise<JobPage> {
  const problems = [];
  const { status, type, cursor, schedule } = parameters;
  if (schedule !== undefined && !SCHEDULE_NAME.test(schedule)) {
    problems.push({ path: 'schedule', message: SCHEDULE_NAME_RULE });
  }
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
    problems.push({ path: 'status', message: `must be one of ${JOB_STATUSES.join(', ')}` });
  }
  const limit = parameters.limit === undefined ? DEFAULT_PAGE_SIZE : Number(parameters.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    problems.push({ path: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` });
  }
  if (problems.length > 0) throw new ValidationError('Invalid query parameters', problems);
  return repository.list({
    owner,
    limit,
    ...(status === undefined ? {} : { status: status as JobStatus }),
    ...(type === undefined ? {} : { type }),
    ...(cursor === undefined ? {} : { cursor }),
    ...(schedule === undefined ? {} : { schedule }),
  });
}

export interface JobStats extends QueueDepths {
  /** The caller's jobs per status. */
  readonly jobs: Record<JobStatus, number>;
}

/** The caller's counts per status, and the platform's queue depths. */
export async function jobStats(repository: JobRepository, queue: JobQueue, owner: string): Promise<JobStats> {
  const [jobs, depths] = await Promise.all([repository.countByStatus(owner), queue.depths()]);
  return { jobs, ...depths };
}
