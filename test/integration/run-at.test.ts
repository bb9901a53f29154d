import { GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oneTimeScheduleName } from '../../functions/jobs/adapters/job-scheduler.ts';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { localCallerArn } from '../../local/api-gateway.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { ApiClient, eventually } from './support/api-client.ts';
import { SCHEDULER_CLOCK_SCALE } from './support/global-setup.ts';

const { apiUrl, endpoints, queueUrl, schedulerEndpoint } = inject('platform');
const scheduler = new SchedulerClient(localClientConfig(schedulerEndpoint));
const sqs = new SQSClient(localClientConfig(endpoints.sqs));
const group = resourceNames('itest').scheduleGroup;

afterAll(() => {
  scheduler.destroy();
  sqs.destroy();
});

/** The job's one-time schedule as EventBridge Scheduler (the local one) holds it, or undefined once it is gone. */
async function oneTimeSchedule(jobId: string) {
  try {
    return await scheduler.send(new GetScheduleCommand({ Name: oneTimeScheduleName(jobId), GroupName: group }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

// The shared platform's scheduler runs each schedule's clock 120 times faster: 16 minutes take 8 s.
const SIXTEEN_MINUTES = 16 * 60;
const firesWithinMs = (SIXTEEN_MINUTES / SCHEDULER_CLOCK_SCALE) * 1000 + 15_000;

describe('run at any time (SPEC §10)', () => {
  it('a job due in 16 minutes is scheduled, gets a one-time schedule, fires when due, runs once, and its schedule is deleted', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const submittedAt = Date.now();

    // Act
    const { status, body: job } = await api.submit({ type: 'echo', payload: { later: true }, delaySeconds: SIXTEEN_MINUTES });

    // Assess
    expect(status).toBe(202);
    expect(job.status).toBe('scheduled');
    expect(Date.parse(job.runAt ?? '') - submittedAt).toBeGreaterThanOrEqual(SIXTEEN_MINUTES * 1000 - 1_000);
    const schedule = await oneTimeSchedule(job.jobId);
    expect(schedule).toMatchObject({ ActionAfterCompletion: 'DELETE', FlexibleTimeWindow: { Mode: 'OFF' } });
    // at() takes whole seconds: the due time rounded up.
    const at = Date.parse(`${/^at\((.+)\)$/.exec(schedule?.ScheduleExpression ?? '')?.[1] ?? ''}Z`);
    expect(at - Date.parse(job.runAt ?? '')).toBeGreaterThanOrEqual(0);
    expect(at - Date.parse(job.runAt ?? '')).toBeLessThan(1_000);
    expect(JSON.parse(schedule?.Target?.Input ?? '{}')).toEqual({
      jobId: job.jobId,
      owner: expect.any(String),
      type: 'echo',
      maxAttempts: job.maxAttempts,
    });
    expect((await api.get(job.jobId)).status).toBe('scheduled');
    const { job: done, seen } = await api.waitFor(job.jobId, 'completed', firesWithinMs);
    expect(done).toMatchObject({ attempts: 1, result: { later: true } });
    expect(seen[0]).toBe('scheduled');
    expect(await oneTimeSchedule(job.jobId)).toBeUndefined();
  });

  it('a batch item with runAt 20 minutes ahead is scheduled while an item due in 10 s is queued, and both run', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const runAt = new Date(Date.now() + 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

    // Act
    const { body } = await api.request<{ items: { status: number; job: JobResource }[] }>('POST', '/jobs/batch', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jobs: [
          { type: 'echo', payload: { n: 1 }, runAt },
          { type: 'echo', payload: { n: 2 }, delaySeconds: 10 },
        ],
      }),
    });

    // Assess
    const [later, soon] = body.items.map((item) => item.job);
    expect(body.items.map((item) => item.status)).toEqual([202, 202]);
    expect(later?.status).toBe('scheduled');
    expect(Date.parse(later?.runAt ?? '')).toBe(Date.parse(runAt));
    expect(soon?.status).toBe('queued');
    expect(await oneTimeSchedule(later?.jobId ?? '')).toBeDefined();
    expect(await oneTimeSchedule(soon?.jobId ?? '')).toBeUndefined();
    await api.waitFor(soon?.jobId ?? '', 'completed');
    await api.waitFor(later?.jobId ?? '', 'completed', (20 * 60 * 1000) / SCHEDULER_CLOCK_SCALE + 15_000);
  });

  it('cancelling a scheduled job deletes its schedule, and a firing that races the cancel does not run it', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const { body: job } = await api.submit({ type: 'echo', payload: {}, delaySeconds: 3_600 });
    expect(await oneTimeSchedule(job.jobId)).toBeDefined();

    // Act
    const cancel = await api.request<JobResource>('POST', `/jobs/${job.jobId}/cancel`);
    // The message a firing would send had it fired just before the delete.
    const schedule = await oneTimeSchedule(job.jobId);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ jobId: job.jobId, owner: localCallerArn(api.caller), type: 'echo' }),
      }),
    );

    // Assess
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    expect(schedule).toBeUndefined();
    // The worker receives the message and drops it: the job stays cancelled and never starts.
    await eventually('the racing message to be handled', async () => {
      const stats = (await api.request<{ queued: number; inFlight: number }>('GET', '/stats')).body;
      return stats.queued === 0 && stats.inFlight === 0 ? true : undefined;
    });
    expect(await api.get(job.jobId)).toMatchObject({ status: 'cancelled', attempts: 0 });
  });

  it.each([
    [{ runAt: '2026-01-01T00:00:00+01:00' }, 'runAt', 'ISO-8601 UTC'],
    [{ runAt: new Date(Date.now() + 400 * 86_400_000).toISOString() }, 'runAt', 'a year'],
    [{ runAt: new Date(Date.now() + 3_600_000).toISOString(), delaySeconds: 10 }, 'runAt', 'not both'],
    [{ delaySeconds: 31_536_001 }, 'delaySeconds', '31536000'],
  ])('refuses %j with a 400 naming %s', async (timing, path, message) => {
    const api = new ApiClient(apiUrl);
    const { status, body } = await api.submit({ type: 'echo', payload: {}, ...timing });
    expect(status).toBe(400);
    expect((body as unknown as { error: { details: { path: string; message: string }[] } }).error.details).toContainEqual({
      path,
      message: expect.stringContaining(message),
    });
  });
});
