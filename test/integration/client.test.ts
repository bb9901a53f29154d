import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ConflictError,
  JobsClient,
  NotFoundError,
  ValidationFailedError,
  WaitTimeoutError,
  type Job,
} from '../../clients/typescript/src/index.ts';

const { apiUrl } = inject('platform');

/** A client of its own caller, so each test sees only its own jobs. */
function newClient(baseUrl = apiUrl): JobsClient {
  return new JobsClient({ baseUrl, caller: `client-${randomUUID()}`, retryBaseMs: 20 });
}

async function allJobs(client: JobsClient): Promise<Job[]> {
  const jobs: Job[] = [];
  for await (const page of client.list({ limit: 100 })) jobs.push(...page.items);
  return jobs;
}

/**
 * A proxy in front of the local API that loses the answer to the first `POST /jobs`: the API
 * stores the job, the client is told 503. This is the case a retry must not turn into two jobs.
 */
class LostAnswerProxy {
  private lost = 0;
  private server: Server | undefined;
  url = '';

  get lostAnswers(): number {
    return this.lost;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        void (async () => {
          const headers = Object.fromEntries(
            Object.entries(request.headers).filter(
              (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host',
            ),
          );
          const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
          const upstream = await fetch(`${apiUrl}${request.url ?? '/'}`, {
            method: request.method ?? 'GET',
            headers,
            ...(body === undefined ? {} : { body }),
          });
          const text = await upstream.text();
          if (request.method === 'POST' && request.url === '/jobs' && this.lost === 0) {
            this.lost += 1;
            response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
            response.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'A dependency did not answer; retry later' } }));
            return;
          }
          response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
          response.end(text);
        })();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}

describe('the Python example (botocore, openapi.json)', () => {
  it('submits an echo job and reads it back', () => {
    // Act
    const run = spawnSync('python3', ['clients/python/submit_job.py'], {
      encoding: 'utf8',
      env: { ...process.env, JOBS_API_URL: apiUrl, JOBS_CALLER: `python-${randomUUID()}` },
    });

    // Assess
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 200, jobStatus: expect.stringMatching(/queued|running|completed/) });
  });
});

describe('the TypeScript client against the local platform', () => {
  it('submits a typed job and waits for it to complete', async () => {
    // Prepare
    const client = newClient();

    // Act
    const submitted = await client.submit('echo', { hello: 'world' });
    const finished = await client.waitFor(submitted.jobId, { timeoutMs: 30_000 });

    // Assess
    expect(submitted.status).toBe('queued');
    expect(finished).toMatchObject({ jobId: submitted.jobId, status: 'completed', result: { hello: 'world' } });
    expect(await client.get(submitted.jobId)).toMatchObject({ status: 'completed' });
  });

  it('checks payloads at compile time and reports a refused one as ValidationFailedError with every field', async () => {
    // Prepare
    const client = newClient();

    // Act
    // @ts-expect-error -- an e-mail needs `subject` and `body`: the compiler refuses it, the API too.
    const refused = client.submit('email', { to: 'not an address' });

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ValidationFailedError);
    const error = (await refused.catch((caught: unknown) => caught)) as ValidationFailedError;
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.details.map((detail) => detail.path).sort()).toEqual(['payload.body', 'payload.subject', 'payload.to']);
    expect(await allJobs(client)).toEqual([]);
  });

  it('submits a batch with one outcome per job, in order', async () => {
    // Prepare
    const client = newClient();

    // Act
    const outcomes = await client.submitBatch([
      { type: 'echo', payload: { n: 1 } },
      { type: 'nope', payload: {} },
      { type: 'sleep', payload: { ms: 10 }, delaySeconds: 900 },
    ]);

    // Assess
    expect(outcomes.map((outcome) => [outcome.index, outcome.status])).toEqual([
      [0, 202],
      [1, 400],
      [2, 202],
    ]);
    expect(outcomes[1]?.error?.code).toBe('UNKNOWN_JOB_TYPE');
    const listed = (await allJobs(client)).map((job) => job.jobId).sort();
    expect(listed).toEqual([outcomes[0]?.job?.jobId, outcomes[2]?.job?.jobId].sort());
  });

  it('lists every job through the pages, newest first', async () => {
    // Prepare
    const client = newClient();
    const submitted: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      submitted.push((await client.submit('echo', { index }, { delaySeconds: 900 })).jobId);
    }

    // Act
    const pages: string[][] = [];
    for await (const page of client.list({ limit: 2 })) pages.push(page.items.map((job) => job.jobId));

    // Assess
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual([...submitted].reverse());
  });

  it('cancels a queued job; a second cancel is a ConflictError, an unknown id a NotFoundError', async () => {
    // Prepare
    const client = newClient();
    const job = await client.submit('echo', {}, { delaySeconds: 900 });

    // Act
    const cancelled = await client.cancel(job.jobId);

    // Assess
    expect(cancelled.status).toBe('cancelled');
    const completed = await client.submit('echo', {});
    await client.waitFor(completed.jobId, { timeoutMs: 30_000 });
    await expect(client.cancel(completed.jobId)).rejects.toBeInstanceOf(ConflictError);
    await expect(client.get(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('gives up waiting with a WaitTimeoutError carrying the job as last seen', async () => {
    // Prepare
    const client = newClient();
    const job = await client.submit('echo', {}, { delaySeconds: 900 });

    // Act
    const waited = await client.waitFor(job.jobId, { timeoutMs: 400, intervalMs: 50 }).catch((error: unknown) => error);

    // Assess
    expect(waited).toBeInstanceOf(WaitTimeoutError);
    expect((waited as WaitTimeoutError).job).toMatchObject({ jobId: job.jobId, status: 'queued' });
  });

  describe('when the answer to a submission is lost', () => {
    const proxy = new LostAnswerProxy();

    beforeAll(() => proxy.start());
    afterAll(() => proxy.stop());

    it('retries a submit answered 503 with the same Idempotency-Key, and exactly one job exists', async () => {
      // Prepare
      const client = newClient(proxy.url);

      // Act
      const job = await client.submit('echo', { once: true }, { delaySeconds: 900 });

      // Assess
      expect(proxy.lostAnswers).toBe(1);
      const listed = await allJobs(client);
      expect(listed.map((listedJob) => listedJob.jobId)).toEqual([job.jobId]);
    });
  });
});
