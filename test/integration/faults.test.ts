import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { jobMix, type MixedJob } from '../../bench/job-mix.ts';
import type { JobStatus } from '../../functions/jobs/domain/job.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { localEnvironment, startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from '../../local/platform.ts';
import { COUNTED_COMPLETIONS_ENV } from './support/debug-logs.ts';
import { freePort } from '../../local/services/ports.ts';
import { startSqsLocal } from '../../local/services/sqs-local.ts';
import { InvocationError } from '../../local/function-process.ts';
import { ApiClient, eventually } from './support/api-client.ts';
import { FaultProxy } from './support/fault-proxy.ts';
import { functionProcessIds } from './support/function-processes.ts';
import { JobOutcomeLog, jobsById, submitAll, waitUntilTerminal } from './support/load-run.ts';

const shared = inject('platform');

/**
 * Each drill runs on a platform of its own with the shortest worker timeout (5 s, so the queue's
 * visibility timeout is 30 s and a lost delivery comes back within the test), and the drills run
 * side by side: most of their time is spent waiting for SQS to hand lost messages back.
 */
const DRILL_TIMEOUT_MS = 170_000;
const SETTLE_MS = 120_000;

async function startDrillPlatform(label: string, options: Partial<LocalPlatformOptions>, log: JobOutcomeLog): Promise<LocalPlatform> {
  return startLocalPlatform({
    environment: localEnvironment({
      name: `${label}${Date.now() % 100_000}`,
      worker: { ...localEnvironment().worker, timeoutSeconds: 5, maxConcurrency: 2, concurrencyPerBatch: 10 },
    }),
    endpoints: shared.endpoints,
    functionEnv: COUNTED_COMPLETIONS_ENV,
    onFunctionOutput: log.onLine,
    ...options,
  });
}

/** Every accepted job is listed, terminal and nothing else is listed: no job lost, none invented. */
async function expectAllTerminal(api: ApiClient, accepted: ReadonlyMap<string, unknown>): Promise<void> {
  await waitUntilTerminal(api, accepted.size, SETTLE_MS);
  const stored = await jobsById(api);
  expect(new Set(stored.keys())).toEqual(new Set(accepted.keys()));
  const notTerminal = [...stored.values()].filter((job) => !['completed', 'failed', 'cancelled'].includes(job.status));
  expect(notTerminal).toEqual([]);
}

/**
 * Jobs that sleep long enough to be cut off mid-run. A kill costs each job it hits an attempt, and
 * on a busy machine an attempt starved past the 5 s timeout costs one too: 5 attempts leave room
 * for both, so a job fails only if the platform really lost track of it.
 */
function sleepers(count: number, ms: number): MixedJob[] {
  return Array.from({ length: count }, (_, index) => ({
    body: { type: 'sleep', payload: { ms, index }, maxAttempts: 5 },
    kind: 'sleep' as const,
    expectedStatus: 'completed' as const,
    expectedAttempts: 1,
  }));
}

describe.concurrent('fault drills on the local platform', () => {
  it(
    'completes every job of a batch whose worker process is killed mid-run, each exactly once',
    async () => {
      // Prepare
      const log = new JobOutcomeLog();
      let timedOut = 0;
      const onError = (error: unknown): void => {
        if (error instanceof InvocationError && error.reason === 'timeout') timedOut += 1;
      };
      const platform = await startDrillPlatform('kill', { onError }, log);
      try {
        const api = new ApiClient(platform.apiUrl);
        // Six batches for two environments, so the work outlasts the look that finds it running
        // (or the kill hits idle processes). The look is `/stats`, one read, not a listing of
        // every job, which takes seconds on a busy machine.
        const { accepted } = await submitAll(api, sleepers(60, 3_000), { concurrency: 4 });
        const workerName = resourceNames(platform.environment.name).workerFunction;
        // Jobs running, and worker processes up: on a busy machine an environment past its
        // timeout is stopped and the next one starts only with the next batch.
        const killed = await eventually('jobs running in a worker', async () => {
          const { body } = await api.request<{ jobs: Partial<Record<JobStatus, number>> }>('GET', '/stats');
          const workers = await functionProcessIds(workerName);
          return (body.jobs.running ?? 0) >= 5 && workers.length > 0 ? workers : undefined;
        });

        // Act
        const killedAt = Date.now();
        for (const pid of killed) process.kill(pid, 'SIGKILL');

        // Assess
        await expectAllTerminal(api, accepted);
        const stored = await jobsById(api);
        expect([...stored.values()].filter((job) => job.status !== 'completed')).toEqual([]);
        // The killed attempts were taken over once their lease ran out: an error names them.
        expect([...stored.values()].some((job) => job.errorHistory.some((error) => /did not finish/.test(error.message)))).toBe(true);
        // No job completed twice. A job that completed just before the kill may have lost its
        // log line with the process; every later one logged once. Unless the machine was so busy
        // that an invocation ran past its 5 s timeout: the platform then stops that environment,
        // as Lambda does, and a completion already written can lose its line with it.
        expect([...log.completions].filter(([, count]) => count > 1)).toEqual([]);
        const completedAfterKill = [...stored.values()].filter((job) => Date.parse(job.completedAt ?? '') > killedAt + 1_000);
        const unlogged = completedAfterKill.filter((job) => log.completions.get(job.jobId) !== 1).map((job) => job.jobId);
        expect(completedAfterKill.length - unlogged.length).toBeGreaterThan(0);
        if (timedOut === 0) expect(unlogged).toEqual([]);
      } finally {
        await platform.stop();
      }
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'answers 503 while DynamoDB is gone for 10 s, loses no accepted job, and its workers recover',
    async () => {
      // Prepare
      const log = new JobOutcomeLog();
      const proxy = await FaultProxy.start(shared.endpoints.dynamodb);
      const platform = await startDrillPlatform('ddbgone', { endpoints: { dynamodb: proxy.url, sqs: shared.endpoints.sqs } }, log);
      try {
        const api = new ApiClient(platform.apiUrl);
        const answers = new Map<number, number>();
        const health: number[] = [];

        // Act: about 25 s of submissions; DynamoDB goes away after 4 s, for 10 s.
        const load = submitAll(api, jobMix(400), {
          concurrency: 4,
          spacingMs: 250,
          retryForMs: 60_000,
          onAnswer: (status) => answers.set(status, (answers.get(status) ?? 0) + 1),
        });
        await sleep(4_000);
        await proxy.cut();
        await sleep(3_000);
        health.push((await api.request('GET', '/health')).status);
        await sleep(7_000);
        await proxy.restore();
        const { accepted, gaveUp } = await load;

        // Assess
        expect(health).toEqual([503]);
        expect(answers.get(503) ?? 0).toBeGreaterThan(0);
        expect([...answers.keys()].filter((status) => status >= 500 && status !== 503)).toEqual([]);
        expect(gaveUp).toBe(0);
        expect(accepted.size).toBe(400);
        await expectAllTerminal(api, accepted);
        expect((await api.request('GET', '/health')).status).toBe(200);
      } finally {
        await platform.stop();
        await proxy.stop();
      }
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'brings every accepted job to a terminal status across a restart of the SQS server',
    async () => {
      // Prepare: an SQS server of its own (the one `npm start` runs) that keeps its queues and messages on disk.
      const log = new JobOutcomeLog();
      const dataDir = await mkdtemp(join(tmpdir(), 'fauxqs-'));
      const port = await freePort();
      let sqs = await startSqsLocal(port, { dataDir });
      const platform = await startDrillPlatform(
        'sqsrestart',
        { endpoints: { dynamodb: shared.endpoints.dynamodb, sqs: `http://127.0.0.1:${port}` } },
        log,
      );
      try {
        const api = new ApiClient(platform.apiUrl);
        const answers = new Map<number, number>();

        // Act: about 20 s of submissions; the SQS server stops after 4 s and is back 3 s later.
        const load = submitAll(api, jobMix(300), {
          concurrency: 4,
          spacingMs: 250,
          retryForMs: 60_000,
          onAnswer: (status) => answers.set(status, (answers.get(status) ?? 0) + 1),
        });
        await sleep(4_000);
        await sqs.stop();
        await sleep(3_000);
        sqs = await eventually(
          'the SQS server to start again on its port',
          () => startSqsLocal(port, { dataDir }).catch(() => undefined),
          10_000,
        );
        const { accepted, gaveUp } = await load;

        // Assess
        expect(answers.get(503) ?? 0).toBeGreaterThan(0);
        expect([...answers.keys()].filter((status) => status >= 500 && status !== 503)).toEqual([]);
        expect(gaveUp).toBe(0);
        expect(accepted.size).toBe(300);
        await expectAllTerminal(api, accepted);
        // A job whose completion was written runs no more, even if its message outlived the restart.
        expect([...log.completions.values()].filter((count) => count !== 1)).toEqual([]);
      } finally {
        await platform.stop();
        await sqs.stop();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    DRILL_TIMEOUT_MS,
  );

  it(
    'completes a job whose handler ran past its timeout on a later attempt, and the rest of its batch',
    async () => {
      // Prepare
      const log = new JobOutcomeLog();
      const platform = await startDrillPlatform('timeout', {}, log);
      try {
        const api = new ApiClient(platform.apiUrl);
        await platform.pauseWorkers();
        const blocker = await api.submit({ type: 'crash', payload: { mode: 'block', times: 1 } });
        const others = await Promise.all(Array.from({ length: 5 }, (_, index) => api.submit({ type: 'echo', payload: { index } })));

        // Act
        platform.resumeWorkers();

        // Assess
        const { job } = await api.waitFor(blocker.body.jobId, undefined, SETTLE_MS);
        expect(job).toMatchObject({ status: 'completed', attempts: 2, result: { survivedAttempt: 2 } });
        expect(job.errorHistory.map((error) => error.message)).toEqual([expect.stringMatching(/did not finish/)]);
        for (const other of others) expect((await api.waitFor(other.body.jobId, undefined, SETTLE_MS)).job.status).toBe('completed');
        const accepted = new Map([blocker, ...others].map((response) => [response.body.jobId, response]));
        await expectAllTerminal(api, accepted);
      } finally {
        await platform.stop();
      }
    },
    DRILL_TIMEOUT_MS,
  );
});
