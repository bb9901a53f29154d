import { v7 as uuidv7 } from 'uuid';
import type { Job } from '../../functions/jobs/domain/job.ts';

/** The creation time of factory jobs, so tests can compute expected timestamps from it. */
export const FACTORY_NOW = Date.parse('2030-01-01T00:00:00.000Z');

/** The caller that owns factory jobs unless a test says otherwise. */
export const FACTORY_OWNER = 'arn:aws:iam::000000000000:user/local-user';

/** A valid, freshly queued `echo` job with a unique id; `overrides` set any field. */
export function jobFactory(overrides: Partial<Job> = {}): Job {
  const createdAt = new Date(FACTORY_NOW).toISOString();
  return {
    jobId: uuidv7(),
    owner: FACTORY_OWNER,
    type: 'echo',
    status: 'queued',
    payload: { message: 'hello' },
    attempts: 0,
    maxAttempts: 3,
    createdAt,
    updatedAt: createdAt,
    errorHistory: [],
    run: 1,
    runQueuedAt: createdAt,
    version: 1,
    ...overrides,
  };
}
