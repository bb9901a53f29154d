import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobResource, JobStatus } from '../../../functions/jobs/domain/job.ts';
import type { OpenApiContract } from '../../helpers/openapi-contract.ts';

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** The answer to `POST /jobs/batch`: one slot per item, in request order. */
export interface BatchAnswer {
  readonly items: {
    readonly index: number;
    readonly status: number;
    readonly job?: JobResource;
    readonly error?: { readonly code: string; readonly message: string; readonly details?: { path: string; message: string }[] };
  }[];
}

/** A caller of the local API: every request carries its identity header. */
export class ApiClient {
  /** With `contract`, every answer of a documented route is checked against the OpenAPI document. */
  constructor(
    readonly baseUrl: string,
    readonly caller: string = `caller-${randomUUID()}`,
    private readonly contract?: OpenApiContract,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    options: { body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'x-caller-id': this.caller, ...options.headers },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await response.text();
    this.contract?.note(method, path, response.status, response.headers, text);
    return { status: response.status, headers: response.headers, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  submit(body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<JobResource>> {
    return this.request<JobResource>('POST', '/jobs', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  }

  /** `POST /jobs/batch`, failing on anything but 200 (each item has its own status). */
  async submitBatch(body: unknown): Promise<BatchAnswer> {
    const response = await this.request<BatchAnswer>('POST', '/jobs/batch', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    if (response.status !== 200) throw new Error(`POST /jobs/batch answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async get(jobId: string): Promise<JobResource> {
    const response = await this.request<JobResource>('GET', `/jobs/${jobId}`);
    if (response.status !== 200) throw new Error(`GET /jobs/${jobId} answered ${response.status}`);
    return response.body;
  }

  /**
   * Polls the job until it reaches `status` (or any finished status when `status` is omitted),
   * recording every status seen on the way; fails with the last state after the deadline.
   */
  async waitFor(jobId: string, status?: JobStatus, timeoutMs = 30_000): Promise<{ job: JobResource; seen: JobStatus[] }> {
    const seen: JobStatus[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.get(jobId);
      if (seen.at(-1) !== job.status) seen.push(job.status);
      const done = status === undefined ? ['completed', 'failed', 'cancelled'].includes(job.status) : job.status === status;
      if (done) return { job, seen };
      if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${job.status} after ${timeoutMs} ms: ${JSON.stringify(job)}`);
      await sleep(50);
    }
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after the deadline. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
