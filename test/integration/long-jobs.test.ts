import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JobRepository } from '../../functions/jobs/adapters/job-repository.ts';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { reportRow } from '../../functions/jobs/domain/types/report.ts';
import type { LocalChunkRun } from '../../local/long-jobs.ts';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { jobFactory } from '../helpers/job-factory.ts';
import { ApiClient, eventually } from './support/api-client.ts';
import { readOutput, REDIS_URL, redisForLongJobs, reportRowNumbers } from './support/long-jobs.ts';
import { LocalQueue } from './support/queues.ts';
import { recordingFunctionEnv } from './support/iam-coverage.ts';

const shared = inject('platform');
const redisUp = await redisForLongJobs();

/** What each test wants done to the chunk processes of its own job. */
const chunkHooks = new Map<string, (run: LocalChunkRun) => void>();
const chunkRuns: LocalChunkRun[] = [];
let platform: LocalPlatform;

/** Polls the job until it finishes, keeping every progress value seen on the way. */
async function waitWithProgress(api: ApiClient, jobId: string, timeoutMs = 60_000): Promise<{ job: JobResource; progress: number[] }> {
  const progress: number[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await api.get(jobId);
    if (job.progress !== undefined && progress.at(-1) !== job.progress.done) progress.push(job.progress.done);
    if (['completed', 'failed', 'cancelled'].includes(job.status)) return { job, progress };
    if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${job.status} after ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const expectedRows = (rows: number) => Array.from({ length: rows }, (_, index) => index + 1);

describe.skipIf(!redisUp)('long-running jobs (Step Functions + Fargate twin, Redis, S3)', () => {
  beforeAll(async () => {
    platform = await startLocalPlatform({
      functionEnv: recordingFunctionEnv(),
      endpoints: shared.endpoints,
      environment: localEnvironment({ name: 'longjobs' }),
      longJobs: {
        redisUrl: REDIS_URL,
        onChunkSpawn: (run) => {
          chunkRuns.push(run);
          chunkHooks.get(run.jobId)?.(run);
        },
      },
    });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('builds a 10,000-row report in chunks of 1,000: the CSV has the header once and every row once, in order, and progress rises', async () => {
    // Prepare
    const api = new ApiClient(platform.apiUrl);
    const startedAt = performance.now();

    // Act
    const submitted = await api.submit({ type: 'report', payload: { rows: 10_000, chunkSize: 1_000 } });
    const { job, progress } = await waitWithProgress(api, submitted.body.jobId);
    const elapsedMs = performance.now() - startedAt;

    // Assess
    expect(submitted.status).toBe(202);
    expect(job).toMatchObject({
      status: 'completed',
      progress: { done: 10, total: 10 },
      result: { bucket: platform.longJobs?.outputBucket, key: `reports/${job.jobId}.csv`, rows: 10_000 },
    });
    const csv = await readOutput(shared.endpoints.sqs, platform.longJobs?.outputBucket ?? '', `reports/${job.jobId}.csv`);
    const { header, headerCount, rows } = reportRowNumbers(csv);
    expect(header).toBe('row,value,label');
    expect(headerCount).toBe(1);
    expect(rows).toEqual(expectedRows(10_000));
    expect(csv.split('\n')[10_000]).toBe(reportRow(10_000).trimEnd());
    expect((job.result as { bytes: number }).bytes).toBe(Buffer.byteLength(csv));
    // Rising: seen below the total on the way, never going back.
    expect(progress.some((done) => done > 0 && done < 10)).toBe(true);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    console.info(
      `10,000-row report in chunks of 1,000: completed locally in ${(elapsedMs / 1000).toFixed(1)} s (progress seen: ${progress.join(', ')})`,
    );
  });

  it('still yields every row exactly once when chunk processes are killed mid-way', async () => {
    // Prepare
    const api = new ApiClient(platform.apiUrl);
    const submitted = await api.submit({ type: 'report', payload: { rows: 5_000, chunkSize: 500 } });
    const jobId = submitted.body.jobId;
    chunkHooks.set(jobId, (run) => {
      if (run.attempt > 1) return;
      // Killed before it could do anything: ECS losing the task at start.
      if (run.chunkIndex === 2) run.child.kill('SIGKILL');
      // Killed once it has begun its chunk: wherever it got to, the re-run must not count it twice.
      if (run.chunkIndex === 5 || run.chunkIndex === 9) {
        run.child.stdout?.on('data', (data: Buffer) => {
          if (data.toString().includes('chunk started')) run.child.kill('SIGKILL');
        });
      }
      // Asked to stop, as ECS does before SIGKILL: the task finishes or hands its chunk back.
      if (run.chunkIndex === 7) {
        run.child.stdout?.on('data', (data: Buffer) => {
          if (data.toString().includes('chunk started')) run.child.kill('SIGTERM');
        });
      }
    });

    // Act
    const { job } = await waitWithProgress(api, jobId);

    // Assess
    expect(job).toMatchObject({ status: 'completed', progress: { done: 10, total: 10 }, result: { rows: 5_000 } });
    const csv = await readOutput(shared.endpoints.sqs, platform.longJobs?.outputBucket ?? '', `reports/${jobId}.csv`);
    const { headerCount, rows } = reportRowNumbers(csv);
    expect(headerCount).toBe(1);
    expect(rows).toEqual(expectedRows(5_000));
    const runs = chunkRuns.filter((run) => run.jobId === jobId);
    expect(runs.filter((run) => run.chunkIndex === 2).map((run) => run.attempt)).toEqual([1, 2]);
    expect(runs.filter((run) => run.chunkIndex === 5).length).toBeGreaterThanOrEqual(2);
  });

  it('fails a job whose execution is stopped mid-way, with the reason, instead of leaving it running forever', async () => {
    // Prepare
    const api = new ApiClient(platform.apiUrl);
    const submitted = await api.submit({ type: 'report', payload: { rows: 20_000, chunkSize: 500 } });
    const jobId = submitted.body.jobId;
    await eventually('the job running with progress', async () => {
      const job = await api.get(jobId);
      return job.status === 'running' && (job.progress?.done ?? 0) >= 1 ? job : undefined;
    });
    const sfn = new SFNClient(localClientConfig(platform.longJobs?.stepFunctionsEndpoint ?? ''));
    const stateMachineArn = platform.longJobs?.stateMachineArn ?? '';

    // Act
    await sfn.send(
      new StopExecutionCommand({
        executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`,
        error: 'OperatorStopped',
        cause: 'stopped by on-call',
      }),
    );
    sfn.destroy();

    // Assess
    const { job } = await api.waitFor(jobId, 'failed', 30_000);
    expect(job.lastError?.message).toMatch(/ABORTED/);
    expect(job.lastError?.message).toContain('stopped by on-call');
    expect(job.result).toBeUndefined();
  });

  it('answers 400 VALIDATION_FAILED for a report of more than 1,000 chunks', async () => {
    // Prepare
    const api = new ApiClient(platform.apiUrl);

    // Act
    const response = await api.submit({ type: 'report', payload: { rows: 1_000_000, chunkSize: 100 } });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ path: 'payload.chunkSize' }] } });
  });

  it('counts long jobs in the same metrics as the queue path, with their JobType', async () => {
    // Act: the reports of the tests above have finished by now.
    const text = await (await fetch(`${platform.apiUrl}/metrics`)).text();

    // Assess
    expect(text).toMatch(/^jobs_job_started_total\{[^}]*job_type="report"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^jobs_job_completed_total\{[^}]*job_type="report"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^jobs_job_duration_milliseconds_count\{[^}]*job_type="report"[^}]*\} [1-9]/m);
    // The stopped execution's job, failed by the execution-ended function (the state machine never got to MarkFailed).
    expect(text).toMatch(/^jobs_job_failed_total\{[^}]*job_type="report"[^}]*\} 1$/m);
  });
});

describe('the SQS worker and a long-running type', () => {
  it('drops a stray queue message of a running report job without touching the job', async () => {
    // Prepare: a long job as its execution is running it
    const repository = new JobRepository(new DynamoDBClient(localClientConfig(shared.endpoints.dynamodb)), shared.tableName);
    const queue = new LocalQueue(shared.endpoints.sqs, shared.queueUrl);
    const now = new Date().toISOString();
    const job = jobFactory({
      type: 'report',
      payload: { rows: 1_000, chunkSize: 100 },
      createdAt: now,
      status: 'running',
      attempts: 1,
      startedAt: now,
    });
    await repository.create(job);

    // Act
    await queue.send({ jobId: job.jobId, owner: job.owner, type: job.type });
    await eventually('the stray message to be dropped', async () => ((await queue.findJobs([job.jobId])).size === 0 ? true : undefined));
    queue.close();

    // Assess
    expect(await repository.get(job)).toEqual(job);
  });
});
