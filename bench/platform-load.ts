import { setTimeout as sleep } from 'node:timers/promises';
import type { JobResource, JobStatus } from '../functions/jobs/domain/job.ts';
import { localCallerArn } from '../local/api-gateway.ts';
import { mixedJob, type MixedJob } from './job-mix.ts';
import { distribution, type Distribution } from './stats.ts';

/**
 * How fast jobs are offered: a steady rate (open loop), as fast as `concurrency` requests at
 * once can go, or the same through `POST /jobs/batch` with `perRequest` jobs per request.
 */
export type Offer =
  | { readonly kind: 'rate'; readonly perSecond: number; readonly seconds: number }
  | { readonly kind: 'max'; readonly count: number; readonly concurrency: number }
  | { readonly kind: 'batch'; readonly count: number; readonly concurrency: number; readonly perRequest: number };

export interface LoadRunResult {
  readonly label: string;
  /** The owner the platform stored the run's jobs under: its one caller's identity, as the local API gateway gives it. */
  readonly owner: string;
  readonly offered: number;
  readonly accepted: number;
  readonly rejected: Record<string, number>;
  /** Jobs submitted per second the client achieved. */
  readonly submitRate: number;
  /** HTTP requests that carried the submissions (one per job, or one per batch). */
  readonly requests: number;
  /** Jobs that reached a terminal status per second, first createdAt to last completedAt. */
  readonly throughput: number;
  readonly wallSeconds: number;
  /** Client-side latency of each submit request (`POST /jobs`, or `POST /jobs/batch` for a whole batch). */
  readonly submitLatencyMs: Distribution;
  /** startedAt − createdAt of jobs that ran once (echo, sleep). */
  readonly queueWaitMs: Distribution;
  /** completedAt − createdAt of jobs that ran once (echo, sleep). */
  readonly submitToCompletedMs: Distribution;
  /** completedAt − createdAt of flaky jobs that completed on their 2nd attempt (includes the retry backoff). */
  readonly retriedToCompletedMs: Distribution;
  readonly statuses: Partial<Record<JobStatus, number>>;
}

const TERMINAL: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** One slot of a `POST /jobs/batch` answer. */
interface BatchItem {
  readonly index: number;
  readonly status: number;
  readonly job?: JobResource;
}

/** A caller of the local API, as the benchmark drives it. */
class BenchCaller {
  constructor(
    private readonly apiUrl: string,
    readonly caller: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { 'x-caller-id': this.caller, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async terminalCount(): Promise<number> {
    const { body } = await this.request<{ jobs: Record<JobStatus, number> }>('GET', '/stats');
    return TERMINAL.reduce((sum, status) => sum + (body.jobs[status] ?? 0), 0);
  }

  async allJobs(): Promise<JobResource[]> {
    const jobs: JobResource[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: JobResource[]; nextCursor: string | null } } = await this.request(
        'GET',
        `/jobs?limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      jobs.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    return jobs;
  }
}

export interface LoadRunProgress {
  readonly submitted: number;
  readonly terminal: number;
  readonly total: number;
}

/**
 * Offers the job mix to the local API, waits until every accepted job is terminal, then reads
 * the jobs back and measures: client-side submit latency, and from the jobs' own timestamps the
 * queue wait and the time from submission to completion.
 */
export async function runLoad(
  apiUrl: string,
  label: string,
  offer: Offer,
  onProgress: (progress: LoadRunProgress) => void,
  {
    jobAt = mixedJob,
    settleTimeoutMs = 180_000,
    onSubmitted,
  }: {
    jobAt?: (index: number) => MixedJob;
    settleTimeoutMs?: number;
    /** Called when every submission has been answered, before the polling for terminal jobs starts. */
    onSubmitted?: () => void;
  } = {},
): Promise<LoadRunResult> {
  const caller = new BenchCaller(apiUrl, `bench-${label}-${Date.now()}`);
  const total = offer.kind === 'rate' ? offer.perSecond * offer.seconds : offer.count;
  const latencies: number[] = [];
  const rejected: Record<string, number> = {};
  const kinds = new Map<string, MixedJob>();
  let submitted = 0;
  let terminal = 0;

  let requests = 0;
  const reject = (status: string | number, count = 1) => (rejected[status] = (rejected[status] ?? 0) + count);
  const submit = async (index: number) => {
    const job = jobAt(index);
    const started = performance.now();
    requests += 1;
    try {
      const response = await caller.request<JobResource>('POST', '/jobs', job.body);
      latencies.push(performance.now() - started);
      if (response.status === 202) kinds.set(response.body.jobId, job);
      else reject(response.status);
    } catch {
      reject('network');
    }
    submitted += 1;
    onProgress({ submitted, terminal, total });
  };
  const submitBatch = async (first: number, count: number) => {
    const jobs = Array.from({ length: count }, (_, offset) => jobAt(first + offset));
    const started = performance.now();
    requests += 1;
    try {
      const response = await caller.request<{ items: BatchItem[] }>('POST', '/jobs/batch', { jobs: jobs.map((job) => job.body) });
      latencies.push(performance.now() - started);
      if (response.status !== 200) reject(response.status, count);
      for (const item of response.status === 200 ? response.body.items : []) {
        const job = jobs[item.index];
        if (item.status === 202 && item.job !== undefined && job !== undefined) kinds.set(item.job.jobId, job);
        else reject(item.status);
      }
    } catch {
      reject('network', count);
    }
    submitted += count;
    onProgress({ submitted, terminal, total });
  };

  const startedAt = performance.now();
  if (offer.kind === 'rate') {
    // Open loop: each request leaves at its scheduled time whether or not earlier ones have
    // been answered, so a slow answer never lowers the offered rate.
    const inFlight = new Set<Promise<void>>();
    for (let index = 0; index < total; index += 1) {
      const due = startedAt + (index * 1000) / offer.perSecond;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const request = submit(index).finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  } else {
    const perRequest = offer.kind === 'batch' ? offer.perRequest : 1;
    let next = 0;
    await Promise.all(
      Array.from({ length: offer.concurrency }, async () => {
        while (next < total) {
          const first = next;
          next = Math.min(total, next + perRequest);
          await (offer.kind === 'batch' ? submitBatch(first, next - first) : submit(first));
        }
      }),
    );
  }
  const submitSeconds = (performance.now() - startedAt) / 1000;
  onSubmitted?.();

  const deadline = Date.now() + settleTimeoutMs;
  while (terminal < kinds.size) {
    if (Date.now() > deadline) throw new Error(`${label}: only ${terminal} of ${kinds.size} jobs terminal after ${settleTimeoutMs} ms`);
    await sleep(500);
    terminal = await caller.terminalCount();
    onProgress({ submitted, terminal, total });
  }
  const wallSeconds = (performance.now() - startedAt) / 1000;

  const jobs = await caller.allJobs();
  const statuses: Partial<Record<JobStatus, number>> = {};
  const once: JobResource[] = [];
  const retried: JobResource[] = [];
  for (const job of jobs) {
    statuses[job.status] = (statuses[job.status] ?? 0) + 1;
    const kind = kinds.get(job.jobId)?.kind;
    if (job.status === 'completed' && (kind === 'echo' || kind === 'sleep')) once.push(job);
    if (job.status === 'completed' && kind === 'flaky-recovers') retried.push(job);
  }
  const ms = (from: string, to: string | undefined) => Date.parse(to ?? '') - Date.parse(from);
  const firstCreated = Math.min(...jobs.map((job) => Date.parse(job.createdAt)));
  const lastFinished = Math.max(...jobs.map((job) => Date.parse(job.completedAt ?? job.updatedAt)));
  return {
    label,
    owner: localCallerArn(caller.caller),
    offered: total,
    accepted: kinds.size,
    rejected,
    submitRate: total / submitSeconds,
    requests,
    throughput: jobs.length / ((lastFinished - firstCreated) / 1000),
    wallSeconds,
    submitLatencyMs: distribution(latencies),
    queueWaitMs: distribution(once.map((job) => ms(job.createdAt, job.startedAt))),
    submitToCompletedMs: distribution(once.map((job) => ms(job.createdAt, job.completedAt))),
    retriedToCompletedMs: distribution(retried.map((job) => ms(job.createdAt, job.completedAt))),
    statuses,
  };
}
