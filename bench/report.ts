import type { CallCount } from './aws-usage.ts';
import type { BundleMeasurement } from './bundles.ts';
import type { BullmqOutcome } from './bullmq-reference.ts';
import type { DynamoDbLocalCeiling } from './dynamodb-local-ceiling.ts';
import type { CpuShare } from './process-cpu.ts';
import { EVENTS_COST_ITEM, type CostLine } from './cost-model.ts';
import type { LoadRunResult } from './platform-load.ts';
import { PRICES } from './prices.ts';
import { renderScaleModel, type ScaleReport } from './scale-report.ts';
import type { Distribution } from './stats.ts';

export interface BenchReport {
  readonly generatedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGb: number;
    readonly node: string;
    readonly platform: string;
  };
  readonly settings: Record<string, unknown>;
  readonly runs: readonly LoadRunResult[];
  readonly usage: {
    readonly jobs: number;
    readonly calls: readonly CallCount[];
    readonly callsPerJob: readonly (CallCount & { readonly perJob: number })[];
    readonly invocations: Record<string, { count: number; totalMs: number }>;
    readonly itemBytes: { readonly mean: number; readonly max: number };
    readonly logBytesPerJob: number;
    readonly cost: readonly CostLine[];
    readonly usdPerMillionJobs: number;
    readonly assumptions: readonly string[];
  };
  readonly scale: ScaleReport;
  /** The batch-submit row's cost. */
  readonly batch: {
    readonly jobs: number;
    readonly requests: number;
    readonly cost: readonly CostLine[];
    readonly usdPerMillionJobs: number;
  };
  /** A job due in 16 minutes (a one-time schedule), and one firing of a recurring schedule. */
  readonly schedules: {
    readonly scheduled: { readonly jobs: number; readonly cost: readonly CostLine[]; readonly usdPerMillionJobs: number };
    readonly recurring: { readonly firings: number; readonly cost: readonly CostLine[]; readonly usdPerMillionJobs: number };
  };
  /** Echo jobs with a webhook each, against the echo-only run costed the same way. */
  readonly webhook: {
    readonly jobs: number;
    readonly cost: readonly CostLine[];
    readonly usdPerMillionJobs: number;
    readonly echoCost: readonly CostLine[];
    readonly echoUsdPerMillionJobs: number;
  };
  /** The echo-only run: log + EMF bytes per successful job at the default level. */
  readonly logs: { readonly jobs: number; readonly bytesPerSuccessfulJob: number; readonly targetBytes: number };
  readonly bundles: readonly BundleMeasurement[];
  readonly bullmq: BullmqOutcome;
  /** DynamoDB Local alone on this machine, and the local jobs per second it allows at the mix's DynamoDB requests per job. */
  readonly dynamodbLocal: DynamoDbLocalCeiling & { readonly requestsPerJob: number; readonly jobsPerSecond: number };
  /** The cores each part of the local platform used over the flat-out runs (empty where there is no /proc). */
  readonly cpu: { readonly cores: number; readonly single: readonly CpuShare[]; readonly batch: readonly CpuShare[] };
}

/** Where the cores went over the two flat-out runs, one row per part of the platform. */
function cpuTable(cpu: BenchReport['cpu']): string[] {
  if (cpu.single.length === 0) return [];
  const parts = [...new Set([...cpu.single, ...cpu.batch].map((share) => share.part))];
  const coresOf = (shares: readonly CpuShare[], part: string) => shares.find((share) => share.part === part)?.cores ?? 0;
  const sum = (shares: readonly CpuShare[]) => shares.reduce((total, share) => total + share.cores, 0);
  return [
    `**Where the ${cpu.cores} cores go** while the platform runs flat out (from the first submit to the last job terminal; CPU time of each process from /proc, in cores: 1.00 is one core busy throughout):`,
    '',
    '| part | max (32 callers) | batch (100 per request) |',
    '|---|---|---|',
    ...parts.map((part) => `| ${part} | ${coresOf(cpu.single, part).toFixed(2)} | ${coresOf(cpu.batch, part).toFixed(2)} |`),
    `| **all** | **${sum(cpu.single).toFixed(2)}** | **${sum(cpu.batch).toFixed(2)}** |`,
    '',
  ];
}

function costTable(lines: readonly CostLine[], total: number): string[] {
  return [
    '| item | per job | unit | USD per million jobs | how |',
    '|---|---|---|---|---|',
    ...lines.map(
      (line) =>
        `| ${line.item} | ${line.perJob < 0.001 ? line.perJob.toExponential(2) : line.perJob.toFixed(3)} | ${line.unit} | $${line.usdPerMillionJobs.toFixed(2)} | ${line.note} |`,
    ),
    `| **total** | | | **$${total.toFixed(2)}** | |`,
    // Lifecycle events are a fixed price per event put, for consumers of the bus; the rest is the job path.
    `| total without the lifecycle events | | | $${(total - lines.filter((line) => line.item === EVENTS_COST_ITEM).reduce((sum, line) => sum + line.usdPerMillionJobs, 0)).toFixed(2)} | |`,
    '',
  ];
}

const ms = (value: number) => (Number.isFinite(value) ? `${Math.round(value)}` : '–');
const triple = (d: Distribution) => `${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)}`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

export function renderMarkdown(report: BenchReport): string {
  const { machine, usage } = report;
  const lines: string[] = [];
  lines.push('# Benchmark report', '');
  lines.push(
    `Generated ${report.generatedAt} by \`npm run bench\` on ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB RAM, Node ${machine.node} (${machine.platform}).`,
  );
  lines.push('Everything below was measured in this one run; latencies in milliseconds, p50 / p95 / p99.', '');

  lines.push('## Local end-to-end throughput and latency', '');
  lines.push(
    `Job mix per 20 jobs: 9 echo, 6 sleep (20–100 ms), 4 flaky completing on attempt 2, 1 flaky failing for good (DLQ). Worker: ${String(report.settings.workerProcesses)} processes × ${String(report.settings.concurrencyPerBatch)} jobs per batch, batch size ${String(report.settings.batchSize)}.`,
    '',
  );
  lines.push(
    '| offered | jobs | achieved submit rate (/s) | completed per second | submit p50/p95/p99 | queue wait p50/p95/p99 | submit→completed p50/p95/p99 | retried job submit→completed p50 | non-202 |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const run of report.runs) {
    const rejected =
      Object.entries(run.rejected)
        .map(([status, count]) => `${count}× ${status}`)
        .join(', ') || '0';
    lines.push(
      `| ${run.label} | ${run.accepted} | ${run.submitRate.toFixed(0)} | ${run.throughput.toFixed(1)} | ${triple(run.submitLatencyMs)} | ${triple(run.queueWaitMs)} | ${triple(run.submitToCompletedMs)} | ${ms(run.retriedToCompletedMs.p50)} | ${rejected} |`,
    );
  }
  if (report.bullmq.measured) {
    const b = report.bullmq;
    lines.push(
      `| BullMQ reference (max, ${b.producers} callers, Worker concurrency ${b.concurrency}) | ${b.jobs} | – | ${b.throughput.toFixed(1)} | ${triple(b.addLatencyMs)} (add) | ${triple(b.queueWaitMs)} | ${triple(b.submitToCompletedMs)} | – | ${b.failed} failed |`,
    );
  } else {
    lines.push(`| BullMQ reference | – | – | not measured (${report.bullmq.reason}) | | | | | |`);
  }
  lines.push(
    '',
    'Queue wait is `startedAt − createdAt` and submit→completed is `completedAt − createdAt`, read from the jobs themselves, for the jobs that ran once (echo, sleep). Submit latency is measured by the client around `POST /jobs`; on the batch row, around each `POST /jobs/batch` of 100 jobs. Every row is one caller; "32 callers" means 32 requests at once.',
    '',
    `**DynamoDB Local is the local ceiling.** Alone on this machine, warm, with ${report.dynamodbLocal.concurrency} requests at once, it answered **${Math.round(report.dynamodbLocal.requestsPerSecond)} requests/s** (median of ${report.dynamodbLocal.windows} windows of ${report.dynamodbLocal.seconds} s; ${Math.round(report.dynamodbLocal.lowest)} to ${Math.round(report.dynamodbLocal.highest)}) along the job path, written by the platform's \`JobRepository\`: per job the submit's PutItem, the claim's and the outcome's conditional UpdateItem, on the job table's definition with its stream and indexes. The functions made ${report.dynamodbLocal.requestsPerJob.toFixed(2)} DynamoDB requests per job of the mix, so the local platform cannot complete more than **${Math.round(report.dynamodbLocal.jobsPerSecond)} jobs/s** however fast the rest is, and the rest shares the same cores. DynamoDB in AWS has no such ceiling (see the scale model).`,
    '',
    ...cpuTable(report.cpu),
    `**Log + EMF bytes per successful job** at the default log level: **${Math.round(report.logs.bytesPerSuccessfulJob)}** (target ≤ ${report.logs.targetBytes}), measured over ${report.logs.jobs} \`echo\` jobs that all succeeded, counting every line the functions printed (JSON logs and EMF) with its newline.`,
    '',
  );
  lines.push('![latency percentiles per offered rate](latency.svg)', '');

  lines.push('## AWS requests per job', '');
  lines.push(
    `Counted over ${usage.jobs} jobs of the mix submitted one per request (the offered-rate and max rows above): every AWS SDK call the API and worker functions made (an \`x-amz-target\` HTTP request, retries included), and the calls of the local event source that plays the SQS event source mapping.`,
    '',
  );
  lines.push('| made by | service | operation | calls | per job |', '|---|---|---|---|---|');
  for (const call of usage.callsPerJob)
    lines.push(`| ${call.caller} | ${call.service} | ${call.operation} | ${call.count} | ${call.perJob.toFixed(3)} |`);
  lines.push('');
  const invocationRows = Object.entries(usage.invocations).map(
    ([name, stats]) =>
      `| ${name} | ${stats.count} | ${(stats.count / usage.jobs).toFixed(3)} | ${(stats.totalMs / Math.max(1, stats.count)).toFixed(1)} |`,
  );
  lines.push('| function | invocations | per job | mean duration (ms) |', '|---|---|---|---|', ...invocationRows, '');

  lines.push(...renderScaleModel(report.scale));

  lines.push('## Cost per million jobs (us-east-1 list prices)', '');
  lines.push('The mix submitted one job per `POST /jobs` (the offered-rate and max rows above):', '');
  lines.push(...costTable(usage.cost, usage.usdPerMillionJobs));
  lines.push(
    `The same mix submitted through \`POST /jobs/batch\`, 100 jobs per request (the batch row: ${report.batch.jobs} jobs, ${report.batch.requests} requests):`,
    '',
  );
  lines.push(...costTable(report.batch.cost, report.batch.usdPerMillionJobs));
  const { scheduled, recurring } = report.schedules;
  lines.push(
    `An \`echo\` job due in 16 minutes (\`delaySeconds: 960\`): past SQS's 15-minute delay, so the API creates a one-time EventBridge Scheduler schedule, which sends the job's message when due and deletes itself (${scheduled.jobs} jobs; the local scheduler ran 120 times faster): **$${scheduled.usdPerMillionJobs.toFixed(2)} per million jobs**.`,
    '',
  );
  lines.push(...costTable(scheduled.cost, scheduled.usdPerMillionJobs));
  lines.push(
    `One firing of a recurring schedule (\`rate(1 minute)\` of an \`echo\` job; ${recurring.firings} firings): EventBridge Scheduler invokes the firing function, which creates the job idempotently and enqueues it: **$${recurring.usdPerMillionJobs.toFixed(2)} per million firings**, the job's run included. The schedule's own create and delete are counted, spread over its firings.`,
    '',
  );
  lines.push(...costTable(recurring.cost, recurring.usdPerMillionJobs));
  const { webhook } = report;
  lines.push(
    `An \`echo\` job with a webhook: its \`Job Completed\` event, the rule's message to the deliveries queue, one signed POST answered 204 by a receiver on this machine, and the try counted on the job (the webhook row: ${webhook.jobs} jobs). ` +
      `It costs $${webhook.usdPerMillionJobs.toFixed(2)} per million jobs, against $${webhook.echoUsdPerMillionJobs.toFixed(2)} for the same \`echo\` jobs without one (the echo-only row, costed the same way): ` +
      `**the webhook and its event add $${(webhook.usdPerMillionJobs - webhook.echoUsdPerMillionJobs).toFixed(2)} per million jobs.**`,
    '',
  );
  lines.push(...costTable(webhook.cost, webhook.usdPerMillionJobs));
  lines.push('Assumptions:', ...usage.assumptions.map((text) => `- ${text}`), '');
  lines.push('Prices (bench/prices.ts):', '', '| item | price | source | date |', '|---|---|---|---|');
  for (const price of Object.values(PRICES))
    lines.push(
      `| ${price.item} | $${price.usd < 0.001 ? (price.usd * 1e6).toFixed(4) + ' per million ' + price.unit + 's' : price.usd + ' per ' + price.unit} | ${price.source} | ${price.date} |`,
    );
  lines.push('');

  lines.push('## Lambda bundles and cold module load', '');
  lines.push(
    `Median time to \`import()\` the handler in a fresh Node process (${report.bundles[0]?.runs ?? 0} processes each), with the environment a deployed function has. The bundle is built with the options of lib/constructs/job-function.ts (ESM, minified, node24, source maps, SDK bundled); the baseline is the same code with its dependencies loaded from node_modules (esbuild \`packages: 'external'\`).`,
    '',
  );
  lines.push('| handler | bundle | gzip | bundled load (ms) | node_modules load (ms) |', '|---|---|---|---|---|');
  for (const bundle of report.bundles)
    lines.push(
      `| ${bundle.handler} | ${kb(bundle.bytes)} | ${kb(bundle.gzipBytes)} | ${ms(bundle.bundledLoadMs)} | ${ms(bundle.unbundledLoadMs)} |`,
    );
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** Grouped bars: submit→completed p50/p95/p99 per run (and BullMQ's), on a linear scale. */
export function renderLatencySvg(report: BenchReport): string {
  const groups = report.runs.map((run) => ({ label: run.label, d: run.submitToCompletedMs }));
  if (report.bullmq.measured) groups.push({ label: 'BullMQ (max)', d: report.bullmq.submitToCompletedMs });
  const width = 120 + groups.length * 130;
  const height = 360;
  const plotTop = 50;
  const plotBottom = 300;
  const top = Math.max(1, ...groups.flatMap((group) => [group.d.p99].filter(Number.isFinite)));
  const scale = (value: number) => ((plotBottom - plotTop) * value) / top;
  const colors = ['#4e79a7', '#f28e2b', '#e15759'];
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">Submit → completed latency (ms), jobs that ran once</text>`,
  );
  parts.push(`<line x1="80" y1="${plotBottom}" x2="${width - 20}" y2="${plotBottom}" stroke="#333"/>`);
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (top * tick) / 4;
    const y = plotBottom - scale(value);
    parts.push(
      `<line x1="76" y1="${y}" x2="${width - 20}" y2="${y}" stroke="#ddd"/><text x="72" y="${y + 4}" text-anchor="end">${Math.round(value)}</text>`,
    );
  }
  groups.forEach((group, index) => {
    const x0 = 100 + index * 130;
    [group.d.p50, group.d.p95, group.d.p99].forEach((value, bar) => {
      const h = Number.isFinite(value) ? scale(value) : 0;
      parts.push(
        `<rect x="${x0 + bar * 34}" y="${plotBottom - h}" width="30" height="${h}" fill="${colors[bar]}"><title>${['p50', 'p95', 'p99'][bar]}: ${Math.round(value)} ms</title></rect>`,
      );
      parts.push(
        `<text x="${x0 + bar * 34 + 15}" y="${plotBottom - h - 4}" text-anchor="middle" font-size="10">${Number.isFinite(value) ? Math.round(value) : ''}</text>`,
      );
    });
    parts.push(`<text x="${x0 + 49}" y="${plotBottom + 18}" text-anchor="middle">${group.label}</text>`);
  });
  ['p50', 'p95', 'p99'].forEach((name, index) => {
    parts.push(
      `<rect x="${100 + index * 70}" y="${height - 30}" width="12" height="12" fill="${colors[index]}"/><text x="${116 + index * 70}" y="${height - 20}">${name}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
