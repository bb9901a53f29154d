import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../../functions/jobs/domain/errors.ts';
import {
  ERROR_HISTORY_LIMIT,
  ERROR_HISTORY_MAX_BYTES,
  ERROR_MESSAGE_MAX_BYTES,
  lastErrorOf,
  type JobError,
  type JobStatus,
} from '../../../functions/jobs/domain/job.ts';
import {
  cancelJob,
  completeJob,
  decideDelivery,
  failJob,
  reconcileDeadLetter,
  requeueForRedrive,
  scheduleRetry,
  type DeliveryTimings,
} from '../../../functions/jobs/domain/lifecycle.ts';
import { FACTORY_NOW, jobFactory } from '../../helpers/job-factory.ts';

const timings: DeliveryTimings = { leaseMs: 15_000, retentionDays: 30 };
const DAY_SECONDS = 86_400;
const now = FACTORY_NOW + 60_000;
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

function jobError(attempt: number, message = `failure ${attempt}`, run = 1): JobError {
  return { message, attempt, at: iso(now - 1_000), run };
}

describe('decideDelivery', () => {
  it('drops a message whose job has no record: its submission was answered 503', () => {
    // Act
    const decision = decideDelivery(undefined, { sentAt: now - 1_000, now }, timings);

    // Assess
    expect(decision).toEqual({ action: 'drop', reason: 'no job record: its submission failed' });
  });

  it('makes a duplicate copy of a retrying job wait until its next attempt is due', () => {
    // Prepare
    const job = jobFactory({ status: 'retrying', attempts: 1, nextAttemptAt: iso(now + 30_000) });

    // Act
    const decision = decideDelivery(job, { sentAt: now - 1_000, now }, timings);

    // Assess
    expect(decision).toEqual({ action: 'wait', delayMs: 30_000, reason: 'the next attempt is not due yet' });
  });

  it.each<JobStatus>(['queued', 'retrying'])('claims a %s job: running, attempt + 1, a lease and a new version', (status) => {
    // Prepare
    const job = jobFactory({ status, attempts: status === 'queued' ? 0 : 1, nextAttemptAt: iso(now), version: 4 });

    // Act
    const decision = decideDelivery(job, { sentAt: now - 5_000, now }, timings);

    // Assess
    expect(decision.action).toBe('run');
    if (decision.action !== 'run') return;
    expect(decision.redriven).toBe(false);
    expect(decision.job).toMatchObject({
      jobId: job.jobId,
      status: 'running',
      attempts: job.attempts + 1,
      startedAt: iso(now),
      updatedAt: iso(now),
      leaseUntil: now + timings.leaseMs,
      version: 5,
      run: 1,
    });
    expect(decision.job).not.toHaveProperty('nextAttemptAt');
  });

  it.each<JobStatus>(['completed', 'cancelled'])('drops the message of a %s job so it never runs again', (status) => {
    // Prepare
    const job = jobFactory({ status, attempts: 1 });

    // Act
    const decision = decideDelivery(job, { sentAt: now - 5_000, now }, timings);

    // Assess
    expect(decision).toEqual({ action: 'drop', reason: `job is already ${status}` });
  });

  it('hands the message back until a running attempt with a live lease ends', () => {
    // Prepare
    const job = jobFactory({ status: 'running', attempts: 1, leaseUntil: now + 4_000 });

    // Act
    const decision = decideDelivery(job, { sentAt: now - 5_000, now }, timings);

    // Assess
    expect(decision).toEqual({ action: 'wait', delayMs: 5_000, reason: 'another attempt is running' });
  });

  it.each([
    ['has expired', now - 1],
    ['ends right now', now],
    ['was never written', undefined],
  ])('takes over a running job whose lease %s and records the lost attempt', (_, leaseUntil) => {
    // Prepare
    const earlier = jobError(1);
    const job = jobFactory({
      status: 'running',
      attempts: 2,
      maxAttempts: 3,
      errorHistory: [earlier],
      version: 7,
      ...(leaseUntil === undefined ? {} : { leaseUntil }),
    });

    // Act
    const decision = decideDelivery(job, { sentAt: now - 60_000, now }, timings);

    // Assess
    expect(decision.action).toBe('run');
    if (decision.action !== 'run') return;
    const lost = { message: 'attempt 2 did not finish: the worker crashed or timed out', attempt: 2, at: iso(now), run: 1 };
    expect(decision.job).toMatchObject({ status: 'running', attempts: 3, leaseUntil: now + timings.leaseMs, version: 8 });
    expect(lastErrorOf(decision.job)).toEqual(lost);
    expect(decision.job.errorHistory).toEqual([earlier, lost]);
  });

  it('fails a running job with an expired lease at maxAttempts and dead-letters its message', () => {
    // Prepare
    const job = jobFactory({ status: 'running', attempts: 3, maxAttempts: 3, leaseUntil: now - 1_000, version: 6 });

    // Act
    const decision = decideDelivery(job, { sentAt: now - 60_000, now }, timings);

    // Assess
    expect(decision.action).toBe('deadLetter');
    if (decision.action !== 'deadLetter') return;
    expect(decision.reason).toBe('attempt 3 did not finish: the worker crashed or timed out');
    expect(decision.job).toMatchObject({
      status: 'failed',
      attempts: 3,
      failedAt: now,
      completedAt: iso(now),
      version: 7,
    });
    expect(decision.job && lastErrorOf(decision.job)).toEqual({ message: decision.reason, attempt: 3, at: iso(now), run: 1 });
    expect(decision.job).not.toHaveProperty('leaseUntil');
    expect(decision.job?.expiresAt).toBe(Math.floor(now / 1000) + timings.retentionDays * DAY_SECONDS);
  });

  it('re-runs a failed job when its message was sent after it failed (a DLQ redrive), keeping the error history', () => {
    // Prepare
    const failedAt = now - 3_600_000;
    const history = [jobError(1), jobError(2), jobError(3)];
    const job = jobFactory({
      status: 'failed',
      attempts: 3,
      maxAttempts: 3,
      run: 1,
      failedAt,
      completedAt: iso(failedAt),
      expiresAt: Math.floor(failedAt / 1000) + 15 * DAY_SECONDS,
      errorHistory: history,
      version: 9,
    });
    const redrivenAt = now - 10_000;

    // Act
    const decision = decideDelivery(job, { sentAt: redrivenAt, now }, timings);

    // Assess
    expect(decision.action).toBe('run');
    if (decision.action !== 'run') return;
    expect(decision.redriven).toBe(true);
    expect(decision.job).toMatchObject({
      status: 'running',
      run: 2,
      attempts: 1,
      runQueuedAt: iso(redrivenAt),
      startedAt: iso(now),
      leaseUntil: now + timings.leaseMs,
      version: 10,
    });
    expect(decision.job.errorHistory).toEqual(history);
    expect(decision.job).not.toHaveProperty('failedAt');
    expect(decision.job).not.toHaveProperty('completedAt');
    expect(decision.job).not.toHaveProperty('expiresAt');
  });

  it.each([
    ['sent before the job failed', -1_000],
    ['sent in the same millisecond it failed', 0],
  ])('dead-letters a leftover message of a failed job %s', (_, offset) => {
    // Prepare
    const failedAt = now - 3_600_000;
    const job = jobFactory({ status: 'failed', attempts: 3, failedAt });

    // Act
    const decision = decideDelivery(job, { sentAt: failedAt + offset, now }, timings);

    // Assess
    expect(decision).toEqual({ action: 'deadLetter', reason: 'job already failed' });
  });
});

describe('completeJob', () => {
  it('completes a running job with its result, releases the lease and sets the TTL', () => {
    // Prepare
    const job = jobFactory({ status: 'running', attempts: 1, leaseUntil: now + 10_000, version: 2 });

    // Act
    const completed = completeJob(job, { ok: true }, now, 30);

    // Assess
    expect(completed).toMatchObject({
      status: 'completed',
      result: { ok: true },
      completedAt: iso(now),
      updatedAt: iso(now),
      expiresAt: Math.floor(now / 1000) + 30 * DAY_SECONDS,
      version: 3,
    });
    expect(completed).not.toHaveProperty('leaseUntil');
  });

  it('stores null when the handler returned nothing', () => {
    // Prepare
    const job = jobFactory({ status: 'running', attempts: 1 });

    // Act
    const completed = completeJob(job, undefined, now, 30);

    // Assess
    expect(completed.result).toBeNull();
  });
});

describe('failJob', () => {
  it('fails a job with the error as lastError and in the history, and records when it failed', () => {
    // Prepare
    const job = jobFactory({ status: 'running', attempts: 2, leaseUntil: now + 10_000, version: 5 });
    const error = jobError(2, 'permanent');

    // Act
    const failed = failJob(job, error, now, 30);

    // Assess
    expect(failed).toMatchObject({ status: 'failed', failedAt: now, errorHistory: [error], version: 6 });
    expect(lastErrorOf(failed)).toEqual(error);
    expect(failed).not.toHaveProperty('leaseUntil');
  });

  it.each([
    [0, 15],
    [7, 15],
    [15, 15],
    [90, 90],
  ])('keeps a failed job %i retention days for at least 15 days (%i), longer than the DLQ keeps its message', (retentionDays, keptDays) => {
    // Prepare
    const job = jobFactory({ status: 'running', attempts: 1 });

    // Act
    const failed = failJob(job, jobError(1), now, retentionDays);

    // Assess
    expect(failed.expiresAt).toBe(Math.floor(now / 1000) + keptDays * DAY_SECONDS);
  });
});

describe('scheduleRetry', () => {
  it('moves a job to retrying with the error and the time of its next attempt', () => {
    // Prepare
    const job = jobFactory({ status: 'running', attempts: 1, leaseUntil: now + 10_000, version: 3 });
    const error = jobError(1);

    // Act
    const retrying = scheduleRetry(job, error, now, 8);

    // Assess
    expect(retrying).toMatchObject({
      status: 'retrying',
      attempts: 1,
      nextAttemptAt: iso(now + 8_000),
      updatedAt: iso(now),
      errorHistory: [error],
      version: 4,
    });
    expect(retrying).not.toHaveProperty('leaseUntil');
  });

  it(`keeps only the newest ${ERROR_HISTORY_LIMIT} errors`, () => {
    // Prepare
    const history = Array.from({ length: ERROR_HISTORY_LIMIT }, (_, index) => jobError(index + 1));
    const job = jobFactory({ status: 'running', attempts: ERROR_HISTORY_LIMIT + 1, maxAttempts: 10, errorHistory: history });
    const newest = jobError(ERROR_HISTORY_LIMIT + 1, 'newest');

    // Act
    const retrying = scheduleRetry(job, newest, now, 1);

    // Assess
    expect(retrying.errorHistory).toHaveLength(ERROR_HISTORY_LIMIT);
    expect(retrying.errorHistory[0]).toEqual(history[1]);
    expect(retrying.errorHistory.at(-1)).toEqual(newest);
  });

  it(`cuts each error message to ${ERROR_MESSAGE_MAX_BYTES} bytes of UTF-8, saying so`, () => {
    // Prepare: 10 KB of a 3-byte character, so a cut could land inside one
    const job = jobFactory({ status: 'running', attempts: 1, maxAttempts: 10 });
    const huge = jobError(1, '€'.repeat(3_500));

    // Act
    const retrying = scheduleRetry(job, huge, now, 1);

    // Assess
    const kept = lastErrorOf(retrying)?.message ?? '';
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(ERROR_MESSAGE_MAX_BYTES);
    expect(kept).toMatch(/^€+ …\[truncated\]$/);
  });

  it(`keeps at most ${ERROR_HISTORY_MAX_BYTES} bytes of error messages, dropping the oldest`, () => {
    // Prepare: messages of 1 KB each would take 20 KB at the entry limit
    let job = jobFactory({ status: 'running', attempts: 1, maxAttempts: 10 });
    for (let attempt = 1; attempt <= ERROR_HISTORY_LIMIT; attempt += 1) {
      job = { ...scheduleRetry(job, jobError(attempt, `${attempt}:`.padEnd(4_000, 'x')), now, 1), status: 'running' };
    }

    // Assess
    const bytes = job.errorHistory.reduce((sum, entry) => sum + Buffer.byteLength(entry.message), 0);
    expect(bytes).toBeLessThanOrEqual(ERROR_HISTORY_MAX_BYTES);
    expect(job.errorHistory.length).toBeLessThan(ERROR_HISTORY_LIMIT);
    expect(lastErrorOf(job)?.message.startsWith(`${ERROR_HISTORY_LIMIT}:`)).toBe(true);
  });
});

describe('cancelJob', () => {
  it.each<JobStatus>(['queued', 'retrying'])('cancels a %s job and sets its TTL', (status) => {
    // Prepare
    const job = jobFactory({ status, nextAttemptAt: iso(now + 5_000), version: 2 });

    // Act
    const cancelled = cancelJob(job, now, 30);

    // Assess
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      updatedAt: iso(now),
      expiresAt: Math.floor(now / 1000) + 30 * DAY_SECONDS,
      version: 3,
    });
    expect(cancelled).not.toHaveProperty('nextAttemptAt');
    expect(cancelled).not.toHaveProperty('completedAt');
  });

  it.each<JobStatus>(['running', 'completed', 'failed', 'cancelled'])('refuses to cancel a %s job with a ConflictError', (status) => {
    // Prepare
    const job = jobFactory({ status });

    // Act
    const cancel = () => cancelJob(job, now, 30);

    // Assess
    expect(cancel).toThrow(ConflictError);
    expect(cancel).toThrow(`is ${status}; only scheduled, waiting, queued or retrying jobs can be cancelled`);
  });
});

describe('reconcileDeadLetter', () => {
  it.each<JobStatus>(['queued', 'retrying'])('fails a %s job whose message SQS dead-lettered on its own', (status) => {
    // Prepare
    const job = jobFactory({ status, attempts: 1 });

    // Act
    const failed = reconcileDeadLetter(job, now - 60_000, now, 30);

    // Assess
    expect(failed).toMatchObject({ status: 'failed', failedAt: now, version: job.version + 1 });
    expect(failed && lastErrorOf(failed)?.message).toContain('SQS dead-lettered the message');
  });

  it('fails a running job whose lease expired', () => {
    // Prepare
    const job = jobFactory({ status: 'running', attempts: 2, leaseUntil: now - 1 });

    // Act
    const failed = reconcileDeadLetter(job, now - 60_000, now, 30);

    // Assess
    expect(failed?.status).toBe('failed');
  });

  it.each([
    ['a running job with a live lease', jobFactory({ status: 'running', attempts: 1, leaseUntil: now + 1_000 })],
    ['a completed job', jobFactory({ status: 'completed', attempts: 1 })],
    ['a failed job', jobFactory({ status: 'failed', attempts: 3, failedAt: now - 1 })],
    ['a cancelled job', jobFactory({ status: 'cancelled' })],
  ])('leaves %s alone', (_, job) => {
    // Act
    const result = reconcileDeadLetter(job, now - 60_000, now, 30);

    // Assess
    expect(result).toBeUndefined();
  });

  it('ignores a leftover letter of an earlier run while a redriven run is alive, and fails on a letter of the current run', () => {
    // Prepare
    const failedAt = now - 600_000;
    const job = jobFactory({
      status: 'retrying',
      run: 2,
      attempts: 1,
      errorHistory: [{ message: 'boom', attempt: 3, at: new Date(failedAt).toISOString(), run: 1 }],
    });

    // Act
    const leftover = reconcileDeadLetter(job, failedAt - 5_000, now, 30);
    const current = reconcileDeadLetter(job, failedAt + 60_000, now, 30);

    // Assess
    expect(leftover).toBeUndefined();
    expect(current?.status).toBe('failed');
  });
});

describe('requeueForRedrive', () => {
  it('takes a failed job back to queued for a new run, attempts from zero, errors kept', () => {
    // Prepare
    const error = { message: 'boom', attempt: 3, at: new Date(now - 1_000).toISOString(), run: 1 };
    const job = jobFactory({
      status: 'failed',
      attempts: 3,
      failedAt: now - 1_000,
      completedAt: new Date(now - 1_000).toISOString(),
      expiresAt: 1,
      errorHistory: [error],
      version: 5,
    });

    // Act
    const requeued = requeueForRedrive(job, now);

    // Assess
    expect(requeued).toMatchObject({
      status: 'queued',
      attempts: 0,
      run: 2,
      runQueuedAt: new Date(now).toISOString(),
      version: 6,
      errorHistory: [error],
    });
    expect(requeued).not.toHaveProperty('failedAt');
    expect(requeued).not.toHaveProperty('completedAt');
    expect(requeued).not.toHaveProperty('expiresAt');
  });

  it.each<JobStatus>(['queued', 'running', 'completed'])('refuses a %s job', (status) => {
    expect(() => requeueForRedrive(jobFactory({ status }), now)).toThrow(ConflictError);
  });
});
