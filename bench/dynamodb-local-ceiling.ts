import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { JobRepository } from '../functions/jobs/adapters/job-repository.ts';
import { completeJob } from '../functions/jobs/domain/lifecycle.ts';
import { parseSubmission } from '../functions/jobs/domain/submission.ts';
import { newJob } from '../functions/jobs/submit-job.ts';
import { createJobTable } from '../local/provision.ts';
import { startDynamoDbLocal } from '../local/services/dynamodb-local.ts';
import { localClientConfig } from '../local/services/local-aws.ts';
import { localEnvironment } from '../local/platform.ts';
import { median } from './stats.ts';

export interface DynamoDbLocalCeiling {
  /** Requests per second DynamoDB Local answered once warm, with nothing else to do: the median window. */
  readonly requestsPerSecond: number;
  /** The slowest and the fastest window: the rate swings from one window to the next on a shared machine. */
  readonly lowest: number;
  readonly highest: number;
  readonly windows: number;
  readonly concurrency: number;
  readonly seconds: number;
}

const TABLE = 'ceiling';
const LEASE_MS = 60_000;
/** Requests per job below: the submit's PutItem, the claim's and the outcome's UpdateItem. */
const REQUESTS_PER_JOB = 3;

/**
 * How many requests DynamoDB Local serves on this machine along the job path, written by the
 * platform's own `JobRepository` on a table created from the job table's schema (its stream and
 * sparse indexes on, as the platform runs it): per job the submit's write, the worker's claim
 * (a conditional UpdateItem returning the job) and its outcome (a conditional UpdateItem). The
 * server is its own, so nothing else competes but this client. The JVM is warmed first (its JIT
 * roughly triples the rate over the first half minute), then several windows are counted and the
 * median reported with the spread. Divided by the DynamoDB requests a job makes, it bounds the
 * local platform's jobs per second.
 */
export async function measureDynamoDbLocalCeiling(
  options: { warmSeconds?: number; seconds?: number; windows?: number; concurrency?: number } = {},
): Promise<DynamoDbLocalCeiling> {
  const { warmSeconds = 30, seconds = 10, windows = 3, concurrency = 16 } = options;
  const server = await startDynamoDbLocal(0);
  const dynamodb = new DynamoDBClient(localClientConfig(server.endpoint));
  try {
    await createJobTable(dynamodb, TABLE);
    const repository = new JobRepository(dynamodb, TABLE);
    const { retry: retryDefaults, jobRetentionDays } = localEnvironment();
    // An `echo` job as `POST /jobs` makes it, with a payload of the bench's size.
    const submission = parseSubmission({ type: 'echo', payload: { text: 'x'.repeat(200) } });
    const oneJob = async (): Promise<void> => {
      const job = newJob({ retryDefaults }, 'bench-caller', submission, Date.now());
      await repository.create(job);
      const { claimed } = await repository.claim(job, Date.now(), LEASE_MS);
      if (claimed === undefined) throw new Error(`job ${job.jobId} was not claimed`);
      await repository.transition(claimed, completeJob(claimed, job.payload, Date.now(), jobRetentionDays));
    };
    const requestsPerSecondFor = async (forSeconds: number): Promise<number> => {
      const end = Date.now() + forSeconds * 1_000;
      let jobs = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < end) {
            await oneJob();
            jobs += 1;
          }
        }),
      );
      return (jobs * REQUESTS_PER_JOB) / forSeconds;
    };
    await requestsPerSecondFor(warmSeconds);
    const rates: number[] = [];
    for (let window = 0; window < windows; window += 1) rates.push(await requestsPerSecondFor(seconds));
    return {
      requestsPerSecond: median(rates),
      lowest: Math.min(...rates),
      highest: Math.max(...rates),
      windows,
      concurrency,
      seconds,
    };
  } finally {
    dynamodb.destroy();
    await server.stop();
  }
}
