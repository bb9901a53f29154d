import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeadLetterQueue } from '../../functions/jobs/adapters/dead-letter-queue.ts';
import { allJobQueueUrls } from '../../functions/jobs/adapters/job-queue.ts';
import { RateLimiter } from '../../functions/jobs/adapters/rate-limiter.ts';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { ApiClient, eventually } from './support/api-client.ts';
import { sample } from './support/prometheus.ts';

const shared = inject('platform');

interface BatchAnswer {
  readonly items: { readonly status: number; readonly job?: JobResource }[];
}

/** Submits `count` copies of `body` in batches of 100; returns the accepted jobs' ids. */
async function submitMany(api: ApiClient, body: object, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const jobs = Array.from({ length: Math.min(100, count - start) }, () => body);
    const answer = await api.request<BatchAnswer>('POST', '/jobs/batch', {
      body: JSON.stringify({ jobs }),
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.status).toBe(200);
    for (const item of answer.body.items) {
      expect(item.status).toBe(202);
      ids.push(item.job?.jobId ?? '');
    }
  }
  return ids;
}

interface Stats {
  readonly jobs: Record<string, number>;
  readonly byPriority: Record<string, { queued: number; inFlight: number; delayed: number }>;
}

/**
 * Priorities and fair share on a platform of its own (the shared servers, its own table and
 * queues), so the backlogs these scenarios build never delay another file's jobs.
 */
/** The most intervals that overlap at one moment. */
function mostAtOnce(intervals: readonly (readonly [number, number])[]): number {
  const edges = intervals.flatMap(([start, end]) => [
    [start, 1],
    [end, -1],
  ]);
  // An attempt that ends as another starts did not overlap it.
  edges.sort(([a = 0, da = 0], [b = 0, db = 0]) => a - b || da - db);
  let running = 0;
  let most = 0;
  for (const [, delta = 0] of edges) {
    running += delta;
    most = Math.max(most, running);
  }
  return most;
}

describe('flow control: priorities, fair share and per-type limits (SPEC §10)', () => {
  let platform: LocalPlatform;
  let sqs: SQSClient;

  beforeAll(async () => {
    platform = await startLocalPlatform({
      environment: localEnvironment({ name: 'flow' }),
      endpoints: shared.endpoints,
      longJobs: false,
      onError: () => undefined,
    });
    sqs = new SQSClient(localClientConfig(shared.endpoints.sqs));
  });

  afterAll(async () => {
    sqs?.destroy();
    await platform?.stop();
  });

  // Every scenario starts from empty queues, whatever the one before it left behind.
  afterEach(async () => {
    for (const queueUrl of allJobQueueUrls(platform.queueUrls)) await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  });

  it('fair share: caller A queues 2,000 sleep jobs, then caller B submits 10 echo jobs; B completes within seconds while most of A is still queued', async () => {
    // Prepare: A's backlog is in the queue before any of it runs.
    const callerA = new ApiClient(platform.apiUrl, 'caller-a-backlog');
    const callerB = new ApiClient(platform.apiUrl, 'caller-b-quiet');
    await platform.pauseWorkers();
    const backlog = await submitMany(callerA, { type: 'sleep', payload: { ms: 1000 } }, 2000);
    platform.resumeWorkers();
    // Let A's jobs fill every worker first, as a backlog does.
    await callerA.waitFor(backlog[0] ?? '', 'running', 10_000);

    // Act
    const submittedAt = Date.now();
    const quiet = await submitMany(callerB, { type: 'echo', payload: { quiet: true } }, 10);
    const finished = await Promise.all(quiet.map((jobId) => callerB.waitFor(jobId, 'completed', 30_000)));
    const lastDoneMs = Math.max(...finished.map(({ job }) => Date.parse(job.completedAt ?? '')));
    const stats = (await callerA.request<Stats>('GET', '/stats')).body;

    // Assess: without fair share B's jobs wait behind ~2,000 one-second jobs on 50 slots (40 s);
    // with it they take the next free slots (a few seconds; 10 s leaves room for a busy CI machine).
    expect(lastDoneMs - submittedAt).toBeLessThan(10_000);
    expect(stats.byPriority.normal?.queued).toBeGreaterThan(1_500);
  });

  it('priority: a high job behind 1,000 queued normal jobs starts in under 5 s', async () => {
    // Prepare
    const api = new ApiClient(platform.apiUrl, 'caller-priorities');
    await platform.pauseWorkers();
    await submitMany(api, { type: 'sleep', payload: { ms: 1000 } }, 1000);
    const before = (await api.request<Stats>('GET', '/stats')).body;
    platform.resumeWorkers();

    // Act
    const urgent = await api.submit({ type: 'echo', payload: { urgent: true }, priority: 'high' });
    const { job } = await api.waitFor(urgent.body.jobId, 'completed', 30_000);
    const after = (await api.request<Stats>('GET', '/stats')).body;

    // Assess: the backlog is on the normal level's queue, the high job went past it.
    expect(before.byPriority.normal?.queued).toBe(1_000);
    expect(urgent.body.priority).toBe('high');
    expect(job.priority).toBe('high');
    expect(Date.parse(job.startedAt ?? '') - Date.parse(job.createdAt)).toBeLessThan(5_000);
    expect(after.byPriority.normal?.queued).toBeGreaterThan(700);
  });

  it('rate limit: 24 jobs of a type held to 4 a second start no faster than that, wait without spending attempts, and are counted as held back', async () => {
    // Prepare
    const api = new ApiClient(platform.apiUrl, 'caller-rate-limit');

    // Act: every job's message is there at once, so the workers reserve their slots together.
    await platform.pauseWorkers();
    const submittedAt = Date.now();
    const ids = await submitMany(api, { type: 'paced', payload: {} }, 24);
    platform.resumeWorkers();
    const jobs = (await Promise.all(ids.map((jobId) => api.waitFor(jobId, 'completed', 30_000)))).map(({ job }) => job);
    const metrics = await eventually('the held-back count', async () => {
      const text = await (await fetch(`${platform.apiUrl}/metrics`)).text();
      return sample(text, 'jobs_job_held_back_total', { job_type: 'paced' }) === undefined ? undefined : text;
    });

    // Assess: a burst of 4, then one slot every 250 ms from the first reservation (made after the
    // submission): the k-th start (0-based) comes no sooner than (k - 3) slots after it. A job may
    // start later than its slot (a busy worker), never sooner.
    const starts = jobs.map((job) => Date.parse(job.startedAt ?? '')).sort((a, b) => a - b);
    starts.forEach((startedAt, k) => {
      // 50 ms for the clocks of separate worker processes and the timestamps' rounding.
      expect(startedAt).toBeGreaterThanOrEqual(submittedAt + Math.max(0, k - 3) * 250 - 50);
    });
    expect(jobs.map((job) => job.attempts)).toEqual(jobs.map(() => 1));
    expect(sample(metrics, 'jobs_job_held_back_total', { job_type: 'paced' })).toBeGreaterThan(0);
  });

  it('token bucket: 40 reservations made at once by 4 workers get 40 slots, 4 at once and then one every 250 ms', async () => {
    // Prepare: four workers' limiters on the platform's table.
    const clients = Array.from({ length: 4 }, () => new DynamoDBClient(localClientConfig(shared.endpoints.dynamodb)));
    const limiters = clients.map((client) => new RateLimiter(client, platform.tableName));
    const type = `bucket-${Date.now()}`;
    const now = Date.now();

    // Act
    const slots = await Promise.all(Array.from({ length: 40 }, (_, index) => (limiters[index % 4] as RateLimiter).reserve(type, 4, now)));

    // Assess
    const offsets = slots.map((slot) => slot - now).sort((a, b) => a - b);
    expect(offsets).toEqual([0, 0, 0, 0, ...Array.from({ length: 36 }, (_, index) => (index + 1) * 250)]);
    for (const client of clients) client.destroy();
  });

  it("redrive: the CLI's redrive sends each dead letter back to its own job's queue: its level's, or its limited type's", async () => {
    // Prepare: one DLQ serves every queue; three letters of jobs that never existed (nothing runs them).
    const letters = [
      { jobId: 'redrive-high', owner: 'caller-redrive', type: 'echo', priority: 'high' },
      { jobId: 'redrive-normal', owner: 'caller-redrive', type: 'echo' },
      { jobId: 'redrive-serial', owner: 'caller-redrive', type: 'serial', priority: 'low' },
    ];
    await platform.pauseWorkers();
    for (const letter of letters) {
      await sqs.send(new SendMessageCommand({ QueueUrl: platform.deadLetterQueueUrl, MessageBody: JSON.stringify(letter) }));
    }
    const deadLetters = new DeadLetterQueue(sqs, platform.deadLetterQueueUrl, platform.queueUrls);

    // Act
    await deadLetters.redrive(await deadLetters.peek(10, 30));
    const stats = (
      await new ApiClient(platform.apiUrl, 'caller-redrive').request<Stats & { byLimitedType: Record<string, { queued: number }> }>(
        'GET',
        '/stats',
      )
    ).body;
    platform.resumeWorkers();

    // Assess
    expect([stats.byPriority.high?.queued, stats.byPriority.normal?.queued, stats.byPriority.low?.queued]).toEqual([1, 1, 0]);
    expect(stats.byLimitedType.serial?.queued).toBe(1);
  });

  it('concurrency limit: 10 jobs of a type limited to 2 at once never run more than 2 at a time, and none fails', async () => {
    // Prepare
    const api = new ApiClient(platform.apiUrl, 'caller-concurrency-limit');

    // Act
    const ids = await submitMany(api, { type: 'serial', payload: { ms: 400 } }, 10);
    const jobs = (await Promise.all(ids.map((jobId) => api.waitFor(jobId, 'completed', 30_000)))).map(({ job }) => job);

    // Assess
    const intervals = jobs.map((job) => [Date.parse(job.startedAt ?? ''), Date.parse(job.completedAt ?? '')] as const);
    expect(mostAtOnce(intervals)).toBe(2);
    expect(jobs.map((job) => job.attempts)).toEqual(jobs.map(() => 1));
    const stats = (await api.request<Stats & { byLimitedType: Record<string, unknown> }>('GET', '/stats')).body;
    expect(stats.byLimitedType).toHaveProperty('serial');
  });
});
