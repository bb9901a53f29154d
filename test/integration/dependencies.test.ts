import { describe, expect, inject, it } from 'vitest';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { ApiClient } from './support/api-client.ts';

const { apiUrl } = inject('platform');

const ms = (iso: string | undefined) => Date.parse(iso ?? '');

/** Submits one job and returns it, failing on anything but 202. */
async function submitted(api: ApiClient, body: unknown): Promise<JobResource> {
  const response = await api.submit(body);
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  return response.body;
}

describe('job chaining (dependsOn)', () => {
  it('runs the last job of 20 concurrent diamonds (A → B, A → C, B+C → D) once each, after both of its dependencies', async () => {
    // Prepare: one batch of 20 diamonds (80 jobs) whose jobs name each other by ref, so all 20 run at once.
    const api = new ApiClient(apiUrl);
    const diamond = (n: number) => [
      { ref: `a${n}`, type: 'sleep', payload: { ms: 100 } },
      { ref: `b${n}`, type: 'sleep', payload: { ms: 20 }, dependsOn: [`a${n}`] },
      { ref: `c${n}`, type: 'echo', payload: { side: 'c' }, dependsOn: [`a${n}`] },
      { ref: `d${n}`, type: 'echo', payload: { side: 'd', n }, dependsOn: [`b${n}`, `c${n}`] },
    ];

    // Act
    const batch = await api.submitBatch({ jobs: Array.from({ length: 20 }, (_, n) => diamond(n)).flat() });
    const submittedJobs = batch.items.map((item) => item.job as JobResource);
    const finished = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const [a, b, c, d] = submittedJobs.slice(n * 4, n * 4 + 4) as [JobResource, JobResource, JobResource, JobResource];
        // A deadline for a machine shared with other work: 80 jobs go through DynamoDB Local's one writer.
        const done = (await api.waitFor(d.jobId, 'completed', 90_000)).job;
        return { n, submitted: [a, b, c, d], a: await api.get(a.jobId), b: await api.get(b.jobId), c: await api.get(c.jobId), d: done };
      }),
    );

    // Assess
    expect(batch.items.map((item) => item.status)).toEqual(Array(80).fill(202));
    for (const { n, submitted, a, b, c, d } of finished) {
      expect(submitted.map((job) => job.status)).toEqual(['queued', 'waiting', 'waiting', 'waiting']);
      expect(d).toMatchObject({ status: 'completed', attempts: 1, run: 1, dependsOn: [b.jobId, c.jobId], result: { side: 'd', n } });
      expect(b.dependsOn).toEqual([a.jobId]);
      expect(ms(b.startedAt)).toBeGreaterThanOrEqual(ms(a.completedAt));
      expect(ms(c.startedAt)).toBeGreaterThanOrEqual(ms(a.completedAt));
      expect(ms(d.startedAt)).toBeGreaterThanOrEqual(Math.max(ms(b.completedAt), ms(c.completedAt)));
    }
  });

  it('runs a job submitted on its own after the two running jobs it depends on', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const [a, b] = await Promise.all([
      // Long enough to be still running when the third job is submitted on a busy machine.
      submitted(api, { type: 'sleep', payload: { ms: 4_000 } }),
      submitted(api, { type: 'sleep', payload: { ms: 3_000 } }),
    ]);

    // Act
    const c = await submitted(api, { type: 'echo', payload: { after: 'both' }, dependsOn: [a.jobId, b.jobId] });
    const { job } = await api.waitFor(c.jobId, 'completed');

    // Assess
    expect(c.status).toBe('waiting');
    expect(job).toMatchObject({ attempts: 1, result: { after: 'both' } });
    const [doneA, doneB] = await Promise.all([api.get(a.jobId), api.get(b.jobId)]);
    expect(ms(job.startedAt)).toBeGreaterThanOrEqual(Math.max(ms(doneA.completedAt), ms(doneB.completedAt)));
  });

  it('cancels the jobs waiting on a failed dependency, and the jobs waiting on those, with the reason', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const failing = await submitted(api, { type: 'flaky', payload: { failTimes: 5 }, maxAttempts: 1 });
    const waiting = await submitted(api, { type: 'echo', payload: {}, dependsOn: [failing.jobId] });
    const next = await submitted(api, { type: 'echo', payload: {}, dependsOn: [waiting.jobId] });

    // Act
    await api.waitFor(failing.jobId, 'failed');
    const cancelled = (await api.waitFor(waiting.jobId, 'cancelled')).job;
    const cascaded = (await api.waitFor(next.jobId, 'cancelled')).job;

    // Assess
    expect(cancelled).toMatchObject({ status: 'cancelled', attempts: 0, reason: `dependency ${failing.jobId} failed` });
    expect(cascaded).toMatchObject({ status: 'cancelled', attempts: 0, reason: `dependency ${waiting.jobId} failed` });
  });

  it('runs a job whose onDependencyFailure is "run" when its dependency fails', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const failing = await submitted(api, { type: 'flaky', payload: { failTimes: 5 }, maxAttempts: 1 });
    const waiting = await submitted(api, { type: 'echo', payload: { ran: true }, dependsOn: [failing.jobId], onDependencyFailure: 'run' });

    // Act
    const { job } = await api.waitFor(waiting.jobId, 'completed');

    // Assess
    expect(job).toMatchObject({ status: 'completed', result: { ran: true }, onDependencyFailure: 'run' });
    expect(ms(job.startedAt)).toBeGreaterThanOrEqual(ms((await api.get(failing.jobId)).completedAt));
  });

  it('cancels a waiting job on request, which cancels the jobs waiting on it', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const later = await submitted(api, { type: 'echo', payload: {}, delaySeconds: 900 });
    const waiting = await submitted(api, { type: 'echo', payload: {}, dependsOn: [later.jobId] });
    const next = await submitted(api, { type: 'echo', payload: {}, dependsOn: [waiting.jobId] });

    // Act
    const cancel = await api.request<JobResource>('POST', `/jobs/${waiting.jobId}/cancel`);
    const cascaded = (await api.waitFor(next.jobId, 'cancelled')).job;

    // Assess
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    expect(cancel.body).not.toHaveProperty('reason');
    expect(cascaded.reason).toBe(`dependency ${waiting.jobId} failed`);
    expect((await api.get(later.jobId)).status).toBe('queued');
  });

  it('queues a job at once whose dependencies have all completed', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const done = await submitted(api, { type: 'echo', payload: {} });
    await api.waitFor(done.jobId, 'completed');

    // Act
    const job = await submitted(api, { type: 'echo', payload: { after: 'done' }, dependsOn: [done.jobId] });

    // Assess
    expect(job.status).toBe('queued');
    expect((await api.waitFor(job.jobId, 'completed')).job.result).toEqual({ after: 'done' });
  });

  it('refuses a batch whose refs make a cycle with 400, naming the refs on it, and stores none of its jobs', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const body = {
      jobs: [
        { ref: 'x', type: 'echo', payload: {}, dependsOn: ['z'] },
        { ref: 'y', type: 'echo', payload: {}, dependsOn: ['x'] },
        { ref: 'z', type: 'echo', payload: {}, dependsOn: ['y'] },
        { ref: 'free', type: 'echo', payload: {} },
      ],
    };

    // Act
    const response = await api.request<{ error: { code: string; details: { path: string; message: string }[] } }>('POST', '/jobs/batch', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details.map((detail) => detail.path).sort()).toEqual([
      'jobs.0.dependsOn',
      'jobs.1.dependsOn',
      'jobs.2.dependsOn',
    ]);
    const listing = await api.request<{ items: unknown[] }>('GET', '/jobs');
    expect(listing.status, JSON.stringify(listing.body)).toBe(200);
    expect(listing.body.items).toEqual([]);
  });

  it('refuses, in its slot, a batch item that depends on a refused item or on an unknown id', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const unknown = '0190a8f0-0000-7000-8000-000000000001';
    const body = {
      jobs: [
        { ref: 'bad', type: 'email', payload: { to: 'not an address' } },
        { ref: 'after-bad', type: 'echo', payload: {}, dependsOn: ['bad'] },
        { ref: 'after-after', type: 'echo', payload: {}, dependsOn: ['after-bad'] },
        { ref: 'lost', type: 'echo', payload: {}, dependsOn: [unknown] },
        { ref: 'fine', type: 'echo', payload: { fine: true } },
      ],
    };

    // Act
    const batch = await api.submitBatch(body);

    // Assess
    expect(batch.items.map((item) => item.status)).toEqual([400, 400, 400, 400, 202]);
    expect(batch.items[1]?.error?.details).toEqual([
      { path: 'dependsOn', message: "ref 'bad' names a job of this batch that was not accepted" },
    ]);
    expect(batch.items[2]?.error?.details).toEqual([
      { path: 'dependsOn', message: "ref 'after-bad' names a job of this batch that was not accepted" },
    ]);
    expect(batch.items[3]?.error?.details).toEqual([
      { path: 'dependsOn', message: `${unknown} is not one of your jobs, nor the ref of a job of this batch` },
    ]);
  });

  it('refuses unknown ids and other callers\u2019 jobs with 400, naming each', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const other = new ApiClient(apiUrl);
    const foreign = await submitted(other, { type: 'echo', payload: {} });
    const unknown = '0190a8f0-0000-7000-8000-000000000000';

    // Act
    const response = await api.submit({ type: 'echo', payload: {}, dependsOn: [foreign.jobId, unknown] });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: {
        code: 'VALIDATION_FAILED',
        details: [
          { path: 'dependsOn', message: `${foreign.jobId} is not one of your jobs` },
          { path: 'dependsOn', message: `${unknown} is not one of your jobs` },
        ],
      },
    });
  });
});
