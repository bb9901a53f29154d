import { PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { JOB_PRIORITIES } from '../../functions/jobs/domain/priority.ts';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { ApiClient } from './support/api-client.ts';

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
describe('flow control: priorities and fair share (SPEC §10)', () => {
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

  /** Drops every queued message, so the next scenario starts from empty queues. */
  async function emptyQueues(): Promise<void> {
    for (const priority of JOB_PRIORITIES) await sqs.send(new PurgeQueueCommand({ QueueUrl: platform.queueUrls[priority] }));
  }

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

    // Assess: without fair share B's jobs would wait behind ~2,000 one-second jobs on 50 slots (40 s).
    expect(lastDoneMs - submittedAt).toBeLessThan(5_000);
    expect(stats.byPriority.normal?.queued).toBeGreaterThan(1_500);
    await emptyQueues();
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
    await emptyQueues();
  });
});
