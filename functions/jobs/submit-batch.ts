import { asApiError } from './adapters/dependency-errors.ts';
import { PayloadTooLargeError, UnavailableError, ValidationError, type ApiError } from './domain/errors.ts';
import type { Job } from './domain/job.ts';
import { jobMessageOf } from './domain/job-message.ts';
import { MAX_SUBMISSION_BYTES, submissionHash, validateIdempotencyKey, type Submission } from './domain/submission.ts';
import { findJobType } from './domain/registry.ts';
import { acceptSubmission, idempotencyRecordOf, newJob, orUnavailable, replay, type SubmitDependencies } from './submit-job.ts';

/** Jobs one `POST /jobs/batch` takes (SPEC §2). */
export const MAX_BATCH_JOBS = 100;

/** One slot of a batch answer, in request order. */
export interface BatchItemOutcome {
  readonly index: number;
  /** 202 created, 200 an idempotent replay, 4xx this item is refused, 503 this item was not accepted (safe to retry), 500 not accepted and a retry will not help. */
  readonly status: number;
  readonly job?: Job;
  readonly error?: ApiError;
}

interface Pending {
  readonly index: number;
  readonly submission: Submission;
  readonly idempotencyKey: string | undefined;
  readonly requestHash: string;
  job?: Job;
}

/** An item's refusal: its own 4xx, 503 when a retry can fix the dependency's failure, 500 otherwise (as a single submit answers). */
function refused(index: number, error: unknown): BatchItemOutcome {
  const known = asApiError(error, {
    unavailable: 'This job could not be accepted; retry it',
    internal: 'This job could not be accepted: an unexpected error, logged with the request id; a retry will not help',
  });
  return { index, status: known.status, error: known };
}

/** The `jobs` array of a batch body, or a 400 for the whole request. */
function batchItems(body: unknown): unknown[] {
  const jobs = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { jobs?: unknown }).jobs : undefined;
  const extra = typeof body === 'object' && body !== null ? Object.keys(body).filter((key) => key !== 'jobs') : [];
  if (!Array.isArray(jobs) || jobs.length < 1 || jobs.length > MAX_BATCH_JOBS || extra.length > 0) {
    throw new ValidationError('The request body is not a valid batch submission', [
      ...(Array.isArray(jobs) ? [] : [{ path: 'jobs', message: `must be an array of 1 to ${MAX_BATCH_JOBS} job submissions` }]),
      ...(Array.isArray(jobs) && (jobs.length < 1 || jobs.length > MAX_BATCH_JOBS)
        ? [{ path: 'jobs', message: `must hold 1 to ${MAX_BATCH_JOBS} jobs, ${jobs.length} given` }]
        : []),
      ...(extra.length > 0 ? [{ path: '(body)', message: `unknown field(s): ${extra.join(', ')}` }] : []),
    ]);
  }
  return jobs;
}

/** Validates one item: the `POST /jobs` body plus its own `idempotencyKey`. */
function parseItem(dependencies: SubmitDependencies, index: number, item: unknown): Pending {
  const bytes = Buffer.byteLength(JSON.stringify(item) ?? '');
  if (bytes > MAX_SUBMISSION_BYTES) {
    throw new PayloadTooLargeError(`This job is ${bytes} bytes as JSON; one job is limited to ${MAX_SUBMISSION_BYTES} bytes`);
  }
  const { idempotencyKey, ...submissionBody } = (typeof item === 'object' && item !== null ? item : { item }) as Record<string, unknown>;
  if (idempotencyKey !== undefined && typeof idempotencyKey !== 'string') {
    throw new ValidationError('Invalid idempotencyKey', [{ path: 'idempotencyKey', message: 'must be a string' }]);
  }
  if (idempotencyKey !== undefined) validateIdempotencyKey(idempotencyKey);
  const submission = acceptSubmission(dependencies, typeof item === 'object' && item !== null ? submissionBody : item);
  return { index, submission, idempotencyKey, requestHash: submissionHash(submission) };
}

/**
 * Accepts up to 100 jobs in one request (`POST /jobs/batch`), each with the guarantee of a
 * single submit: every job is written before its message is sent, in batched calls (25 items
 * per BatchWriteItem, 10 messages per SendMessageBatch), and a job whose message could not be
 * sent is deleted again and answered 503 in its slot. A bad item refuses only itself.
 */
export async function submitJobs(dependencies: SubmitDependencies, owner: string, body: unknown): Promise<BatchItemOutcome[]> {
  const { repository, queue } = dependencies;
  const now = (dependencies.now ?? Date.now)();
  const outcomes: BatchItemOutcome[] = [];
  const pending: Pending[] = [];
  batchItems(body).forEach((item, index) => {
    try {
      pending.push(parseItem(dependencies, index, item));
    } catch (error) {
      outcomes.push(refused(index, error));
    }
  });

  // Keyed items first look for their key; a replay answers 200 (or 409) in its slot.
  const fresh: Pending[] = [];
  await Promise.all(
    pending.map(async (item) => {
      if (item.idempotencyKey === undefined) return fresh.push(item);
      try {
        const key = item.idempotencyKey;
        const earlier = await orUnavailable('read the idempotency key', () => repository.findIdempotencyKey(owner, key, now));
        if (earlier === undefined) return fresh.push(item);
        const { job } = await replay(dependencies, owner, earlier, item.requestHash, now);
        outcomes.push({ index: item.index, status: 200, job });
      } catch (error) {
        outcomes.push(refused(item.index, error));
      }
      return undefined;
    }),
  );

  // Write: unkeyed jobs in batches, keyed ones each in its own transaction with its key.
  const written: Pending[] = [];
  for (const item of fresh) item.job = newJob(dependencies, owner, item.submission, now);
  const unkeyed = fresh.filter((item) => item.idempotencyKey === undefined);
  const created = await repository
    .createMany(unkeyed.map((item) => item.job as Job))
    .catch((error: unknown) => unkeyed.map((item) => ({ job: item.job as Job, written: false as const, error })));
  created.forEach((result, position) => {
    const item = unkeyed[position] as Pending;
    if (result.written) written.push(item);
    else outcomes.push(refused(item.index, result.error));
  });
  await Promise.all(
    fresh
      .filter((item) => item.idempotencyKey !== undefined)
      .map(async (item) => {
        const job = item.job as Job;
        try {
          const earlier = await repository.create(job, idempotencyRecordOf(job, item.idempotencyKey as string, item.requestHash, now));
          if (earlier === undefined) written.push(item);
          else
            outcomes.push({ index: item.index, status: 200, job: (await replay(dependencies, owner, earlier, item.requestHash, now)).job });
        } catch (error) {
          outcomes.push(refused(item.index, error));
        }
      }),
  );

  // Enqueue: queue jobs in batches of ten, long jobs each as its execution.
  const longJobs = dependencies.longJobs;
  const isLong = (item: Pending) => longJobs !== undefined && findJobType(item.submission.type)?.runtime === 'fargate';
  const queued = written.filter((item) => !isLong(item));
  const sent = await queue
    .sendMany(
      queued.map((item) => ({
        message: jobMessageOf(item.job as Job),
        delaySeconds: item.submission.delaySeconds,
      })),
    )
    .catch(() => queued.map(() => false));
  const started = await Promise.all(
    written.filter(isLong).map(async (item) => ({
      item,
      ok: await longJobs
        ?.start(item.job as Job, item.submission.delaySeconds)
        .then(() => true)
        .catch(() => false),
    })),
  );
  const enqueued = [...queued.map((item, position) => ({ item, ok: sent[position] === true })), ...started];
  const unsent = enqueued.filter(({ ok }) => !ok).map(({ item }) => item);
  if (unsent.length > 0) {
    // No job may stay without its message: take the records back before answering 503.
    await repository
      .deleteUnsent(
        unsent.map((item) => item.job as Job),
        unsent.map((item) => item.idempotencyKey),
      )
      .catch(() => undefined);
  }
  for (const { item, ok } of enqueued) {
    outcomes.push(
      ok
        ? { index: item.index, status: 202, job: item.job as Job }
        : refused(item.index, new UnavailableError('Could not enqueue the job; nothing was accepted for it, retry it')),
    );
  }
  return outcomes.sort((a, b) => a.index - b.index);
}
