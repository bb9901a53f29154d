import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { CALLER_HEADER } from '../api-gateway.ts';
import { CliError, exitCodeOfStatus } from './cli-error.ts';
import type { Target } from './target.ts';

/** One slot of a `POST /jobs/batch` answer. */
export interface BatchItemResult {
  index: number;
  status: number;
  job?: JobResource;
  error?: { code: string; message: string; details?: { path: string; message: string }[] };
}

export interface JobPage {
  items: JobResource[];
  nextCursor: string | null;
}

/** The platform's HTTP API as the CLI uses it; requests to AWS are signed with SigV4. */
export class JobsApi {
  private readonly signer: SignatureV4 | undefined;

  constructor(private readonly target: Target) {
    this.signer = target.signRequests
      ? new SignatureV4({ service: 'execute-api', region: target.region, credentials: defaultProvider(), sha256: Sha256 })
      : undefined;
  }

  private async request<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const url = new URL(`${this.target.apiUrl}${path}`);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { host: url.host, ...extraHeaders };
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (this.target.caller !== undefined) headers[CALLER_HEADER] = this.target.caller;
    if (this.signer !== undefined) {
      const signed = await this.signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        ...(text === undefined ? {} : { body: text }),
      });
      headers = signed.headers as Record<string, string>;
    }
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(text === undefined ? {} : { body: text }) });
    } catch (error) {
      throw new CliError(`Cannot reach ${this.target.description}: ${(error as Error).message}`, 5);
    }
    const raw = await response.text();
    const parsed = raw === '' ? undefined : (JSON.parse(raw) as unknown);
    if (!response.ok) {
      const error = parsed as
        { error?: { code?: string; message?: string; details?: { path: string; message: string }[] }; message?: string } | undefined;
      const details = error?.error?.details?.map((detail) => `\n  ${detail.path}: ${detail.message}`).join('') ?? '';
      const message = error?.error === undefined ? (error?.message ?? raw) : `${error.error.code}: ${error.error.message}${details}`;
      throw new CliError(message, exitCodeOfStatus(response.status));
    }
    return parsed as T;
  }

  submit(body: unknown, idempotencyKey?: string): Promise<JobResource> {
    return this.request('POST', '/jobs', body, idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey });
  }

  /** Up to 100 jobs in one request; each body may carry its own `idempotencyKey`. */
  submitBatch(jobs: readonly unknown[]): Promise<{ items: BatchItemResult[] }> {
    return this.request('POST', '/jobs/batch', { jobs });
  }

  get(jobId: string): Promise<JobResource> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}`);
  }

  list(query: { status?: string; type?: string; limit?: number; cursor?: string }): Promise<JobPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.toString();
    return this.request('GET', `/jobs${search === '' ? '' : `?${search}`}`);
  }

  cancel(jobId: string): Promise<JobResource> {
    return this.request('POST', `/jobs/${encodeURIComponent(jobId)}/cancel`);
  }
}
