/**
 * `npm run bench:console`: how long the console's DLQ view takes to load with 10,000 messages
 * in the DLQ, on a local platform of its own. It seeds 10,000 failed jobs (their records in the
 * table, their messages in the DLQ), then measures, five times each from a fresh read:
 * - the DLQ view in Chromium, from navigation to the first page's rows on screen;
 * - the first page from the console's API alone, and the page after it.
 * The view reads one page (50 messages and their 50 jobs), never the whole DLQ.
 *
 * BENCH_DLQ_MESSAGES (default 10000) sets the DLQ's size.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import pLimit from 'p-limit';
import { v7 as uuidv7 } from 'uuid';
import { JobRepository } from '../functions/jobs/adapters/job-repository.ts';
import type { Job } from '../functions/jobs/domain/job.ts';
import { DEFAULT_CALLER, localCallerArn } from '../local/api-gateway.ts';
import { targetOfLocalPlatform } from '../local/cli/target.ts';
import { launchChromium } from '../local/console/browser.ts';
import { startConsoleServer } from '../local/console/console-server.ts';
import { localEnvironment, startLocalPlatform } from '../local/platform.ts';
import { localClientConfig } from '../local/services/local-aws.ts';
import { median } from './stats.ts';

const MESSAGES = Number(process.env.BENCH_DLQ_MESSAGES ?? 10_000);
const ROUNDS = 5;
const owner = localCallerArn(DEFAULT_CALLER);
const ERRORS = ["EEXIST: file already exists, mkdir '/var/outbox'", 'SMTP 421 4.7.0 Try again later', 'Task timed out after 30.00 seconds'];
const TYPES = ['email', 'report', 'echo'];

function failedJob(index: number, now: number): Job {
  const at = new Date(now - (MESSAGES - index) * 1000).toISOString();
  return {
    jobId: uuidv7(),
    owner,
    type: TYPES[index % TYPES.length] as string,
    status: 'failed',
    payload: { to: `user${index}@example.com`, subject: 'Invoice', body: 'Hello' },
    attempts: 3,
    maxAttempts: 3,
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    completedAt: at,
    errorHistory: [1, 2, 3].map((attempt) => ({ message: ERRORS[index % ERRORS.length] as string, attempt, at, run: 1 })),
    run: 1,
    runQueuedAt: at,
    failedAt: Date.parse(at),
    version: 4,
  };
}

const dataDir = await mkdtemp(join(tmpdir(), 'bench-console-'));
const platform = await startLocalPlatform({
  environment: localEnvironment({ name: 'benchconsole' }),
  dataDir,
  longJobs: false,
  onNotice: () => {},
});
try {
  // Nothing should run or reconcile these jobs while they are measured.
  await platform.pauseWorkers();
  const seedStart = performance.now();
  const dynamodb = new DynamoDBClient(localClientConfig(platform.endpoints.dynamodb));
  const sqs = new SQSClient(localClientConfig(platform.endpoints.sqs));
  const repository = new JobRepository(dynamodb, platform.tableName);
  const now = Date.now();
  const jobs = Array.from({ length: MESSAGES }, (_, index) => failedJob(index, now));
  const limit = pLimit(4);
  await Promise.all(
    Array.from({ length: Math.ceil(MESSAGES / 100) }, (_, chunk) =>
      limit(async () => {
        const slice = jobs.slice(chunk * 100, chunk * 100 + 100);
        await repository.createMany(slice);
        for (let start = 0; start < slice.length; start += 10) {
          await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: platform.deadLetterQueueUrl,
              Entries: slice.slice(start, start + 10).map((job, index) => ({
                Id: String(index),
                MessageBody: JSON.stringify({ jobId: job.jobId, owner, type: job.type }),
              })),
            }),
          );
        }
      }),
    ),
  );
  console.log(`seeded ${MESSAGES} failed jobs and DLQ messages in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const server = await startConsoleServer(0, { target: targetOfLocalPlatform(platform.descriptor), writable: false });
  const base = server.url.replace(/\/console\/$/, '');
  const dlq = platform.deadLetterQueueUrl.slice(platform.deadLetterQueueUrl.lastIndexOf('/') + 1);
  // A fresh read each round: the pages held by the round before go back first.
  const refresh = () => fetch(`${base}/console/api/dlq/${dlq}/refresh`, { method: 'POST' }).then((response) => response.text());
  const timed = async (action: () => Promise<unknown>) => {
    const start = performance.now();
    await action();
    return performance.now() - start;
  };
  // The bundle builds on its first request; an engineer pays that once per console start.
  const firstBundle = await timed(() => fetch(`${base}/console/assets/app.js`).then((response) => response.text()));

  const browser = await launchChromium();
  // A browser an engineer has open is warm: one navigation first, not counted, starts its renderer and caches.
  await refresh();
  const warmUp = await browser.newPage();
  const coldView = await timed(async () => {
    await warmUp.goto(`${base}/console/dlq`);
    await warmUp.locator('[data-testid="dead-letters"] tbody tr').first().waitFor();
  });
  await warmUp.close();
  const view: number[] = [];
  const firstPage: number[] = [];
  const nextPage: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await refresh();
    const page = await browser.newPage();
    view.push(
      await timed(async () => {
        await page.goto(`${base}/console/dlq`);
        await page.locator('[data-testid="dead-letters"] tbody tr').first().waitFor();
      }),
    );
    await page.close();
    await refresh();
    firstPage.push(await timed(() => fetch(`${base}/console/api/dlq/${dlq}?page=0`).then((response) => response.json())));
    nextPage.push(await timed(() => fetch(`${base}/console/api/dlq/${dlq}?page=1`).then((response) => response.json())));
  }
  await browser.close();
  await refresh();
  await server.close();
  dynamodb.destroy();
  sqs.destroy();

  const line = (name: string, values: number[]) =>
    `${name.padEnd(44)} median ${median(values).toFixed(0).padStart(5)} ms   max ${Math.max(...values)
      .toFixed(0)
      .padStart(5)} ms`;
  console.log(`\nDLQ of ${MESSAGES} messages, ${ROUNDS} rounds (${new Date().toISOString().slice(0, 16)} UTC)`);
  console.log(line('DLQ view in Chromium, to the first rows', view));
  console.log(line('API: first page (50 messages + their jobs)', firstPage));
  console.log(line('API: next page', nextPage));
  console.log(`${"the same, the browser's first navigation".padEnd(44)} ${coldView.toFixed(0)} ms, once per browser start`);
  console.log(`${'first request of the page bundle (esbuild)'.padEnd(44)} ${firstBundle.toFixed(0)} ms, once per console start`);
} finally {
  await platform.stop();
  await rm(dataDir, { recursive: true, force: true });
}
