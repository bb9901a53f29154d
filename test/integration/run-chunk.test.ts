import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChunkStore } from '../../functions/jobs/adapters/chunk-store.ts';
import { JobRepository } from '../../functions/jobs/adapters/job-repository.ts';
import { OutputStore } from '../../functions/jobs/adapters/output-store.ts';
import { runChunk, type ChunkDependencies } from '../../functions/jobs/run-chunk.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { jobFactory } from '../helpers/job-factory.ts';
import { readOutput, REDIS_URL, redisForLongJobs, reportRowNumbers } from './support/long-jobs.ts';

const shared = inject('platform');
const redisUp = await redisForLongJobs();
const BUCKET = 'run-chunk-test-outputs';

describe.skipIf(!redisUp)('runChunk against Redis, DynamoDB Local and S3', () => {
  const redis = new Redis(REDIS_URL);
  const dynamodb = new DynamoDBClient(localClientConfig(shared.endpoints.dynamodb));
  const s3 = new S3Client({ ...localClientConfig(shared.endpoints.sqs), forcePathStyle: true });
  const repository = new JobRepository(dynamodb, shared.tableName);
  const chunks = new ChunkStore(redis);
  const dependencies: ChunkDependencies = { repository, chunks, outputs: new OutputStore(s3, BUCKET), retentionDays: 15 };
  const signal = new AbortController().signal;

  /** A running report job of `chunks` chunks of 100 rows. */
  async function runningReport(chunkCount: number) {
    const job = jobFactory({ type: 'report', status: 'running', attempts: 1, payload: { rows: chunkCount * 100, chunkSize: 100 } });
    await repository.create(job);
    return job;
  }

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch(() => undefined);
  });

  afterAll(() => {
    redis.disconnect();
    dynamodb.destroy();
    s3.destroy();
  });

  it('counts a chunk once when it runs again after storing its part', async () => {
    // Prepare
    const job = await runningReport(3);
    await runChunk(dependencies, { jobId: job.jobId, owner: job.owner, chunkIndex: 0 }, signal);

    // Act
    const again = await runChunk(dependencies, { jobId: job.jobId, owner: job.owner, chunkIndex: 0 }, signal);

    // Assess
    expect(again).toEqual({ kind: 'duplicate', count: 1, total: 3 });
    expect(await chunks.count(job.jobId)).toBe(1);
    expect((await repository.get(job))?.progress).toEqual({ done: 1, total: 3 });
  });

  it('counts each of many concurrent duplicate runs once and assembles the output once every chunk is in', async () => {
    // Prepare
    const job = await runningReport(5);
    const runs = [0, 1, 2, 3, 4].flatMap((chunkIndex) => [chunkIndex, chunkIndex, chunkIndex]);

    // Act
    const outcomes = await Promise.all(
      runs.map((chunkIndex) => runChunk(dependencies, { jobId: job.jobId, owner: job.owner, chunkIndex }, signal)),
    );

    // Assess
    expect(outcomes.filter((outcome) => outcome.kind === 'counted')).toHaveLength(4);
    const stored = await repository.get(job);
    expect(stored).toMatchObject({ status: 'completed', progress: { done: 5, total: 5 }, result: { bucket: BUCKET, rows: 500 } });
    const { rows, headerCount } = reportRowNumbers(await readOutput(shared.endpoints.sqs, BUCKET, `reports/${job.jobId}.csv`));
    expect(headerCount).toBe(1);
    expect(rows).toEqual(Array.from({ length: 500 }, (_, index) => index + 1));
    expect(await redis.exists(`job:{${job.jobId}}:parts`, `job:{${job.jobId}}:done`)).toBe(0);
  });

  it('lets the last chunk run again and finish when the assembler crashed before its upload', async () => {
    // Prepare
    const job = await runningReport(2);
    await runChunk(dependencies, { jobId: job.jobId, owner: job.owner, chunkIndex: 0 }, signal);
    const crashing = new OutputStore(s3, BUCKET);
    crashing.put = async () => {
      throw new Error('task stopped during the upload');
    };
    await expect(
      runChunk({ ...dependencies, outputs: crashing }, { jobId: job.jobId, owner: job.owner, chunkIndex: 1 }, signal),
    ).rejects.toThrow(/upload/);

    // Act
    const retried = await runChunk(dependencies, { jobId: job.jobId, owner: job.owner, chunkIndex: 1 }, signal);

    // Assess
    expect(retried.kind).toBe('assembled');
    expect(await repository.get(job)).toMatchObject({ status: 'completed', result: { rows: 200 } });
    const { rows } = reportRowNumbers(await readOutput(shared.endpoints.sqs, BUCKET, `reports/${job.jobId}.csv`));
    expect(rows).toHaveLength(200);
  });

  it('hands a chunk back without storing it when asked to stop before the store', async () => {
    // Prepare
    const job = await runningReport(2);
    const stop = new AbortController();
    stop.abort(new Error('SIGTERM'));

    // Act
    const run = runChunk(dependencies, { jobId: job.jobId, owner: job.owner, chunkIndex: 0 }, stop.signal);

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'ChunkHandedBackError' });
    expect(await chunks.count(job.jobId)).toBe(0);
  });
});
