import { v7 as uuidv7 } from 'uuid';
import { asApiError } from './adapters/dependency-errors.ts';
import { BATCH_REF, refsOnCycle } from './domain/dependencies.ts';
import { PayloadTooLargeError, UnavailableError, ValidationError, type ApiError } from './domain/errors.ts';
import type { Job } from './domain/job.ts';
import { jobMessageOf } from './domain/job-message.ts';
import { MAX_SUBMISSION_BYTES, submissionHash, validateIdempotencyKey, type Submission } from './domain/submission.ts';
import { findJobType } from './domain/registry.ts';
import { alreadyReleased, watchDependencies } from './job-dependencies.ts';
import type { DependencyState } from './adapters/job-repository.ts';
import {
  acceptSubmission,
  enqueue,
  idempotencyRecordOf,
  newJob,
  orUnavailable,
  releaseDependenciesOf,
  replay,
  type SubmitDependencies,
} from './submit-job.ts';

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
  /** The name the batch's other items give this one in their `dependsOn`. */
  readonly ref: string | undefined;
  job?: Job;
  /** Its dependencies outside this batch's new jobs, which it watches once written (job-dependencies.ts). */
  external?: string[];
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
  const { idempotencyKey, ref, ...submissionBody } = (typeof item === 'object' && item !== null ? item : { item }) as Record<
    string,
    unknown
  >;
  if (idempotencyKey !== undefined && typeof idempotencyKey !== 'string') {
    throw new ValidationError('Invalid idempotencyKey', [{ path: 'idempotencyKey', message: 'must be a string' }]);
  }
  if (idempotencyKey !== undefined) validateIdempotencyKey(idempotencyKey);
  if (ref !== undefined && (typeof ref !== 'string' || !BATCH_REF.test(ref))) {
    throw new ValidationError('Invalid ref', [{ path: 'ref', message: 'must be 1-64 characters of A-Z, a-z, 0-9, _ . : -' }]);
  }
  const submission = acceptSubmission(dependencies, typeof item === 'object' && item !== null ? submissionBody : item);
  return { index, submission, idempotencyKey, requestHash: submissionHash(submission), ref };
}

/** The `ref` and `dependsOn` of a raw batch item, as far as they are strings. */
function chainOf(item: unknown): { ref: string | undefined; dependsOn: string[] } {
  const fields = (typeof item === 'object' && item !== null ? item : {}) as { ref?: unknown; dependsOn?: unknown };
  return {
    ref: typeof fields.ref === 'string' ? fields.ref : undefined,
    dependsOn: Array.isArray(fields.dependsOn) ? fields.dependsOn.filter((id): id is string => typeof id === 'string') : [],
  };
}

/**
 * Refuses the whole batch when its refs do not make a graph its jobs can run in: a ref given
 * twice, or a cycle of refs (each job would wait for another forever). Lists the offenders.
 */
function checkBatchGraph(items: readonly unknown[]): void {
  const chains = items.map(chainOf);
  const firstIndex = new Map<string, number>();
  const repeated = chains.flatMap(({ ref }, index) => {
    if (ref === undefined) return [];
    if (!firstIndex.has(ref)) firstIndex.set(ref, index);
    return firstIndex.get(ref) === index
      ? []
      : [{ path: `jobs.${index}.ref`, message: `ref '${ref}' is already the ref of jobs.${firstIndex.get(ref)}` }];
  });
  if (repeated.length > 0) throw new ValidationError('Each ref may name one job of the batch', repeated);
  const graph = new Map(chains.flatMap(({ ref, dependsOn }) => (ref === undefined ? [] : [[ref, dependsOn] as const])));
  const cycle = refsOnCycle(graph);
  if (cycle.length > 0) {
    throw new ValidationError(
      `The batch's dependsOn make a cycle: ${[...cycle, cycle[0]].join(' → ')}`,
      cycle.map((ref) => ({ path: `jobs.${firstIndex.get(ref)}.dependsOn`, message: `ref '${ref}' is on a cycle` })),
    );
  }
}

/** An item refused because a job it depends on (by ref) was not accepted. */
function dependencyRefused(ref: string): ApiError {
  return new ValidationError(`This job depends on '${ref}', which was not accepted`, [
    { path: 'dependsOn', message: `ref '${ref}' names a job of this batch that was not accepted` },
  ]);
}

/**
 * Items that depend, by ref and at any depth, on a job in `gone` (refused or taken back): none
 * of them can ever run, so they are not accepted either. Returns each with the ref it misses.
 */
function dependentsOf(items: readonly Pending[], gone: ReadonlySet<string>): Map<Pending, string> {
  const lost = new Map<Pending, string>();
  const goneRefs = new Set(gone);
  for (let changed = true; changed;) {
    changed = false;
    for (const item of items) {
      if (lost.has(item)) continue;
      const missing = item.submission.dependsOn.find((entry) => goneRefs.has(entry));
      if (missing === undefined) continue;
      lost.set(item, missing);
      if (item.ref !== undefined) goneRefs.add(item.ref);
      changed = true;
    }
  }
  return lost;
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
  const items = batchItems(body);
  checkBatchGraph(items);
  // The refs of items refused as they were read: items naming them are refused too.
  const refusedRefs = new Set<string>();
  items.forEach((item, index) => {
    try {
      pending.push(parseItem(dependencies, index, item));
    } catch (error) {
      const { ref } = chainOf(item);
      if (ref !== undefined) refusedRefs.add(ref);
      outcomes.push(refused(index, error));
    }
  });

  // Keyed items first look for their key; a replay answers 200 (or 409) in its slot.
  let fresh: Pending[] = [];
  // A ref's job id: the replayed job's, or the new job's.
  const jobIdOfRef = new Map<string, string>();
  await Promise.all(
    pending.map(async (item) => {
      if (item.idempotencyKey === undefined) return fresh.push(item);
      try {
        const key = item.idempotencyKey;
        const earlier = await orUnavailable('read the idempotency key', () => repository.findIdempotencyKey(owner, key, now));
        if (earlier === undefined) return fresh.push(item);
        const { job } = await replay(dependencies, owner, earlier, item.requestHash, now);
        if (item.ref !== undefined) jobIdOfRef.set(item.ref, job.jobId);
        outcomes.push({ index: item.index, status: 200, job });
      } catch (error) {
        if (item.ref !== undefined) refusedRefs.add(item.ref);
        outcomes.push(refused(item.index, error));
      }
      return undefined;
    }),
  );
  fresh = await chainFresh(dependencies, owner, fresh, jobIdOfRef, refusedRefs, outcomes, now);

  // Write: unkeyed jobs in batches, keyed ones each in its own transaction with its key.
  const written: Pending[] = [];
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

  // Enqueue: queue jobs in batches of ten; long jobs (their execution) and scheduled jobs (their
  // one-time schedule) one by one.
  const longJobs = dependencies.longJobs;
  const isLong = (item: Pending) => longJobs !== undefined && findJobType(item.submission.type)?.runtime === 'fargate';
  // A job that some item failed to store cannot be waited on: its waiting items are taken back too.
  const unwrittenRefs = new Set(
    fresh.filter((item) => !written.includes(item) && item.ref !== undefined).map((item) => item.ref as string),
  );
  const orphans = dependentsOf(written, unwrittenRefs);
  await takeBack(dependencies, [...orphans.keys()], outcomes);
  const stored = written.filter((item) => !orphans.has(item));
  const waiting = stored.filter((item) => item.job?.status === 'waiting');
  const toEnqueue = stored.filter((item) => item.job?.status !== 'waiting');
  const onItsOwn = (item: Pending) => isLong(item) || item.job?.status === 'scheduled';
  const queued = toEnqueue.filter((item) => !onItsOwn(item));
  const sent = await queue
    .sendMany(
      queued.map((item) => ({
        message: jobMessageOf(item.job as Job),
        delaySeconds: item.submission.delaySeconds,
      })),
    )
    .catch(() => queued.map(() => false));
  const started = await Promise.all(
    toEnqueue.filter(onItsOwn).map(async (item) => ({
      item,
      ok: await enqueue(dependencies, item.job as Job, now)
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
  // Waiting jobs: those whose dependency was taken back go too; the others watch their dependencies from outside the batch.
  const unsentRefs = new Set(unsent.filter((item) => item.ref !== undefined).map((item) => item.ref as string));
  const stranded = dependentsOf(waiting, unsentRefs);
  await takeBack(dependencies, [...stranded.keys()], outcomes);
  const release = releaseDependenciesOf(dependencies);
  const watched = await Promise.all(
    waiting
      .filter((item) => !stranded.has(item))
      .map(async (item) => {
        try {
          return { item, job: await watchDependencies(release, item.job as Job, item.external ?? []) };
        } catch (error) {
          return { item, error };
        }
      }),
  );
  const unwatched = watched.flatMap((entry) => ('error' in entry ? [entry.item] : []));
  const unwatchedRefs = new Set(unwatched.filter((item) => item.ref !== undefined).map((item) => item.ref as string));
  const lost = [...unwatched, ...dependentsOf(waiting, unwatchedRefs).keys()];
  await takeBack(dependencies, lost, outcomes);
  for (const entry of watched) {
    if (!lost.includes(entry.item) && 'job' in entry) outcomes.push({ index: entry.item.index, status: 202, job: entry.job });
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

/** Deletes stored jobs that cannot be accepted after all (a job they wait on was not) and answers 503 in their slots. */
async function takeBack(dependencies: SubmitDependencies, items: readonly Pending[], outcomes: BatchItemOutcome[]): Promise<void> {
  if (items.length === 0) return;
  await dependencies.repository
    .deleteUnsent(
      items.map((item) => item.job as Job),
      items.map((item) => item.idempotencyKey),
    )
    .catch(() => undefined);
  for (const item of items) {
    outcomes.push(
      refused(
        item.index,
        new UnavailableError('A job this one depends on could not be accepted; nothing was accepted for it, retry the batch'),
      ),
    );
  }
}

/**
 * Gives each new item its job: resolves its `dependsOn` (a ref of another item of the batch,
 * else a job id), refuses items that name a refused item or an id that is not one of the
 * caller's jobs (400, at any depth), and builds the rest, `waiting` where a dependency has not
 * finished. Returns the items still to be written.
 */
async function chainFresh(
  dependencies: SubmitDependencies,
  owner: string,
  fresh: readonly Pending[],
  jobIdOfRef: Map<string, string>,
  refusedRefs: ReadonlySet<string>,
  outcomes: BatchItemOutcome[],
  now: number,
): Promise<Pending[]> {
  const newJobId = dependencies.newJobId ?? uuidv7;
  const newIds = new Map(fresh.map((item) => [item, newJobId()]));
  const freshRefs = new Set(fresh.flatMap((item) => (item.ref === undefined ? [] : [item.ref])));
  // A replayed item's ref names its earlier job, which is outside the batch's new jobs like any id.
  const external = (item: Pending) =>
    item.submission.dependsOn.filter((entry) => !freshRefs.has(entry)).map((entry) => jobIdOfRef.get(entry) ?? entry);
  for (const item of fresh) if (item.ref !== undefined) jobIdOfRef.set(item.ref, newIds.get(item) as string);

  // One read of every dependency outside the batch's new jobs.
  const outside = [...new Set(fresh.flatMap((item) => external(item).filter((entry) => !refusedRefs.has(entry))))];
  let states: Map<string, DependencyState>;
  try {
    states = await orUnavailable('read the dependencies', () => dependencies.repository.dependencyStates(owner, outside));
  } catch (error) {
    for (const item of fresh) outcomes.push(refused(item.index, error));
    return [];
  }
  const refusedNow = new Set(refusedRefs);
  const accepted: Pending[] = [];
  for (const item of fresh) {
    const unknown = external(item).filter((id) => !refusedRefs.has(id) && !states.has(id));
    if (unknown.length === 0) {
      accepted.push(item);
      continue;
    }
    if (item.ref !== undefined) refusedNow.add(item.ref);
    outcomes.push(
      refused(
        item.index,
        new ValidationError(
          'dependsOn names jobs you have no access to',
          unknown.map((id) => ({ path: 'dependsOn', message: `${id} is not one of your jobs, nor the ref of a job of this batch` })),
        ),
      ),
    );
  }
  const cut = dependentsOf(accepted, refusedNow);
  for (const [item, ref] of cut) outcomes.push(refused(item.index, dependencyRefused(ref)));
  const kept = accepted.filter((item) => !cut.has(item));
  const dependedOn = new Set(kept.flatMap((item) => item.submission.dependsOn));
  for (const item of kept) {
    const { submission } = item;
    const dependsOn = submission.dependsOn.map((entry) => jobIdOfRef.get(entry) ?? entry);
    const outsideStates = new Map(
      external(item).flatMap((id) => {
        const state = states.get(id);
        return state === undefined ? [] : [[id, state] as const];
      }),
    );
    const released = alreadyReleased(outsideStates, submission.onDependencyFailure);
    const job = newJob(dependencies, owner, submission, now, { dependsOn, released, jobId: newIds.get(item) as string });
    // Written already marked: its waiting items of this batch need not mark it after.
    item.job = item.ref !== undefined && dependedOn.has(item.ref) ? { ...job, hasDependents: true } : job;
    item.external = external(item).filter((id) => !released.includes(id));
  }
  return kept;
}
