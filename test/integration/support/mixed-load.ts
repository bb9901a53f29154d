import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobMix } from '../../../bench/job-mix.ts';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../../local/platform.ts';
import { COUNTED_COMPLETIONS_ENV } from './debug-logs.ts';
import { ApiClient } from './api-client.ts';
import { JobOutcomeLog, jobsById, readDeadLetters, submitAll, waitUntilTerminal, type SubmitReport } from './load-run.ts';

export interface MixedLoadOptions {
  /** Jobs to submit through the HTTP API. */
  readonly count: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Reuse these servers (the integration suite's); without, the platform starts its own. */
  readonly endpoints?: { readonly dynamodb: string; readonly sqs: string };
  /** Deadline for every job to be terminal and every failed message to reach the DLQ. */
  readonly settleTimeoutMs: number;
}

/**
 * The load proof of issue #6, shared by the CI-sized run and `npm run test:load`: the job mix
 * (echo, sleep, flaky that recovers, flaky that fails for good) through the local HTTP API on a
 * platform of its own; every accepted job ends terminal, none is lost, none runs twice, and the
 * DLQ holds exactly the jobs that had to fail.
 */
export function describeMixedLoad(options: MixedLoadOptions): void {
  describe(`${options.count.toLocaleString('en-US')} mixed jobs through the local API`, () => {
    const log = new JobOutcomeLog();
    const jobs = jobMix(options.count);
    let platform: LocalPlatform;
    let api: ApiClient;
    let submitted: SubmitReport;

    beforeAll(async () => {
      platform = await startLocalPlatform({
        // Raised per-batch concurrency: sleep jobs wait on timers, not on the CPU.
        environment: localEnvironment({
          name: `load${Date.now() % 100_000}`,
          worker: { ...localEnvironment().worker, maxConcurrency: 4, concurrencyPerBatch: 25 },
        }),
        ...(options.endpoints === undefined ? {} : { endpoints: options.endpoints }),
        functionEnv: COUNTED_COMPLETIONS_ENV,
        onFunctionOutput: log.onLine,
      });
      api = new ApiClient(platform.apiUrl);
      submitted = await submitAll(api, jobs, { concurrency: options.concurrency });
    });

    afterAll(async () => {
      await platform?.stop();
    });

    it('accepts every submission with 202 and answers no 5xx', () => {
      expect(submitted.accepted.size).toBe(options.count);
      expect([...submitted.statuses.keys()]).toEqual([202]);
      expect(submitted.networkErrors).toBe(0);
      expect(log.unexpectedApiErrors).toBe(0);
    });

    it('brings every accepted job to its terminal status, losing none', async () => {
      await waitUntilTerminal(api, options.count, options.settleTimeoutMs);
      const stored = await jobsById(api);

      expect(stored.size).toBe(options.count);
      const wrong = [...submitted.accepted].filter(([jobId, job]) => stored.get(jobId)?.status !== job.expectedStatus);
      expect(wrong.map(([jobId, job]) => ({ jobId, expected: job.expectedStatus, got: stored.get(jobId)?.status }))).toEqual([]);
    });

    it('runs no job twice: one completion per completed job, and exactly the attempts it needed', async () => {
      const stored = await jobsById(api);

      const doubleCompletions = [...log.completions].filter(([, count]) => count !== 1);
      expect(doubleCompletions).toEqual([]);
      const completed = [...submitted.accepted].filter(([, job]) => job.expectedStatus === 'completed');
      expect(completed.filter(([jobId]) => log.completions.get(jobId) !== 1).length).toBe(0);
      const badAttempts = [...submitted.accepted].filter(
        ([jobId, job]) => stored.get(jobId)?.attempts !== job.expectedAttempts || log.attemptsRun.get(jobId) !== job.expectedAttempts,
      );
      expect(
        badAttempts
          .slice(0, 5)
          .map(([jobId, job]) => ({ jobId, job: job.kind, stored: stored.get(jobId)?.attempts, run: log.attemptsRun.get(jobId) })),
      ).toEqual([]);
    });

    it('dead-letters exactly the jobs that had to fail, each once', async () => {
      const mustFail = [...submitted.accepted].filter(([, job]) => job.expectedStatus === 'failed').map(([jobId]) => jobId);

      const deadLettered = await readDeadLetters(
        platform.endpoints.sqs,
        platform.deadLetterQueueUrl,
        mustFail.length,
        options.settleTimeoutMs,
      );

      expect(deadLettered.length).toBe(mustFail.length);
      expect(new Set(deadLettered)).toEqual(new Set(mustFail));
    });
  });
}
