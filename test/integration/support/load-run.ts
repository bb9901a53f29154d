import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MixedJob } from '../../../bench/job-mix.ts';
import type { JobResource, JobStatus } from '../../../functions/jobs/domain/job.ts';
import { localClientConfig } from '../../../local/services/local-aws.ts';
import type { ApiClient } from './api-client.ts';
import { listAllJobs } from './api-expectations.ts';

const TERMINAL: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * What the worker logged about each job, read from the functions' output: every attempt ends
 * in one `job completed`, `job retrying` or `job failed` line, so these counts are the side
 * effects the test can see.
 */
export class JobOutcomeLog {
  readonly completions = new Map<string, number>();
  readonly attemptsRun = new Map<string, number>();
  /** Answers other than 2xx/4xx the API logged as unexpected (`request failed`). */
  unexpectedApiErrors = 0;

  readonly onLine = (line: string): void => {
    if (line.includes('"request failed"')) this.unexpectedApiErrors += 1;
    if (!line.includes('"message":"job ')) return;
    let entry: { message?: string; jobId?: string; outcome?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    const { message, jobId } = entry;
    if (jobId === undefined) return;
    if (message === 'job completed') this.completions.set(jobId, (this.completions.get(jobId) ?? 0) + 1);
    if (message === 'job completed' || message === 'job retrying' || message === 'job failed') {
      this.attemptsRun.set(jobId, (this.attemptsRun.get(jobId) ?? 0) + 1);
    }
  };
}

export interface SubmitReport {
  /** Accepted jobs by id, with what was asked of them. */
  readonly accepted: Map<string, MixedJob>;
  /** Answers by status over every try, 503s included. */
  readonly statuses: Map<number, number>;
  /** Submissions that got no answer at all (connection refused or reset) before a retry. */
  readonly networkErrors: number;
  /** Submissions still unanswered after every retry. */
  readonly gaveUp: number;
}

/**
 * Submits the jobs through the API with `concurrency` requests in flight. Each job carries its
 * own Idempotency-Key, so a 503 or a lost answer is retried safely (SPEC §2: 503 means nothing
 * was accepted; a replay of an accepted key answers 200 with the same job).
 */
export async function submitAll(
  api: ApiClient,
  jobs: readonly MixedJob[],
  options: { concurrency: number; retryForMs?: number; spacingMs?: number; onAnswer?: (status: number) => void },
): Promise<SubmitReport> {
  const accepted = new Map<string, MixedJob>();
  const statuses = new Map<number, number>();
  let networkErrors = 0;
  let gaveUp = 0;
  let next = 0;
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const submitOne = async (index: number) => {
    const job = jobs[index] as MixedJob;
    const deadline = Date.now() + (options.retryForMs ?? 60_000);
    for (;;) {
      try {
        const response = await api.submit(job.body, { 'idempotency-key': `load-${runId}-${index}` });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        options.onAnswer?.(response.status);
        if (response.status === 202 || response.status === 200) {
          accepted.set(response.body.jobId, job);
          return;
        }
        if (response.status !== 503) throw new Error(`submission ${index} answered ${response.status}: ${JSON.stringify(response.body)}`);
      } catch (error) {
        if ((error as Error).message.startsWith('submission')) throw error;
        networkErrors += 1;
      }
      if (Date.now() > deadline) {
        gaveUp += 1;
        return;
      }
      await sleep(200);
    }
  };
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < jobs.length) {
        await submitOne(next++);
        if (options.spacingMs !== undefined) await sleep(options.spacingMs);
      }
    }),
  );
  return { accepted, statuses, networkErrors, gaveUp };
}

/** Polls the caller's counts per status until `count` jobs are terminal; fails with the counts after the deadline. */
export async function waitUntilTerminal(
  api: ApiClient,
  count: number,
  timeoutMs: number,
  onProgress?: (terminal: number) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const stats = await api.request<{ jobs: Record<JobStatus, number> }>('GET', '/stats').catch(() => undefined);
    if (stats?.status === 200) {
      const terminal = TERMINAL.reduce((sum, status) => sum + (stats.body.jobs[status] ?? 0), 0);
      onProgress?.(terminal);
      last = JSON.stringify(stats.body.jobs);
      if (terminal >= count) return;
    }
    if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms not all ${count} jobs are terminal: ${last}`);
    await sleep(1_000);
  }
}

/** The caller's jobs by id, read through the listing once everything is terminal. */
export async function jobsById(api: ApiClient): Promise<Map<string, JobResource>> {
  return new Map((await listAllJobs(api)).map((job) => [job.jobId, job]));
}

/**
 * Reads the whole dead-letter queue once `expected` messages have arrived in it (SQS moves a
 * failed job's message there after its quick redeliveries), hiding what it reads so every
 * message is counted once. Returns the job ids, one entry per message.
 */
export async function readDeadLetters(endpoint: string, queueUrl: string, expected: number, timeoutMs: number): Promise<string[]> {
  const sqs = new SQSClient(localClientConfig(endpoint));
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      if (Number(Attributes?.ApproximateNumberOfMessages ?? 0) >= expected || Date.now() > deadline) break;
      await sleep(500);
    }
    const jobIds: string[] = [];
    // Two empty receives in a row end the read; while fewer than expected were read, keep
    // looking until the deadline (the reconciler may be holding a few for a moment).
    for (let empty = 0; empty < 2 || (jobIds.length < expected && Date.now() < deadline);) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) {
        empty += 1;
        if (empty >= 2) await sleep(500);
      } else empty = 0;
      for (const message of Messages) jobIds.push((JSON.parse(message.Body ?? '{}') as { jobId: string }).jobId);
    }
    return jobIds;
  } finally {
    sqs.destroy();
  }
}
