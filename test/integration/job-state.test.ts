import { describe, expect, inject, it } from 'vitest';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { ERROR_HISTORY_MAX_BYTES, ERROR_MESSAGE_MAX_BYTES } from '../../functions/jobs/domain/job.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { JobRepository } from '../../functions/jobs/adapters/job-repository.ts';
import { JOB_QUEUE_RETENTION_SECONDS } from '../../functions/jobs/domain/job-queue-settings.ts';
import { lastErrorOf } from '../../functions/jobs/domain/job.ts';
import { sweepStaleJobs } from '../../functions/jobs/sweep-stale-jobs.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { jobFactory } from '../helpers/job-factory.ts';
import { ApiClient, eventually } from './support/api-client.ts';

const { apiUrl, endpoints, tableName } = inject('platform');

interface BatchItem {
  index: number;
  status: number;
  job?: JobResource;
  error?: { code: string; message: string; details?: { path: string; message: string }[] };
}

function submitBatch(api: ApiClient, jobs: unknown[]) {
  return api.request<{ items: BatchItem[] }>('POST', '/jobs/batch', {
    body: JSON.stringify({ jobs }),
    headers: { 'content-type': 'application/json' },
  });
}

async function listAll(api: ApiClient, query: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = await api.request<{ items: JobResource[]; nextCursor: string | null }>('GET', `/jobs?limit=${limit}${query}${suffix}`);
    expect(page.status).toBe(200);
    ids.push(...page.body.items.map((job) => job.jobId));
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return ids;
}

describe('POST /jobs/batch', () => {
  it('answers one outcome per job in request order: 202 created, 200 for a replayed key, 4xx for a bad item alone', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const key = `batch-${Date.now()}`;
    const first = await api.submit({ type: 'echo', payload: { n: 0 } }, { 'idempotency-key': key });

    // Act
    const response = await submitBatch(api, [
      { type: 'echo', payload: { n: 1 } },
      { type: 'echo', payload: { n: 0 }, idempotencyKey: key },
      { type: 'nope', payload: {} },
      { type: 'email', payload: { to: 'not an address', subject: 's', body: 'b' } },
      { type: 'echo', payload: { n: 4 }, idempotencyKey: 'not a valid key!' },
      { type: 'sleep', payload: { ms: 10 } },
    ]);

    // Assess
    expect(response.status).toBe(200);
    const items = response.body.items;
    expect(items.map(({ index, status }) => [index, status])).toEqual([
      [0, 202],
      [1, 200],
      [2, 400],
      [3, 400],
      [4, 400],
      [5, 202],
    ]);
    expect(items[1]?.job?.jobId).toBe(first.body.jobId);
    expect(items[2]?.error?.code).toBe('UNKNOWN_JOB_TYPE');
    expect(items[3]?.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'payload.to' }] });
    expect(items[4]?.error?.code).toBe('VALIDATION_FAILED');
    for (const item of [items[0], items[5]]) await api.waitFor(item?.job?.jobId ?? '', 'completed');
    expect(await listAll(api, '', 100)).toHaveLength(3);
  });

  it('runs every job of a full batch of 100 exactly once', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const jobs = Array.from({ length: 100 }, (_, index) => ({ type: 'echo', payload: { index } }));

    // Act
    const response = await submitBatch(api, jobs);

    // Assess
    expect(response.body.items.map((item) => item.status)).toEqual(Array(100).fill(202));
    const done = await Promise.all(response.body.items.map((item) => api.waitFor(item.job?.jobId ?? '', 'completed', 60_000)));
    expect(done.map(({ job }) => [job.result, job.attempts])).toEqual(jobs.map((job) => [job.payload, 1]));
  });

  it.each([
    ['no jobs', { jobs: [] }],
    ['101 jobs', { jobs: Array.from({ length: 101 }, () => ({ type: 'echo', payload: {} })) }],
    ['not an array', { jobs: { type: 'echo' } }],
    ['an unknown field', { jobs: [{ type: 'echo', payload: {} }], extra: 1 }],
  ])('refuses a batch of %s with 400 and accepts nothing', async (_, body) => {
    // Prepare
    const api = new ApiClient(apiUrl);

    // Act
    const response = await api.request<{ error: { code: string } }>('POST', '/jobs/batch', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(await listAll(api, '', 100)).toEqual([]);
  });
});

describe('a caller with many jobs over every shard', () => {
  it('lists them all newest first, each once, however small the pages', async () => {
    // Prepare: 250 jobs, delayed so they stay queued while the test reads them
    const api = new ApiClient(apiUrl);
    const submitted: string[] = [];
    for (let start = 0; start < 250; start += 100) {
      const jobs = Array.from({ length: Math.min(100, 250 - start) }, (_, offset) => ({
        type: 'echo',
        payload: { index: start + offset },
        delaySeconds: 900,
      }));
      const response = await submitBatch(api, jobs);
      submitted.push(...response.body.items.map((item) => item.job?.jobId ?? ''));
    }

    // Act
    const [small, large, queued] = [await listAll(api, '', 7), await listAll(api, '', 100), await listAll(api, '&status=queued', 33)];

    // Assess: job ids are time-ordered, so newest first is descending id order
    const newestFirst = [...submitted].sort().reverse();
    expect(small).toEqual(newestFirst);
    expect(large).toEqual(newestFirst);
    expect(queued).toEqual(newestFirst);
  });

  it('lists failed jobs from the sparse status index, and none that did not fail', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const failing = await Promise.all(
      [0, 1, 2].map(async () => (await api.submit({ type: 'flaky', payload: { failTimes: 5 }, maxAttempts: 1 })).body.jobId),
    );
    await api.submit({ type: 'echo', payload: {} });
    for (const jobId of failing) await api.waitFor(jobId, 'failed');

    // Act
    const failed = await listAll(api, '&status=failed', 2);

    // Assess
    expect(failed).toEqual([...failing].sort().reverse());
  });
});

describe('bounded job items', () => {
  it('ends failed with its history intact after maxAttempts errors of 10 KB each on a 256 KB payload', async () => {
    // Prepare: the largest body the API takes, and a type that throws 10 KB messages
    const api = new ApiClient(apiUrl);
    const padding = 'p'.repeat(256 * 1024 - 200);
    const submitted = await api.submit({ type: 'flaky', payload: { failTimes: 100, errorBytes: 10_240, padding }, maxAttempts: 10 });
    expect(submitted.status).toBe(202);

    // Act
    const { job } = await api.waitFor(submitted.body.jobId, 'failed', 80_000);

    // Assess
    expect(job.attempts).toBe(10);
    expect(job.payload).toEqual({ failTimes: 100, errorBytes: 10_240, padding });
    expect(job.errorHistory.map((error) => error.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const error of job.errorHistory) {
      expect(Buffer.byteLength(error.message)).toBeLessThanOrEqual(ERROR_MESSAGE_MAX_BYTES);
      expect(error.message).toMatch(/^flaky failure \d+ of 100 x+ …\[truncated\]$/);
    }
    const historyBytes = job.errorHistory.reduce((sum, error) => sum + Buffer.byteLength(error.message), 0);
    expect(historyBytes).toBeLessThanOrEqual(ERROR_HISTORY_MAX_BYTES);
    expect(job.lastError).toEqual({ message: job.errorHistory[9]?.message, attempt: 10, at: job.errorHistory[9]?.at });
  });
});

describe('GET /stats', () => {
  it('counts the jobs of a batch by status once the stream has caught up', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const response = await submitBatch(
      api,
      Array.from({ length: 20 }, (_, index) => ({ type: 'echo', payload: { index } })),
    );
    await Promise.all(response.body.items.map((item) => api.waitFor(item.job?.jobId ?? '', 'completed')));

    // Act
    const counts = await eventually('the counts to show 20 completed', async () => {
      const stats = await api.request<{ jobs: Record<string, number> }>('GET', '/stats');
      return stats.body.jobs.completed === 20 ? stats.body.jobs : undefined;
    });

    // Assess
    expect(counts).toEqual({ scheduled: 0, waiting: 0, queued: 0, running: 0, retrying: 0, completed: 20, failed: 0, cancelled: 0 });
  });
});

describe('the stale-job sweep', () => {
  it('fails queued and retrying jobs whose queue message has expired, and leaves every other job alone', async () => {
    // Prepare: jobs as a 15-day outage of the workers would leave them
    const repository = new JobRepository(new DynamoDBClient(localClientConfig(endpoints.dynamodb)), tableName);
    const day = 86_400_000;
    const longAgo = new Date(Date.now() - 15 * day).toISOString();
    const recently = new Date(Date.now() - day).toISOString();
    const owner = `sweep-${Date.now()}`;
    const stale = [
      jobFactory({ owner, status: 'queued', createdAt: longAgo, runQueuedAt: longAgo }),
      jobFactory({ owner, status: 'retrying', attempts: 1, createdAt: longAgo, runQueuedAt: longAgo, nextAttemptAt: longAgo }),
    ];
    const alive = [
      jobFactory({ owner, status: 'queued', createdAt: recently, runQueuedAt: recently }),
      jobFactory({ owner, status: 'completed', attempts: 1, createdAt: longAgo, runQueuedAt: longAgo, completedAt: longAgo }),
    ];
    for (const job of [...stale, ...alive]) await repository.create(job);

    // Act: until a whole pass has gone over the table (it may start mid-table)
    const dependencies = {
      repository,
      queueRetentionSeconds: JOB_QUEUE_RETENTION_SECONDS,
      retentionDays: 30,
      pagesPerRun: 20,
      pageItems: 500,
    };
    for (let passes = 0; passes < 2;) if ((await sweepStaleJobs(dependencies)).passComplete) passes += 1;

    // Assess
    for (const job of stale) {
      const swept = await repository.get(job);
      expect(swept?.status).toBe('failed');
      expect(swept && lastErrorOf(swept)?.message).toMatch(
        /^its queue message expired before the job could run \(SQS keeps messages 14 days\)/,
      );
    }
    for (const job of alive) expect((await repository.get(job))?.status).toBe(job.status);
  });
});
