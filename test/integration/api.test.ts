import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { ApiClient, eventually } from './support/api-client.ts';

const { apiUrl } = inject('platform');

interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

describe('POST /jobs', () => {
  it('accepts a job with 202, a Location header and the queued job', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);

    // Act
    const response = await api.submit({ type: 'echo', payload: { hello: 'world' }, maxAttempts: 4 });

    // Assess
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/jobs/${response.body.jobId}`);
    expect(response.body).toMatchObject({ type: 'echo', status: 'queued', payload: { hello: 'world' }, attempts: 0, maxAttempts: 4 });
    expect(new Date(response.body.createdAt).toISOString()).toBe(response.body.createdAt);
  });

  it.each([
    ['INVALID_JSON', 400, '{"type": "echo", ', 'application/json'],
    ['UNSUPPORTED_MEDIA_TYPE', 415, '{"type":"echo","payload":{}}', 'text/plain'],
    ['UNKNOWN_JOB_TYPE', 400, '{"type":"teleport","payload":{}}', 'application/json'],
  ])('answers %s (%i) for a bad body', async (code, status, body, contentType) => {
    const response = await new ApiClient(apiUrl).request<ErrorBody>('POST', '/jobs', { body, headers: { 'content-type': contentType } });

    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
  });

  it('lists every failing field of an invalid submission, body and payload together', async () => {
    const response = await new ApiClient(apiUrl).submit({ type: 'email', payload: { to: 'not-an-address', subject: '' }, maxAttempts: 11 });

    expect(response.status).toBe(400);
    const body = response.body as unknown as ErrorBody;
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details?.map((detail) => detail.path).sort()).toEqual([
      'maxAttempts',
      'payload.body',
      'payload.subject',
      'payload.to',
    ]);
  });

  it('answers 413 PAYLOAD_TOO_LARGE above 256 KB and stores nothing', async () => {
    const api = new ApiClient(apiUrl);
    const response = await api.submit({ type: 'echo', payload: { blob: 'x'.repeat(256 * 1024) } });

    expect(response.status).toBe(413);
    expect((response.body as unknown as ErrorBody).error.code).toBe('PAYLOAD_TOO_LARGE');
    const listed = await api.request<{ items: unknown[] }>('GET', '/jobs');
    expect(listed.body.items).toEqual([]);
  });

  it('returns the same job with 200 for a repeated Idempotency-Key, and 409 for a different body', async () => {
    const api = new ApiClient(apiUrl);
    const key = `order-${randomUUID()}`;
    const first = await api.submit({ type: 'echo', payload: { n: 1 } }, { 'idempotency-key': key });
    const replay = await api.submit({ payload: { n: 1 }, type: 'echo' }, { 'idempotency-key': key });
    const different = await api.submit({ type: 'echo', payload: { n: 2 } }, { 'idempotency-key': key });

    expect(first.status).toBe(202);
    expect(replay.status).toBe(200);
    expect(replay.body.jobId).toBe(first.body.jobId);
    expect(different.status).toBe(409);
    expect((different.body as unknown as ErrorBody).error.code).toBe('CONFLICT');
    const listed = await api.request<{ items: unknown[] }>('GET', '/jobs');
    expect(listed.body.items).toHaveLength(1);
  });

  it('keeps idempotency keys per caller', async () => {
    const key = `shared-${randomUUID()}`;
    const a = await new ApiClient(apiUrl).submit({ type: 'echo', payload: {} }, { 'idempotency-key': key });
    const b = await new ApiClient(apiUrl).submit({ type: 'echo', payload: {} }, { 'idempotency-key': key });

    expect([a.status, b.status]).toEqual([202, 202]);
    expect(a.body.jobId).not.toBe(b.body.jobId);
  });

  it('rejects a malformed Idempotency-Key', async () => {
    const response = await new ApiClient(apiUrl).submit({ type: 'echo', payload: {} }, { 'idempotency-key': 'has spaces' });

    expect(response.status).toBe(400);
    expect((response.body as unknown as ErrorBody).error.details?.[0]?.path).toBe('Idempotency-Key');
  });
});

describe('GET /jobs/{jobId}', () => {
  it("answers 404 NOT_FOUND for an unknown id, a malformed id, and another caller's job", async () => {
    const owner = new ApiClient(apiUrl);
    const other = new ApiClient(apiUrl);
    const { body: job } = await owner.submit({ type: 'echo', payload: {} });

    for (const [client, id] of [
      [owner, randomUUID()],
      [owner, 'idempotency%23x'],
      [other, job.jobId],
    ] as const) {
      const response = await client.request<ErrorBody>('GET', `/jobs/${id}`);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    }
  });
});

describe('GET /jobs', () => {
  it("lists the caller's jobs newest first, page by page with a cursor", async () => {
    const api = new ApiClient(apiUrl);
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      ids.push((await api.submit({ type: 'echo', payload: { index }, delaySeconds: 900 })).body.jobId);
    }
    await new ApiClient(apiUrl).submit({ type: 'echo', payload: {} });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${encodeURIComponent(cursor)}`;
      const page = await api.request<{ items: { jobId: string }[]; nextCursor: string | null }>('GET', `/jobs${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item) => item.jobId));
      cursor = page.body.nextCursor;
    } while (cursor !== null);

    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status and type', async () => {
    const api = new ApiClient(apiUrl);
    const delayed = await api.submit({ type: 'sleep', payload: { ms: 1 }, delaySeconds: 900 });
    const done = await api.submit({ type: 'echo', payload: {} });
    await api.waitFor(done.body.jobId, 'completed');

    const queued = await api.request<{ items: { jobId: string }[] }>('GET', '/jobs?status=queued');
    const echoes = await api.request<{ items: { jobId: string }[] }>('GET', '/jobs?type=echo');

    expect(queued.body.items.map((item) => item.jobId)).toEqual([delayed.body.jobId]);
    expect(echoes.body.items.map((item) => item.jobId)).toEqual([done.body.jobId]);
  });

  it.each([
    ['status=lost', 'status'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
  ])('answers 400 VALIDATION_FAILED for %s', async (query, path) => {
    const response = await new ApiClient(apiUrl).request<ErrorBody>('GET', `/jobs?${query}`);

    expect(response.status).toBe(400);
    expect(response.body.error.details?.map((detail) => detail.path)).toContain(path);
  });
});

describe('POST /jobs/{jobId}/cancel', () => {
  it('cancels a queued job, which then never runs, and answers 409 for a second cancel', async () => {
    const api = new ApiClient(apiUrl);
    const { body: job } = await api.submit({ type: 'echo', payload: {}, delaySeconds: 1 });

    const cancelled = await api.request<{ status: string }>('POST', `/jobs/${job.jobId}/cancel`);
    const again = await api.request<ErrorBody>('POST', `/jobs/${job.jobId}/cancel`);
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    expect(await api.get(job.jobId)).toMatchObject({ status: 'cancelled', attempts: 0 });
  });

  it("answers 409 CONFLICT for a completed job and 404 for another caller's job", async () => {
    const api = new ApiClient(apiUrl);
    const { body: job } = await api.submit({ type: 'echo', payload: {} });
    await api.waitFor(job.jobId, 'completed');

    expect((await api.request('POST', `/jobs/${job.jobId}/cancel`)).status).toBe(409);
    expect((await new ApiClient(apiUrl).request('POST', `/jobs/${job.jobId}/cancel`)).status).toBe(404);
  });
});

describe('GET /health and GET /stats', () => {
  it('reports ok while the table and the queue answer', async () => {
    const response = await new ApiClient(apiUrl).request('GET', '/health');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it("counts the caller's jobs per status next to the queue depths", async () => {
    const api = new ApiClient(apiUrl);
    await api.submit({ type: 'echo', payload: {}, delaySeconds: 900 });
    await api.submit({ type: 'echo', payload: {}, delaySeconds: 900 });
    const { body: third } = await api.submit({ type: 'echo', payload: {}, delaySeconds: 900 });
    await api.request('POST', `/jobs/${third.jobId}/cancel`);
    // Due in a day: scheduled until its one-time schedule fires.
    await api.submit({ type: 'echo', payload: {}, delaySeconds: 86_400 });

    // The counts follow the table's stream, a moment behind the jobs themselves.
    const expected = { scheduled: 1, waiting: 0, queued: 2, running: 0, retrying: 0, completed: 0, failed: 0, cancelled: 1 };
    const stats = await eventually('the counts to catch up', async () => {
      const response = await api.request<{ jobs: Record<string, number>; queued: number; inFlight: number; deadLettered: number }>(
        'GET',
        '/stats',
      );
      expect(response.status).toBe(200);
      return JSON.stringify(response.body.jobs) === JSON.stringify(expected) ? response : undefined;
    });

    expect(stats.body.jobs).toEqual(expected);
    expect(stats.body).toHaveProperty('inFlight');
    expect(stats.body).toHaveProperty('deadLettered');
  });
});

describe('the local gateway', () => {
  it('answers 404 for a path that is not a route, as API Gateway does', async () => {
    const response = await new ApiClient(apiUrl).request('GET', '/nope');

    expect(response.status).toBe(404);
  });
});
