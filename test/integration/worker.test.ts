import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { COUNTED_COMPLETIONS_ENV } from './support/debug-logs.ts';
import { ApiClient, eventually } from './support/api-client.ts';
import { LocalQueue } from './support/queues.ts';
import { DEFAULT_CALLER, localCallerArn } from '../../local/api-gateway.ts';
import { recordingFunctionEnv } from './support/iam-coverage.ts';

const shared = inject('platform');
const queue = new LocalQueue(shared.endpoints.sqs, shared.queueUrl);
const deadLetterQueue = new LocalQueue(shared.endpoints.sqs, shared.deadLetterQueueUrl);

afterAll(() => {
  queue.close();
  deadLetterQueue.close();
});

describe('the worker', () => {
  it('runs an echo job queued → running → completed with its payload as the result', async () => {
    const api = new ApiClient(shared.apiUrl);
    const { body: submitted } = await api.submit({ type: 'echo', payload: { greeting: 'hi' } });

    const { job } = await api.waitFor(submitted.jobId, 'completed');

    expect(job).toMatchObject({ status: 'completed', attempts: 1, result: { greeting: 'hi' } });
    expect(Date.parse(job.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(job.createdAt));
    expect(Date.parse(job.completedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(job.startedAt ?? ''));
  });

  it('retries flaky {failTimes: 2} through retrying, waiting out its backoff, and completes on attempt 3', async () => {
    const api = new ApiClient(shared.apiUrl);
    const { body: submitted } = await api.submit({ type: 'flaky', payload: { failTimes: 2 } });

    const retrying = await api.waitFor(submitted.jobId, 'retrying');
    const { job, seen } = await api.waitFor(submitted.jobId, 'completed');

    expect(retrying.job.lastError?.message).toMatch(/flaky failure 1 of 2/);
    // The retry was due no earlier than the backoff: at least half of base (1 s) after the failure.
    expect(Date.parse(retrying.job.nextAttemptAt ?? '')).toBeGreaterThanOrEqual(Date.parse(retrying.job.lastError?.at ?? '') + 500);
    expect(seen).toContain('retrying');
    expect(job).toMatchObject({ status: 'completed', attempts: 3, result: { succeededOnAttempt: 3 } });
    expect(job.errorHistory.map((error) => error.attempt)).toEqual([1, 2]);
    expect(Date.parse(job.completedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(retrying.job.nextAttemptAt ?? ''));
  });

  it('fails a flaky job past maxAttempts, keeps lastError, and moves its message to the DLQ', async () => {
    const api = new ApiClient(shared.apiUrl);
    const { body: submitted } = await api.submit({ type: 'flaky', payload: { failTimes: 5 }, maxAttempts: 2 });

    const { job } = await api.waitFor(submitted.jobId, 'failed');

    expect(job).toMatchObject({ status: 'failed', attempts: 2, lastError: { attempt: 2, message: 'flaky failure 2 of 5' } });
    const found = await eventually('the message in the DLQ', async () => {
      const ids = await deadLetterQueue.findJobs([job.jobId]);
      return ids.size === 1 ? ids : undefined;
    });
    expect(found.has(job.jobId)).toBe(true);
    expect((await api.get(job.jobId)).status).toBe('failed');
  });
});

/** Its own platform (own table and queues on the shared servers), so queue depths are this file's alone. */
describe('deliveries on a platform of their own', () => {
  let platform: LocalPlatform;
  let ownQueue: LocalQueue;
  const completions = new Map<string, number>();

  beforeAll(async () => {
    platform = await startLocalPlatform({
      environment: localEnvironment({ name: `worker${Date.now() % 100000}` }),
      endpoints: shared.endpoints,
      functionEnv: { ...COUNTED_COMPLETIONS_ENV, ...recordingFunctionEnv() },
      onFunctionOutput: (line) => {
        if (!line.includes('"job completed"')) return;
        const { jobId } = JSON.parse(line) as { jobId: string };
        completions.set(jobId, (completions.get(jobId) ?? 0) + 1);
      },
    });
  });

  afterAll(async () => {
    ownQueue.close();
    await platform.stop();
  });

  const drained = () => eventually('the queue to drain', async () => ((await ownQueue.depth()) === 0 ? true : undefined), 20_000);

  it('does not re-run a completed job when its message is delivered again', async () => {
    ownQueue = new LocalQueue(platform.endpoints.sqs, platform.queueUrl);
    const api = new ApiClient(platform.apiUrl);
    const { body: submitted } = await api.submit({ type: 'echo', payload: {} });
    const { job: completed } = await api.waitFor(submitted.jobId, 'completed');
    await drained();

    await ownQueue.send({ jobId: completed.jobId, owner: localCallerArn(DEFAULT_CALLER), type: 'echo' });
    await drained();

    expect(await api.get(completed.jobId)).toEqual(completed);
    expect(completions.get(completed.jobId)).toBe(1);
  });

  it('drops a message whose job record was never written (a submission answered 503) at once', async () => {
    await ownQueue.send({ jobId: randomUUID(), owner: localCallerArn(DEFAULT_CALLER), type: 'echo' });

    // The API writes a job before its message, so a message without a record needs no grace.
    await drained();
  });

  it('runs the other nine records of a batch exactly once when one record fails', async () => {
    const api = new ApiClient(platform.apiUrl);
    await platform.pauseWorkers();
    const good = await Promise.all(Array.from({ length: 9 }, (_, index) => api.submit({ type: 'echo', payload: { index } })));
    const bad = await api.submit({ type: 'flaky', payload: { failTimes: 1 } });
    platform.resumeWorkers();

    const finished = await Promise.all(good.map(({ body }) => api.waitFor(body.jobId, 'completed')));
    const flaky = await api.waitFor(bad.body.jobId, 'completed');

    expect(finished.map(({ job }) => job.attempts)).toEqual(Array(9).fill(1));
    expect(good.map(({ body }) => completions.get(body.jobId))).toEqual(Array(9).fill(1));
    expect(flaky.job.attempts).toBe(2);
    expect(completions.get(bad.body.jobId)).toBe(1);
  });
});
