import { setTimeout as sleep } from 'node:timers/promises';
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { errorOfResponse, NetworkError } from './errors.ts';

export interface TransportOptions {
  /** The API's base URL: `https://<id>.execute-api.<region>.amazonaws.com`, or `http://127.0.0.1:3000` locally. */
  readonly baseUrl: string;
  /** Signs every request with SigV4 for `execute-api` in this region; leave out for the local API. */
  readonly region?: string;
  /** @default the default AWS credential chain (environment, profile, SSO, container, instance role) */
  readonly credentials?: ReturnType<typeof defaultProvider>;
  /** The local API's caller (its `x-caller-id` header); in AWS the caller is the signing principal. */
  readonly caller?: string;
  /** Tries of one request in all, retries included. @default 4 */
  readonly maxAttempts?: number;
  /** First retry delay; each retry doubles it (with full jitter), up to 5 s. @default 200 */
  readonly retryBaseMs?: number;
}

/** What a request got: the status and the parsed JSON body, on success or on an error a retry cannot fix. */
export interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

const RETRY_CAP_MS = 5_000;

/** Statuses a retry may fix: the function's 503 (nothing was accepted) and API Gateway's throttling. */
function retryableStatus(status: number): boolean {
  return status === 503 || status === 429;
}

/**
 * HTTP to the API: signing, and retries of what is safe to retry. Every request the client sends
 * is safe to repeat (submissions carry an Idempotency-Key), so a 503, a 429 and a network error
 * are retried with backoff, honouring Retry-After; anything else is thrown as its typed error.
 */
export class Transport {
  private readonly signer: SignatureV4 | undefined;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(private readonly options: TransportOptions) {
    this.signer =
      options.region === undefined
        ? undefined
        : new SignatureV4({
            service: 'execute-api',
            region: options.region,
            credentials: options.credentials ?? defaultProvider(),
            sha256: Sha256,
          });
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 200;
  }

  /** One API call, retried while a retry may help; an error answer throws its typed error. */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    for (let attempt = 1; ; attempt += 1) {
      const last = attempt >= this.maxAttempts;
      let response: Response;
      try {
        response = await this.send(method, path, body, headers);
      } catch (error) {
        if (last) throw new NetworkError(`Cannot reach ${this.options.baseUrl}: ${(error as Error).message}`, { cause: error });
        await this.pause(attempt);
        continue;
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = { message: text };
      }
      if (response.ok) return { status: response.status, body: parsed as T, headers: response.headers };
      if (!retryableStatus(response.status) || last) throw errorOfResponse(response.status, parsed, attempt);
      await this.pause(attempt, Number(response.headers.get('retry-after') ?? Number.NaN));
    }
  }

  private async send(method: string, path: string, body: unknown, extra: Record<string, string>): Promise<Response> {
    const url = new URL(`${this.options.baseUrl.replace(/\/$/, '')}${path}`);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = { host: url.host, ...extra };
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (this.options.caller !== undefined) headers['x-caller-id'] = this.options.caller;
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
    return fetch(url, { method, headers, ...(text === undefined ? {} : { body: text }) });
  }

  /** Full-jitter exponential backoff, or the server's Retry-After when it is longer. */
  private async pause(attempt: number, retryAfterSeconds = Number.NaN): Promise<void> {
    const backoff = Math.random() * Math.min(RETRY_CAP_MS, this.retryBaseMs * 2 ** (attempt - 1));
    const asked = Number.isFinite(retryAfterSeconds) ? Math.min(RETRY_CAP_MS, retryAfterSeconds * 1000) : 0;
    await sleep(Math.max(backoff, asked));
  }
}
