/**
 * `npm run bench`: measures the platform on this machine in one run and writes
 * bench/report/report.md, report.json and latency.svg. See renderMarkdown for what is measured.
 *
 * BENCH_SCALE (default 1) scales every job count, e.g. 0.2 for a quick look.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import cliProgress from 'cli-progress';
import { localEnvironment, startLocalPlatform } from '../local/platform.ts';
import { localClientConfig } from '../local/services/local-aws.ts';
import { AwsUsage, costPerMillionJobs } from './aws-usage.ts';
import { measureBullmq } from './bullmq-reference.ts';
import { measureBundles } from './bundles.ts';
import { runLoad, type LoadRunResult, type Offer } from './platform-load.ts';
import { renderLatencySvg, renderMarkdown, type BenchReport } from './report.ts';
import { distribution } from './stats.ts';

const reportDir = fileURLToPath(new URL('./report/', import.meta.url));
const scale = Number(process.env.BENCH_SCALE ?? 1);
const scaled = (value: number) => Math.max(10, Math.round(value * scale));

const WORKER = { maxConcurrency: 4, concurrencyPerBatch: 25 };
const OFFERS: { label: string; offer: Offer }[] = [
  { label: '50/s', offer: { kind: 'rate', perSecond: 50, seconds: Math.max(2, Math.round(10 * scale)) } },
  { label: '100/s', offer: { kind: 'rate', perSecond: 100, seconds: Math.max(2, Math.round(10 * scale)) } },
  { label: '200/s', offer: { kind: 'rate', perSecond: 200, seconds: Math.max(2, Math.round(10 * scale)) } },
  { label: 'max (32 callers)', offer: { kind: 'max', count: scaled(2_000), concurrency: 32 } },
];
const LOAD_RUNS = 15;

const bars = new cliProgress.MultiBar(
  {
    format: ' {phase} |{bar}| {value}/{total} {detail}',
    hideCursor: true,
    clearOnComplete: false,
    noTTYOutput: true,
    notTTYSchedule: 5_000,
    stream: process.stderr,
  },
  cliProgress.Presets.shades_classic,
);

/** DynamoDB's item size: attribute names plus values (strings as UTF-8, numbers ~1 byte per 2 digits, 3 bytes per list or map). */
function itemSize(item: Record<string, AttributeValue>): number {
  const valueSize = (value: AttributeValue): number => {
    if (value.S !== undefined) return Buffer.byteLength(value.S);
    if (value.N !== undefined) return Math.ceil(value.N.replace(/[-.]/g, '').length / 2) + 1;
    if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
    if (value.L !== undefined) return 3 + value.L.reduce((sum, entry) => sum + 1 + valueSize(entry), 0);
    if (value.M !== undefined) return 3 + itemSize(value.M);
    return 0;
  };
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
}

async function main(): Promise<void> {
  await mkdir(reportDir, { recursive: true });
  const usage = new AwsUsage();
  const environment = localEnvironment({ name: 'bench', worker: { ...localEnvironment().worker, ...WORKER } });
  const startBar = bars.create(1, 0, { phase: 'start platform      ', detail: 'DynamoDB Local, fauxqs, functions' });
  const platform = await startLocalPlatform({
    environment,
    dataDir: join(reportDir, '.local'),
    functionEnv: { NODE_OPTIONS: AwsUsage.nodeOptions },
    onFunctionOutput: usage.onFunctionOutput,
  });
  startBar.update(1);
  const runs: LoadRunResult[] = [];
  let itemBytes = { mean: 0, max: 0 };
  try {
    // Warm every worker process and the API before measuring: cold starts are measured apart.
    const warmBar = bars.create(scaled(200), 0, { phase: 'warm-up             ', detail: '' });
    await runLoad(platform.apiUrl, 'warmup', { kind: 'max', count: scaled(200), concurrency: 16 }, ({ terminal }) =>
      warmBar.update(terminal),
    );

    usage.start();
    for (const { label, offer } of OFFERS) {
      const total = offer.kind === 'rate' ? offer.perSecond * offer.seconds : offer.count;
      const bar = bars.create(total, 0, { phase: `offer ${label.padEnd(14)}`, detail: '' });
      runs.push(
        await runLoad(platform.apiUrl, label, offer, ({ submitted, terminal }) =>
          bar.update(terminal, { detail: `terminal (submitted ${submitted})` }),
        ),
      );
    }
    // Let SQS finish dead-lettering the failed jobs' messages (quick redeliveries) before counting.
    const sqs = new SQSClient(localClientConfig(platform.endpoints.sqs));
    const drainBar = bars.create(1, 0, { phase: 'drain queue         ', detail: '' });
    for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
      const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: platform.queueUrl, AttributeNames: ['All'] }));
      const left =
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
      drainBar.update(0, { detail: `${left} messages left` });
      if (left === 0) break;
      await sleep(500);
    }
    drainBar.update(1);
    sqs.destroy();
    usage.stop();

    const dynamodb = new DynamoDBClient(localClientConfig(platform.endpoints.dynamodb));
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: platform.tableName, Limit: 500 }));
    const sizes = Items.filter((item) => item.owner !== undefined).map(itemSize);
    itemBytes = { mean: distribution(sizes).mean, max: distribution(sizes).max };
    dynamodb.destroy();
  } finally {
    await platform.stop();
    usage.dispose();
  }

  const bundleBar = bars.create(4 * LOAD_RUNS, 0, { phase: 'bundles, cold load  ', detail: '' });
  const bundles = await measureBundles(LOAD_RUNS, (done) => bundleBar.update(done));

  const bullCount = scaled(2_000);
  const bullBar = bars.create(bullCount, 0, { phase: 'BullMQ reference    ', detail: '' });
  const bullmq = await measureBullmq(bullCount, 32, WORKER.maxConcurrency * WORKER.concurrencyPerBatch, (done) => bullBar.update(done));
  bars.stop();

  const jobs = runs.reduce((sum, run) => sum + run.accepted, 0);
  const calls = usage
    .callCounts()
    .sort((a, b) => a.caller.localeCompare(b.caller) || a.service.localeCompare(b.service) || b.count - a.count);
  const invocations = usage.invocationStats();
  const named = (suffix: string) => invocations[`jobs-${environment.name}-${suffix}`] ?? { count: 0, totalMs: 0 };
  const perJob = (caller: string, operation: string) =>
    (calls.find((call) => call.caller === caller && call.operation === operation)?.count ?? 0) / jobs;
  const writeUnitsPerPut = Math.max(1, Math.ceil(itemBytes.max / 1024));
  // KEYS_ONLY indexes: a new job adds one entry to each of the two; every later write changes
  // the job's status, which moves its entry in the status index (a delete and a put).
  const indexWritesPerJob = 2 * perJob('api', 'PutItem') + 2 * perJob('worker', 'PutItem');
  // One local API process serves every request at once, so its invocation time includes the
  // wait behind the others; in AWS each concurrent request has an environment of its own. The
  // client's median submit latency at the lowest offered rate bounds the handler's time instead.
  const apiHandlerMs = runs[0]?.submitLatencyMs.p50 ?? 0;
  const apiInvocations = { count: named('api').count, totalMs: named('api').count * apiHandlerMs };
  const cost = costPerMillionJobs({
    jobs,
    calls,
    apiInvocations,
    workerInvocations: named('worker'),
    apiMemoryMb: environment.api.memoryMb,
    workerMemoryMb: environment.worker.memoryMb,
    writeUnitsPerPut,
    indexWritesPerJob,
    durationNote: `API: ${Math.round(apiHandlerMs)} ms per request (median submit latency at ${runs[0]?.label ?? '?'}); worker: measured invocation time`,
  });
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
    },
    settings: {
      workerProcesses: WORKER.maxConcurrency,
      concurrencyPerBatch: WORKER.concurrencyPerBatch,
      batchSize: environment.worker.batchSize,
      scale,
    },
    runs,
    usage: {
      jobs,
      calls,
      callsPerJob: calls.map((call) => ({ ...call, perJob: call.count / jobs })),
      invocations,
      itemBytes,
      logBytesPerJob: usage.loggedBytes / jobs,
      cost,
      usdPerMillionJobs: cost.reduce((sum, line) => sum + line.usdPerMillionJobs, 0),
      assumptions: [
        `Job items measured at ${Math.round(itemBytes.mean)} bytes on average, ${Math.round(itemBytes.max)} at most: each PutItem is ${writeUnitsPerPut} WRU (1 KB per unit).`,
        'Index writes are estimated, not counted: 2 per new job (both KEYS_ONLY indexes) and 2 per later write (its status-index entry moves).',
        `Lambda duration: the API function's is taken as the client's median submit latency at the lowest offered rate (${Math.round(apiHandlerMs)} ms, an upper bound: the local API is one process serving all requests at once); the worker's is its measured local invocation time (one batch per process, as in Lambda). Both × the configured memory; AWS bills handler time rounded up to 1 ms, plus init on cold starts (not included). On this 2-core machine, shared with other work while the bench ran, both run slower than on Lambda.`,
        'The local event source long-polls with a 1 s wait; the AWS event source mapping long-polls with 20 s, so its empty receives on an idle queue are fewer than counted here, and they are a fixed cost per poller, not per job.',
        `The reconciler (a scheduled function reading the DLQ once a minute) is a fixed cost per environment, not per job; its calls are listed but not priced. Logs: ${Math.round(usage.loggedBytes / Math.max(1, jobs))} bytes per job of JSON logs and EMF (CloudWatch Logs ingestion not priced here: no sourced price in the repo).`,
        'Submissions carry no Idempotency-Key; with one, a submission adds a GetItem (1 RRU) and writes through a transaction (2 items × 2 WRU instead of 1 PutItem).',
        'The failed jobs (5% of the mix) are counted with their quick redeliveries up to maxReceiveCount, which is how their messages reach the DLQ.',
      ],
    },
    bundles,
    bullmq,
  };
  await writeFile(join(reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(reportDir, 'report.md'), renderMarkdown(report));
  await writeFile(join(reportDir, 'latency.svg'), renderLatencySvg(report));
  process.stdout.write(`${renderMarkdown(report)}\nWritten to ${reportDir}report.md, report.json and latency.svg\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    bars.stop();
    console.error(error);
    process.exit(1);
  },
);
