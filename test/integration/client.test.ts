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
  type Schedule,
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
 * A proxy in front of the local API that loses the answer to the first request of each of the
 * routes it is given (`POST /jobs`): the API does the work, the client is told 503. This is the
 * case a retry must not turn into a second job, or a refusal of what the first try did.
 */
class LostAnswerProxy {
  private lost = 0;
  private readonly losing: Set<string>;
  private server: Server | undefined;
  url = '';

  constructor(routes: readonly string[]) {
    this.losing = new Set(routes);
  }

  get lostAnswers(): number {
    return this.lost;
  }

  /** Loses the answer to the next request of this route too. */
  lose(route: string): void {
    this.losing.add(route);
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
          const route = `${request.method ?? 'GET'} ${request.url ?? '/'}`;
          if (this.losing.delete(route)) {
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
    const proxy = new LostAnswerProxy(['POST /jobs']);

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

/** A schedule that fires once a year (at the shared platform's 120-fold clock, every three days): no firing during a test. */
const YEARLY = 'cron(0 4 1 1 ? *)';
const scheduleName = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

async function allSchedules(client: JobsClient): Promise<Schedule[]> {
  const schedules: Schedule[] = [];
  for await (const page of client.listSchedules({ limit: 100 })) schedules.push(...page.items);
  return schedules;
}

describe('the TypeScript client with recurring schedules', () => {
  it('creates, reads, changes, pauses, resumes and deletes a schedule', async () => {
    // Prepare
    const client = newClient();
    const name = scheduleName('nightly');

    // Act
    const created = await client.createSchedule({
      name,
      expression: YEARLY,
      timezone: 'Europe/Paris',
      job: { type: 'echo', payload: { n: 1 } },
    });
    const read = await client.getSchedule(name);
    const changed = await client.updateSchedule(name, { expression: 'cron(30 4 1 1 ? *)', job: { type: 'echo', payload: { n: 2 } } });
    const paused = await client.pauseSchedule(name);
    const resumed = await client.resumeSchedule(name);
    const deleted = await client.deleteSchedule(name);

    // Assess
    expect(created).toMatchObject({
      name,
      expression: YEARLY,
      timezone: 'Europe/Paris',
      enabled: true,
      job: { type: 'echo', payload: { n: 1 } },
    });
    expect(read).toEqual(created);
    expect(changed).toMatchObject({
      expression: 'cron(30 4 1 1 ? *)',
      timezone: 'Europe/Paris',
      job: { payload: { n: 2 } },
      enabled: true,
    });
    expect([paused.enabled, resumed.enabled]).toEqual([false, true]);
    expect(deleted).toMatchObject({ name, expression: 'cron(30 4 1 1 ? *)' });
    await expect(client.getSchedule(name)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists every schedule through the pages, by name', async () => {
    // Prepare
    const client = newClient();
    const names = ['c', 'a', 'b'].map((letter) => `${letter}-${randomUUID().slice(0, 8)}`);
    for (const name of names) await client.createSchedule({ name, expression: YEARLY, job: { type: 'echo', payload: {} }, enabled: false });

    // Act
    const pages: string[][] = [];
    for await (const page of client.listSchedules({ limit: 2 })) pages.push(page.items.map((schedule) => schedule.name));

    // Assess
    expect(pages.map((page) => page.length)).toEqual([2, 1]);
    expect(pages.flat()).toEqual([...names].sort());
    for (const name of names) await client.deleteSchedule(name);
    expect(await allSchedules(client)).toEqual([]);
  });

  it('checks a schedule’s job at compile time, and answers a refused one, a taken name and an unknown one with typed errors', async () => {
    // Prepare
    const client = newClient();
    const name = scheduleName('typed');
    await client.createSchedule({ name, expression: YEARLY, job: { type: 'echo', payload: {} }, enabled: false });

    // Act
    const refused = client
      // @ts-expect-error -- an e-mail job needs `subject` and `body`: the compiler refuses it, the API too.
      .createSchedule({ name: scheduleName('bad'), expression: YEARLY, job: { type: 'email', payload: { to: 'a@example.com' } } })
      .catch((error: unknown) => error);
    const badExpression = client
      .createSchedule({ name: scheduleName('bad'), expression: 'rate(1 minutes)', job: { type: 'echo', payload: {} } })
      .catch((error: unknown) => error);
    const taken = client
      .createSchedule({ name, expression: 'rate(5 minutes)', job: { type: 'echo', payload: {} } })
      .catch((error: unknown) => error);

    // Assess
    expect(await refused).toBeInstanceOf(ValidationFailedError);
    expect(((await refused) as ValidationFailedError).details.map((detail) => detail.path).sort()).toEqual([
      'job.payload.body',
      'job.payload.subject',
    ]);
    expect(await badExpression).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await taken).toBeInstanceOf(ConflictError);
    await expect(client.getSchedule('no-such-schedule')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.pauseSchedule('no-such-schedule')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.deleteSchedule('no-such-schedule')).rejects.toBeInstanceOf(NotFoundError);
    expect((await allSchedules(client)).map((schedule) => schedule.name)).toEqual([name]);
    await client.deleteSchedule(name);
  });

  it('applies every one of concurrent changes, sending again a change answered 409', async () => {
    // Prepare
    const client = newClient();
    const name = scheduleName('busy');
    await client.createSchedule({ name, expression: YEARLY, job: { type: 'echo', payload: {} }, enabled: false });

    // Act: three changes at once, each of another field value; the API refuses those that meet another between read and write.
    const zones = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo'];
    const answers = await Promise.all(zones.map((timezone) => client.updateSchedule(name, { timezone })));

    // Assess
    expect(answers.map((answer) => answer.timezone).sort()).toEqual([...zones].sort());
    expect(zones).toContain((await client.getSchedule(name)).timezone);
    await client.deleteSchedule(name);
  });

  describe('when the answer to a schedule call is lost', () => {
    let proxy: LostAnswerProxy;

    beforeAll(async () => {
      proxy = new LostAnswerProxy(['POST /schedules']);
      await proxy.start();
    });
    afterAll(() => proxy.stop());

    it('answers a retried create with the schedule its first try made, and a retried delete with undefined', async () => {
      // Prepare
      const client = newClient(proxy.url);
      const name = scheduleName('lost');
      const schedule = { name, expression: YEARLY, job: { type: 'echo' as const, payload: { once: true } }, enabled: false };

      // Act
      const created = await client.createSchedule(schedule);
      proxy.lose(`DELETE /schedules/${name}`);
      const deleted = await client.deleteSchedule(name);

      // Assess
      expect(proxy.lostAnswers).toBe(2);
      expect(created).toMatchObject({ name, enabled: false, job: { payload: { once: true } } });
      expect(deleted).toBeUndefined();
      expect(await allSchedules(client)).toEqual([]);
    });
  });
});
