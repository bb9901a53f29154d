import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { mixedJob } from './job-mix.ts';
import { distribution, type Distribution } from './stats.ts';

export interface BullmqResult {
  readonly measured: true;
  readonly jobs: number;
  readonly producers: number;
  readonly concurrency: number;
  readonly throughput: number;
  readonly addLatencyMs: Distribution;
  readonly queueWaitMs: Distribution;
  readonly submitToCompletedMs: Distribution;
  readonly completed: number;
  readonly failed: number;
}

export type BullmqOutcome = BullmqResult | { readonly measured: false; readonly reason: string };

const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null, connectTimeout: 2_000 };

/** The mix's handlers as a BullMQ processor: same work, same failures, retries with backoff. */
async function processMixed(job: Job<{ type: string; payload: Record<string, unknown> }>): Promise<unknown> {
  const { type, payload } = job.data;
  if (type === 'echo') return payload;
  if (type === 'sleep') {
    await sleep(payload.ms as number);
    return { sleptMs: payload.ms };
  }
  if (type === 'flaky') {
    // attemptsMade counts the attempts before this one.
    if (job.attemptsMade + 1 <= (payload.failTimes as number)) throw new Error(`flaky failure ${job.attemptsMade + 1}`);
    return { succeededOnAttempt: job.attemptsMade + 1 };
  }
  throw new UnrecoverableError(`unknown type ${type}`);
}

/**
 * The reference row: the same job mix on BullMQ with one Worker against local Redis, added
 * by `producers` callers as fast as they go, processed with `concurrency` jobs at once. Flaky jobs retry with exponential backoff
 * from 1 s (the platform's flaky type uses base 1 s too); attempts default to 3 as the
 * platform's, and the jobs that fail for good ask for 2.
 */
export async function measureBullmq(
  count: number,
  producers: number,
  concurrency: number,
  onProgress: (done: number) => void,
): Promise<BullmqOutcome> {
  const name = `bench-${Date.now()}`;
  const queue = new Queue(name, { connection });
  queue.on('error', () => undefined);
  try {
    await Promise.race([queue.waitUntilReady(), sleep(3_000).then(() => Promise.reject(new Error('timeout')))]);
  } catch (error) {
    await queue.close().catch(() => undefined);
    return { measured: false, reason: `Redis unreachable at 127.0.0.1:6379 (${(error as Error).message})` };
  }
  let finished = 0;
  const worker = new Worker(name, processMixed, {
    connection,
    concurrency,
    removeOnComplete: { count: count * 2 },
    removeOnFail: { count: count * 2 },
  });
  worker.on('completed', () => onProgress(++finished));
  worker.on('failed', (job) => {
    if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) onProgress(++finished);
  });
  try {
    const addLatencies: number[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: producers }, async () => {
        while (next < count) {
          const { body } = mixedJob(next++);
          const begin = performance.now();
          await queue.add(
            body.type,
            { type: body.type, payload: body.payload },
            { attempts: body.maxAttempts ?? 3, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } },
          );
          addLatencies.push(performance.now() - begin);
        }
      }),
    );
    const deadline = Date.now() + 120_000;
    while (finished < count && Date.now() < deadline) await sleep(100);
    const elapsed = (performance.now() - started) / 1000;
    const [completedJobs, failedJobs] = await Promise.all([queue.getJobs(['completed'], 0, -1), queue.getJobs(['failed'], 0, -1)]);
    const once = completedJobs.filter((job) => job.name === 'echo' || job.name === 'sleep');
    return {
      measured: true,
      jobs: count,
      producers,
      concurrency,
      throughput: finished / elapsed,
      addLatencyMs: distribution(addLatencies),
      queueWaitMs: distribution(once.map((job) => (job.processedOn ?? 0) - job.timestamp)),
      submitToCompletedMs: distribution(once.map((job) => (job.finishedOn ?? 0) - job.timestamp)),
      completed: completedJobs.length,
      failed: failedJobs.length,
    };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
