/**
 * `npm run bench`: measures the platform on this machine in one run and writes
 * bench/report/report.md, report.json and latency.svg. See renderMarkdown for what is measured.
 * Three stretches are counted apart on one local platform: the mix submitted one job per
 * request (offered rates, then flat out), the mix through `POST /jobs/batch`, and a run of
 * `echo` jobs for the log size; then the table's stream gives the write model (scale-model.ts).
 *
 * BENCH_SCALE (default 1) scales every job count, e.g. 0.2 for a quick look.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import cliProgress from 'cli-progress';
import { JOB_TABLE_SCHEMA } from '../functions/jobs/adapters/job-table-schema.ts';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../local/platform.ts';
import { localClientConfig } from '../local/services/local-aws.ts';
import { CALLER_HEADER, localCallerArn } from '../local/api-gateway.ts';
import { functionDeclarations } from '../lib/config/function-declarations.ts';
import type { BusEvent } from '../local/services/event-bus-local.ts';
import { AwsUsage, type InvocationStats, type UsageSnapshot } from './aws-usage.ts';
import { measureBullmq } from './bullmq-reference.ts';
import { measureBundles } from './bundles.ts';
import { costPerMillionJobs, readUnitsPerJob } from './cost-model.ts';
import { measureDynamoDbLocalCeiling } from './dynamodb-local-ceiling.ts';
import { itemSize } from './item-size.ts';
import { cpuBetween, sampleCpu, type CpuShare } from './process-cpu.ts';
import { echoJob, echoJobWithWebhook, scheduledEchoJob } from './job-mix.ts';
import { runLoad, type LoadRunResult, type Offer } from './platform-load.ts';
import { renderLatencySvg, renderMarkdown, type BenchReport } from './report.ts';
import { KEY_READ_UNITS_PER_SECOND, modelWrites, writesOfCallers } from './scale-model.ts';
import { distribution } from './stats.ts';
import { CURRENT_LAYOUT, PREVIOUS_LAYOUT } from './table-layouts.ts';
import { readTableStream, type TableWrite } from './table-stream.ts';

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
/** The batch-submit row: the same mix through `POST /jobs/batch`, 100 jobs per request, 4 requests at once. */
const BATCH = {
  label: 'batch (100 per request)',
  offer: { kind: 'batch', count: scaled(2_000), concurrency: 4, perRequest: 100 },
} as const;
/**
 * The API's billed time: Lambda gives each concurrent request an environment of its own, so the
 * local API function's invocation time is its billed duration only while it serves one request
 * at a time. These two stretches submit the mix that way, one job per request and 100 per batch.
 */
const SERIAL = { label: 'one request at a time', offer: { kind: 'max', count: scaled(300), concurrency: 1 } } as const;
const SERIAL_BATCH = {
  label: 'one batch at a time (100 per request)',
  offer: { kind: 'batch', count: scaled(1_000), concurrency: 1, perRequest: 100 },
} as const;
/** The webhook row: the same `echo` jobs, each with a `callbackUrl` to a receiver that answers 204. */
const WEBHOOK = { label: 'echo with webhook', offer: { kind: 'max', count: scaled(500), concurrency: 8 } } as const;
/** The scheduled-job row: `echo` jobs due in 16 minutes, which the local scheduler (120 times faster) fires after 8 s. */
const SCHEDULED = { label: 'echo due in 16 min', offer: { kind: 'max', count: scaled(300), concurrency: 8 } } as const;
/** The recurring row: a `rate(1 minute)` schedule of `echo` jobs (every 0.5 s at 120 times), counted over this many firings. */
const RECURRING_FIRINGS = scaled(100);
/** How much faster than real time the bench's local scheduler runs (only the two schedule rows use it). */
const SCHEDULER_CLOCK_SCALE = 120;
/** The log-size run: only `echo` jobs, every one succeeding. */
const ECHO = { label: 'echo only (log size)', offer: { kind: 'max', count: scaled(500), concurrency: 8 } } as const;
/** Most log + EMF bytes a successful job may write at the default level (issue 9). */
const LOG_BYTES_TARGET = 600;
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

/** Waits until the job queue is empty (SQS dead-letters the failed jobs' messages after quick redeliveries). */
async function drainQueue(sqsEndpoint: string, queueUrl: string): Promise<void> {
  const sqs = new SQSClient(localClientConfig(sqsEndpoint));
  const drainBar = bars.create(1, 0, { phase: 'drain queue         ', detail: '' });
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
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
}

/** Mean and largest size of the job items (a sample of 500). */
async function jobItemBytes(endpoint: string, tableName: string): Promise<{ mean: number; max: number }> {
  const dynamodb = new DynamoDBClient(localClientConfig(endpoint));
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: tableName, Limit: 500 }));
  dynamodb.destroy();
  const sizes = distribution(Items.filter((item) => item.owner !== undefined).map(itemSize));
  return { mean: sizes.mean, max: sizes.max };
}

interface Measured {
  readonly runs: LoadRunResult[];
  readonly mix: UsageSnapshot;
  readonly batch: UsageSnapshot;
  readonly echo: UsageSnapshot;
  /** The echo jobs due in 16 minutes, from submit to completion. */
  readonly scheduled: UsageSnapshot;
  /** The recurring schedule's firings and their jobs. */
  readonly recurring: UsageSnapshot & { readonly firings: number; readonly owner: string };
  /** The echo jobs with a webhook each, until every delivery was answered. */
  readonly webhook: UsageSnapshot;
  /** The API function's invocations while it served one request at a time (see SERIAL). */
  readonly serial: { readonly single: InvocationStats; readonly batch: InvocationStats };
  readonly writes: TableWrite[];
  /** Every lifecycle event the local bus received (GET /events). */
  readonly events: BusEvent[];
  readonly itemBytes: { mean: number; max: number };
  /** The cores each part of the platform used over the flat-out runs, single and batch submit. */
  readonly cpu: { readonly single: CpuShare[]; readonly batch: CpuShare[] };
}

/**
 * The recurring row: one `rate(1 minute)` schedule of `echo` jobs, counted from its creation
 * until `RECURRING_FIRINGS` of its jobs completed, then deleted; the count ends once the queue
 * is empty. Its create and delete are in the count too: two calls spread over every firing.
 */
async function countedFirings(platform: LocalPlatform, usage: AwsUsage): Promise<UsageSnapshot & { firings: number; owner: string }> {
  const caller = 'bench-recurring';
  const name = 'bench-every-minute';
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${platform.apiUrl}${path}`, {
      method,
      headers: { [CALLER_HEADER]: caller, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }));
  const jobsOfSchedule = async (status?: string) => {
    let count = 0;
    let cursor: unknown;
    do {
      const query = new URLSearchParams({ schedule: name, limit: '100', ...(status === undefined ? {} : { status }) });
      if (typeof cursor === 'string') query.set('cursor', cursor);
      const page = await api('GET', `/jobs?${query.toString()}`);
      count += (page.body.items as unknown[] | undefined)?.length ?? 0;
      cursor = page.body.nextCursor;
    } while (typeof cursor === 'string');
    return count;
  };
  const firingsBar = bars.create(RECURRING_FIRINGS, 0, { phase: 'recurring firings   ', detail: '' });
  usage.start();
  const created = await api('POST', '/schedules', {
    name,
    expression: 'rate(1 minute)',
    job: { type: 'echo', payload: { note: 'firing' } },
  });
  if (created.status !== 201) throw new Error(`POST /schedules answered ${created.status}: ${JSON.stringify(created.body)}`);
  for (const deadline = Date.now() + 180_000; Date.now() < deadline;) {
    const completed = await jobsOfSchedule('completed');
    firingsBar.update(Math.min(completed, RECURRING_FIRINGS));
    if (completed >= RECURRING_FIRINGS) break;
    await sleep(500);
  }
  await api('DELETE', `/schedules/${name}`);
  await drainQueue(platform.endpoints.sqs, platform.queueUrl);
  usage.stop();
  return { ...usage.take(), firings: await jobsOfSchedule(), owner: localCallerArn(caller) };
}

/**
 * The webhook stretch: a receiver on this machine answers every delivery 204; the count runs
 * until the job queue is empty and every job's delivery was answered (and the deliveries' queue
 * is empty, so its deletes are counted too).
 */
async function countedWebhooks(
  platform: LocalPlatform,
  usage: AwsUsage,
  load: (callbackUrl: string) => Promise<LoadRunResult>,
): Promise<{ runs: LoadRunResult[]; usage: UsageSnapshot }> {
  let delivered = 0;
  const receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      delivered += 1;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    usage.start();
    const run = await load(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
    await drainQueue(platform.endpoints.sqs, platform.queueUrl);
    const deliveriesBar = bars.create(run.accepted, 0, { phase: 'webhook deliveries  ', detail: '' });
    for (const deadline = Date.now() + 120_000; delivered < run.accepted && Date.now() < deadline;) {
      deliveriesBar.update(delivered);
      await sleep(250);
    }
    deliveriesBar.update(delivered);
    await drainQueue(platform.endpoints.sqs, platform.webhookQueueUrl);
    usage.stop();
    return { runs: [run], usage: usage.take() };
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}

/** Runs every load against one local platform, each stretch counted on its own, then reads the table's stream. */
async function measurePlatform(usage: AwsUsage, environment: ReturnType<typeof localEnvironment>): Promise<Measured> {
  const startBar = bars.create(1, 0, { phase: 'start platform      ', detail: 'DynamoDB Local, fauxqs, functions' });
  const platform = await startLocalPlatform({
    environment,
    dataDir: join(reportDir, '.local'),
    functionEnv: { NODE_OPTIONS: AwsUsage.nodeOptions },
    schedulerClockScale: SCHEDULER_CLOCK_SCALE,
    onFunctionOutput: usage.onFunctionOutput,
  });
  startBar.update(1);
  try {
    const load = async (label: string, offer: Offer, jobAt?: typeof echoJob, onSubmitted?: () => void) => {
      const total = offer.kind === 'rate' ? offer.perSecond * offer.seconds : offer.count;
      const bar = bars.create(total, 0, { phase: `offer ${label.padEnd(14)}`, detail: '' });
      return runLoad(
        platform.apiUrl,
        label,
        offer,
        ({ submitted, terminal }) => bar.update(terminal, { detail: `terminal (submitted ${submitted})` }),
        {
          ...(jobAt === undefined ? {} : { jobAt }),
          ...(onSubmitted === undefined ? {} : { onSubmitted }),
        },
      );
    };
    const counted = async (loads: () => Promise<LoadRunResult[]>) => {
      usage.start();
      const runs = await loads();
      await drainQueue(platform.endpoints.sqs, platform.queueUrl);
      usage.stop();
      return { runs, usage: usage.take() };
    };
    // Warm every worker process and the API before measuring: cold starts are measured apart.
    await load('warm-up', { kind: 'max', count: scaled(200), concurrency: 16 });
    // Where the two cores go while the platform runs flat out: submit to the last job terminal.
    const withCpu = async (run: () => Promise<LoadRunResult>) => {
      const before = sampleCpu();
      const result = await run();
      return { result, cpu: cpuBetween(before, sampleCpu()) };
    };
    let flatOutCpu: CpuShare[] = [];
    const mix = await counted(async () => {
      const runs: LoadRunResult[] = [];
      for (const { label, offer } of OFFERS) {
        if (offer.kind !== 'max') runs.push(await load(label, offer));
        else {
          const { result, cpu } = await withCpu(() => load(label, offer));
          runs.push(result);
          flatOutCpu = cpu;
        }
      }
      return runs;
    });
    let batchCpu: CpuShare[] = [];
    const batch = await counted(async () => {
      const { result, cpu } = await withCpu(() => load(BATCH.label, BATCH.offer));
      batchCpu = cpu;
      return [result];
    });
    const echo = await counted(async () => [await load(ECHO.label, ECHO.offer, echoJob)]);
    const scheduled = await counted(async () => [await load(SCHEDULED.label, SCHEDULED.offer, scheduledEchoJob)]);
    const recurring = await countedFirings(platform, usage);
    const webhook = await countedWebhooks(platform, usage, (callbackUrl) =>
      load(WEBHOOK.label, WEBHOOK.offer, echoJobWithWebhook(callbackUrl)),
    );
    // Only the API's invocations while it submits count here: the polling for terminal jobs after is the benchmark's own.
    const apiTime = async ({ label, offer }: { label: string; offer: Offer }) => {
      usage.start();
      const run = await load(label, offer, undefined, () => usage.stop());
      await drainQueue(platform.endpoints.sqs, platform.queueUrl);
      const api = usage.take().invocations[`jobs-${environment.name}-api`] ?? { count: 0, totalMs: 0 };
      return { runs: [run], api };
    };
    const serial = await apiTime(SERIAL);
    const serialBatch = await apiTime(SERIAL_BATCH);
    const events = (await (await fetch(`${platform.apiUrl}/events`)).json()) as BusEvent[];
    const streamBar = bars.create(1, 0, { phase: 'read table stream   ', detail: '' });
    const writes = await readTableStream(platform.endpoints.dynamodb, platform.tableName);
    streamBar.update(1, { detail: `${writes.length} records` });
    return {
      runs: [...mix.runs, ...batch.runs, ...echo.runs, ...scheduled.runs, ...webhook.runs, ...serial.runs, ...serialBatch.runs],
      serial: { single: serial.api, batch: serialBatch.api },
      cpu: { single: flatOutCpu, batch: batchCpu },
      mix: mix.usage,
      batch: batch.usage,
      echo: echo.usage,
      scheduled: scheduled.usage,
      recurring,
      webhook: webhook.usage,
      writes,
      events,
      itemBytes: await jobItemBytes(platform.endpoints.dynamodb, platform.tableName),
    };
  } finally {
    await platform.stop();
  }
}

async function main(): Promise<void> {
  await mkdir(reportDir, { recursive: true });
  const usage = new AwsUsage();
  const environment = localEnvironment({ name: 'bench', worker: { ...localEnvironment().worker, ...WORKER } });
  let measured: Measured;
  try {
    measured = await measurePlatform(usage, environment);
  } finally {
    usage.dispose();
  }

  const bundleBar = bars.create(4 * LOAD_RUNS, 0, { phase: 'bundles, cold load  ', detail: '' });
  const bundles = await measureBundles(LOAD_RUNS, (done) => bundleBar.update(done));

  const bullCount = scaled(2_000);
  const bullBar = bars.create(bullCount, 0, { phase: 'BullMQ reference    ', detail: '' });
  const bullmq = await measureBullmq(bullCount, 32, WORKER.maxConcurrency * WORKER.concurrencyPerBatch, (done) => bullBar.update(done));
  const ceilingBar = bars.create(1, 0, { phase: 'DynamoDB Local alone', detail: 'warm 30 s, then 3 × 10 s counted' });
  const dynamodbLocal = await measureDynamoDbLocalCeiling();
  ceilingBar.update(1, { detail: `${Math.round(dynamodbLocal.requestsPerSecond)} requests/s` });
  bars.stop();

  const { runs, itemBytes } = measured;
  const mixRuns = runs.filter((run) => OFFERS.some((offer) => offer.label === run.label));
  const batchRun = runs.find((run) => run.label === BATCH.label);
  const echoRun = runs.find((run) => run.label === ECHO.label);
  const jobsOf = (list: readonly (LoadRunResult | undefined)[]) => list.reduce((sum, run) => sum + (run?.accepted ?? 0), 0);
  const callersOf = (list: readonly (LoadRunResult | undefined)[]) =>
    new Set(list.flatMap((run) => (run === undefined ? [] : [run.owner])));
  const jobs = jobsOf(mixRuns);
  const batchJobs = Math.max(1, jobsOf([batchRun]));
  const mixWrites = writesOfCallers(measured.writes, callersOf(mixRuns));
  const writeModels = {
    current: modelWrites(mixWrites, CURRENT_LAYOUT, jobs, measured.mix.conditionFailures),
    previous: modelWrites(mixWrites, PREVIOUS_LAYOUT, jobs, measured.mix.conditionFailures),
    batch: modelWrites(
      writesOfCallers(measured.writes, callersOf([batchRun])),
      CURRENT_LAYOUT,
      batchJobs,
      measured.batch.conditionFailures,
    ),
  };
  const reads = readUnitsPerJob(measured.mix.calls, jobs);
  const eventsOfCallers = (callers: ReadonlySet<string>) =>
    measured.events.filter((event) => callers.has((event.detail as { owner?: string }).owner ?? '')).length;
  const calls = [...measured.mix.calls].sort(
    (a, b) => a.caller.localeCompare(b.caller) || a.service.localeCompare(b.service) || b.count - a.count,
  );
  const named = (snapshot: UsageSnapshot, suffix: string) =>
    snapshot.invocations[`jobs-${environment.name}-${suffix}`] ?? { count: 0, totalMs: 0 };
  // The API's billed time per request, measured while it served one request at a time.
  const meanMs = (stats: InvocationStats) => (stats.count > 0 ? stats.totalMs / stats.count : 0);
  const apiHandlerMs = meanMs(measured.serial.single);
  const batchHandlerMs = meanMs(measured.serial.batch);
  // API invocations of the job path: the submit requests (the bench's own polling of `GET /stats` and `GET /jobs` is left out).
  const mixRequests = mixRuns.reduce((sum, run) => sum + run.requests, 0);
  const batchRequests = batchRun?.requests ?? 0;
  const memory = { apiMemoryMb: environment.api.memoryMb, workerMemoryMb: environment.worker.memoryMb };
  const cost = costPerMillionJobs({
    jobs,
    calls,
    apiRequestsPerJob: 1,
    apiRequestNote: 'one POST /jobs per job',
    apiInvocations: { count: mixRequests, totalMs: mixRequests * apiHandlerMs },
    workerInvocations: named(measured.mix, 'worker'),
    ...memory,
    writes: writeModels.current,
    logBytesPerJob: measured.mix.logBytes / jobs,
    eventsPerJob: eventsOfCallers(callersOf(mixRuns)) / jobs,
    durationNote: `API: ${Math.round(apiHandlerMs)} ms per request (its mean invocation time, one request at a time); worker: measured invocation time`,
  });
  const batchCost = costPerMillionJobs({
    jobs: batchJobs,
    calls: measured.batch.calls,
    apiRequestsPerJob: batchRequests / batchJobs,
    apiRequestNote: `one POST /jobs/batch per ${BATCH.offer.perRequest} jobs (${batchRequests} requests)`,
    apiInvocations: { count: batchRequests, totalMs: batchRequests * batchHandlerMs },
    workerInvocations: named(measured.batch, 'worker'),
    ...memory,
    writes: writeModels.batch,
    logBytesPerJob: measured.batch.logBytes / batchJobs,
    eventsPerJob: eventsOfCallers(callersOf([batchRun])) / batchJobs,
    durationNote: `API: ${Math.round(batchHandlerMs)} ms per batch request (its mean invocation time, one request at a time); worker: measured invocation time`,
  });
  const total = (lines: readonly { usdPerMillionJobs: number }[]) => lines.reduce((sum, line) => sum + line.usdPerMillionJobs, 0);
  // Echo jobs without and with a webhook, costed alike: the difference is what a webhook (and its event) adds.
  const declarations = functionDeclarations(environment);
  /** An echo-like stretch costed on its own: `apiRequests` submits (or none), and the functions named on its path. */
  const stretchCost = (
    owners: ReadonlySet<string>,
    count: number,
    snapshot: UsageSnapshot,
    extra: { functions: readonly ('webhooks' | 'scheduleFiring')[]; apiRequests: number; schedulerInvocations?: number },
  ) => {
    const functionSuffix = { webhooks: 'webhooks', scheduleFiring: 'schedule-firing' } as const;
    const functionLabel = { webhooks: 'deliverer', scheduleFiring: 'firing function' } as const;
    return costPerMillionJobs({
      jobs: count,
      calls: snapshot.calls,
      apiRequestsPerJob: extra.apiRequests / count,
      apiRequestNote: extra.apiRequests === 0 ? 'none: EventBridge Scheduler makes the job' : 'one POST /jobs per job',
      apiInvocations: { count: extra.apiRequests, totalMs: extra.apiRequests * apiHandlerMs },
      workerInvocations: named(snapshot, 'worker'),
      ...memory,
      writes: modelWrites(writesOfCallers(measured.writes, owners), CURRENT_LAYOUT, count, snapshot.conditionFailures),
      logBytesPerJob: snapshot.logBytes / count,
      eventsPerJob: eventsOfCallers(owners) / count,
      durationNote: `API: ${Math.round(apiHandlerMs)} ms per request (one request at a time); the other functions: measured invocation time`,
      ...(extra.schedulerInvocations === undefined ? {} : { schedulerInvocationsPerJob: extra.schedulerInvocations / count }),
      otherFunctions: [
        { label: 'events function', invocations: named(snapshot, 'job-events'), memoryMb: declarations.events.memoryMb },
        ...extra.functions.map((id) => ({
          label: functionLabel[id],
          invocations: named(snapshot, functionSuffix[id]),
          memoryMb: declarations[id].memoryMb,
        })),
      ],
    });
  };
  const echoAlike = (run: LoadRunResult | undefined, snapshot: UsageSnapshot, withDeliverer: boolean) => {
    const count = Math.max(1, jobsOf([run]));
    return stretchCost(callersOf([run]), count, snapshot, { functions: withDeliverer ? ['webhooks'] : [], apiRequests: count });
  };
  const scheduledRun = runs.find((run) => run.label === SCHEDULED.label);
  const scheduledJobs = Math.max(1, jobsOf([scheduledRun]));
  const scheduledCost = stretchCost(callersOf([scheduledRun]), scheduledJobs, measured.scheduled, {
    functions: [],
    apiRequests: scheduledJobs,
    schedulerInvocations: scheduledJobs,
  });
  const firings = Math.max(1, measured.recurring.firings);
  const recurringCost = stretchCost(new Set([measured.recurring.owner]), firings, measured.recurring, {
    functions: ['scheduleFiring'],
    apiRequests: 0,
    schedulerInvocations: firings,
  });
  const webhookRun = runs.find((run) => run.label === WEBHOOK.label);
  const echoCost = echoAlike(echoRun, measured.echo, false);
  const webhookCost = echoAlike(webhookRun, measured.webhook, true);
  const echoJobs = Math.max(1, echoRun?.statuses.completed ?? 0);
  // Every DynamoDB request the functions made per job of the mix (the stream reader's are left out).
  const dynamodbRequestsPerJob = calls.filter((call) => call.service === 'DynamoDB').reduce((sum, call) => sum + call.count, 0) / jobs;
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
      invocations: measured.mix.invocations,
      itemBytes,
      logBytesPerJob: measured.mix.logBytes / jobs,
      cost,
      usdPerMillionJobs: total(cost),
      assumptions: [
        `Job items measured at ${Math.round(itemBytes.mean)} bytes on average, ${Math.round(itemBytes.max)} at most.`,
        'DynamoDB writes are the write model of the table\'s stream (section "Scale model"): table writes and index writes are worked out from every write\'s item before and after; the counts items are modelled for AWS; refused conditional writes are counted.',
        `Lambda duration: the API function's is its mean local invocation time while it served one request at a time (${Math.round(apiHandlerMs)} ms a submit, ${Math.round(batchHandlerMs)} ms a 100-job batch), as each Lambda environment serves one request at a time; under load the one local API process serves every request at once and its invocations wait behind each other. The worker's is its measured local invocation time (one batch per process, as in Lambda). Both × the configured memory; AWS bills handler time rounded up to 1 ms, plus init on cold starts (not included). On this 2-core machine, shared with other work while the bench ran, both run slower than on Lambda.`,
        'Receives that brought no message are not counted: the local event source long-polls each queue with a 1 s wait, the AWS event source mapping with 20 s, and those empty polls of an idle queue are a fixed cost per poller (a few dollars a month), not per job.',
        "The reconciler (a scheduled function reading the DLQ once a minute) is a fixed cost per environment, not per job; its calls are listed but not priced. The counts function's invocations (one per 1,000 stream records in AWS) are not priced: under $0.01 per million jobs.",
        "Logs: every line the API, worker, counts and reconciler functions printed (Powertools JSON logs and EMF) is counted, with its newline. In AWS the functions run with Lambda's JSON log format and system log level WARN, so no START/END/REPORT platform lines are ingested; none are counted here.",
        "Submissions carry no Idempotency-Key; with one, a submission adds a GetItem (1 RRU) and writes through a transaction (2 items × 2 WRU per KB instead of 1 PutItem). The API's reads for the benchmark's own polling (`GET /stats`, `GET /jobs`) are left out.",
        'The failed jobs (5% of the mix) are counted with their quick redeliveries up to maxReceiveCount, which is how their messages reach the DLQ.',
        "The worker's consistent GetItem reads come from messages delivered again (retries, redeliveries): a first delivery claims the job in one write with no read before it.",
      ],
    },
    scale: {
      ...writeModels,
      rruPerJob: reads.rruPerJob,
      readNote: reads.note,
      // The job path reads job items by their own key (GetItem), which spread over the caller's shards as the writes do.
      readCeilingJobsPerSecond:
        reads.rruPerJob > 0 ? (KEY_READ_UNITS_PER_SECOND * JOB_TABLE_SCHEMA.callerShards) / reads.rruPerJob : Number.POSITIVE_INFINITY,
      readCeilingOneKeyJobsPerSecond: reads.rruPerJob > 0 ? KEY_READ_UNITS_PER_SECOND / reads.rruPerJob : Number.POSITIVE_INFINITY,
    },
    batch: { jobs: batchJobs, requests: batchRequests, cost: batchCost, usdPerMillionJobs: total(batchCost) },
    schedules: {
      scheduled: { jobs: scheduledJobs, cost: scheduledCost, usdPerMillionJobs: total(scheduledCost) },
      recurring: { firings, cost: recurringCost, usdPerMillionJobs: total(recurringCost) },
    },
    webhook: {
      jobs: jobsOf([webhookRun]),
      cost: webhookCost,
      usdPerMillionJobs: total(webhookCost),
      echoCost,
      echoUsdPerMillionJobs: total(echoCost),
    },
    logs: { jobs: echoJobs, bytesPerSuccessfulJob: measured.echo.logBytes / echoJobs, targetBytes: LOG_BYTES_TARGET },
    bundles,
    bullmq,
    cpu: { cores: cpus().length, ...measured.cpu },
    dynamodbLocal: {
      ...dynamodbLocal,
      requestsPerJob: dynamodbRequestsPerJob,
      jobsPerSecond: dynamodbLocal.requestsPerSecond / dynamodbRequestsPerJob,
    },
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
