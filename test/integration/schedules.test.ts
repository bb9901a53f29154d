import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { JobQueue } from '../../functions/jobs/adapters/job-queue.ts';
import { JobRepository } from '../../functions/jobs/adapters/job-repository.ts';
import { recurringScheduleName } from '../../functions/jobs/adapters/job-scheduler.ts';
import { ScheduleRepository } from '../../functions/jobs/adapters/schedule-repository.ts';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import type { ScheduleResource } from '../../functions/jobs/domain/schedule.ts';
import { fireSchedule } from '../../functions/jobs/schedules.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { localCallerArn } from '../../local/api-gateway.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { ApiClient, eventually } from './support/api-client.ts';

const { apiUrl, endpoints, tableName, queueUrl, deadLetterQueueUrl, schedulerEndpoint } = inject('platform');
const scheduler = new SchedulerClient(localClientConfig(schedulerEndpoint));
const dynamodb = new DynamoDBClient(localClientConfig(endpoints.dynamodb));
const sqs = new SQSClient(localClientConfig(endpoints.sqs));

afterAll(() => {
  scheduler.destroy();
  dynamodb.destroy();
  sqs.destroy();
});

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const scheduleJobs = async (api: ApiClient, name: string) =>
  (await api.request<{ items: JobResource[] }>('GET', `/jobs?schedule=${name}&limit=100`)).body.items;

describe('recurring schedules (SPEC §10)', () => {
  it('a rate(2 minutes) schedule makes one job per firing, each carrying scheduleName and listed by GET /jobs?schedule=; paused, it makes none', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const name = `every-minute-${randomUUID().slice(0, 8)}`;

    // Act: the shared platform's scheduler runs 120 times faster, so two minutes take 1 s.
    const created = await api.request<ScheduleResource>(
      'POST',
      '/schedules',
      json({ name, expression: 'rate(2 minutes)', job: { type: 'echo', payload: { tick: true } } }),
    );
    const fired = await eventually('three firings', async () => {
      const jobs = await scheduleJobs(api, name);
      return jobs.length >= 3 ? jobs : undefined;
    });
    const paused = await api.request<ScheduleResource>('PATCH', `/schedules/${name}`, json({ enabled: false }));
    // Firings already under way when the pause landed may still finish; none start after it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const afterPause = (await scheduleJobs(api, name)).length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, expression: 'rate(2 minutes)', timezone: 'UTC', enabled: true });
    const awsSchedule = await scheduler.send(
      new GetScheduleCommand({
        Name: recurringScheduleName(localCallerArn(api.caller), name),
        GroupName: resourceNames('itest').scheduleGroup,
      }),
    );
    expect(awsSchedule.State).toBe('DISABLED');
    expect(fired.every((job) => job.scheduleName === name && job.type === 'echo')).toBe(true);
    expect(new Set(fired.map((job) => job.jobId)).size).toBe(fired.length);
    await api.waitFor(fired[0]?.jobId ?? '', 'completed');
    expect(paused.body.enabled).toBe(false);
    expect((await scheduleJobs(api, name)).length).toBe(afterPause);
    expect((await api.request('GET', `/jobs?schedule=other-${name}`)).body).toEqual({ items: [], nextCursor: null });
  });

  it('a retried firing of the same scheduled time makes no second job', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const name = `nightly-${randomUUID().slice(0, 8)}`;
    await api.request(
      'POST',
      '/schedules',
      json({ name, expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', job: { type: 'echo', payload: {} } }),
    );
    const services = {
      schedules: new ScheduleRepository(dynamodb, tableName),
      submit: {
        repository: new JobRepository(dynamodb, tableName),
        queue: new JobQueue(sqs, queueUrl, deadLetterQueueUrl),
        retryDefaults: { maxAttempts: 3, baseSeconds: 1, capSeconds: 60 },
        retentionDays: 15,
      },
    };
    const firing = { owner: localCallerArn(api.caller), name, scheduledTime: '2026-12-03T02:00:00Z' };

    // Act: the firing function's domain call, as EventBridge Scheduler's retry would repeat it.
    const first = await fireSchedule(services, firing);
    const retried = await fireSchedule(services, firing);
    const next = await fireSchedule(services, { ...firing, scheduledTime: '2026-12-04T02:00:00Z' });

    // Assess
    expect(first.kind).toBe('created');
    expect(retried.kind).toBe('replayed');
    expect(next.kind).toBe('created');
    const jobs = await scheduleJobs(api, name);
    expect(jobs).toHaveLength(2);
    expect(first.kind !== 'skipped' && retried.kind !== 'skipped' && first.result.job.jobId === retried.result.job.jobId).toBe(true);
  });

  it("lists, reads and deletes the caller's schedules; another caller's schedule is 404", async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const other = new ApiClient(apiUrl);
    const name = `weekday-${randomUUID().slice(0, 8)}`;
    await api.request('POST', '/schedules', json({ name, expression: 'cron(0 9 ? * MON-FRI *)', job: { type: 'echo', payload: {} } }));

    // Act
    const listed = await api.request<{ items: ScheduleResource[] }>('GET', '/schedules');
    const foreign = await other.request('GET', `/schedules/${name}`);
    const foreignDelete = await other.request('DELETE', `/schedules/${name}`);
    const duplicate = await api.request(
      'POST',
      '/schedules',
      json({ name, expression: 'rate(5 minutes)', job: { type: 'echo', payload: {} } }),
    );
    const deleted = await api.request('DELETE', `/schedules/${name}`);
    const gone = await api.request('GET', `/schedules/${name}`);

    // Assess
    expect(listed.body.items.map((schedule) => schedule.name)).toEqual([name]);
    expect(foreign.status).toBe(404);
    expect(foreignDelete.status).toBe(404);
    expect(duplicate.status).toBe(409);
    expect(deleted.status).toBe(200);
    expect(gone.status).toBe(404);
  });

  it.each([
    ['rate(1 minutes)', 'expression', 'singular'],
    ['rate(0 minutes)', 'expression', 'positive'],
    ['cron(0 9 * * MON *)', 'expression', 'one of day-of-month and day-of-week'],
    ['cron(0 25 * * ? *)', 'expression', 'hour'],
    ['cron(0 9 * *)', 'expression', '6 fields'],
    ['every day', 'expression', "'rate(value unit)'"],
  ])('refuses the expression %s with a 400 naming %s', async (expression, path, message) => {
    const api = new ApiClient(apiUrl);
    const { status, body } = await api.request<{ error: { details: unknown[] } }>(
      'POST',
      '/schedules',
      json({ name: 'bad', expression, job: { type: 'echo', payload: {} } }),
    );
    expect(status).toBe(400);
    expect(body.error.details).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('refuses a bad time zone, name and job at once, each named', async () => {
    const api = new ApiClient(apiUrl);
    const { status, body } = await api.request<{ error: { details: { path: string }[] } }>(
      'POST',
      '/schedules',
      json({
        name: 'no spaces',
        expression: 'rate(5 minutes)',
        timezone: 'Mars/Olympus',
        job: { type: 'echo', payload: 'x', runAt: '2027-01-01T00:00:00Z' },
      }),
    );
    expect(status).toBe(400);
    expect(body.error.details.map((problem) => problem.path).sort()).toEqual(['job.payload', 'job.runAt', 'name', 'timezone']);
  });
});
