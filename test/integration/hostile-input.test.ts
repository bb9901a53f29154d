import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { MAX_BATCH_BODY_BYTES, MAX_BODY_BYTES } from '../../functions/api/http.ts';
import { MAX_PAYLOAD_DEPTH } from '../../functions/jobs/domain/submission.ts';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { openApiDocument } from '../../functions/api/openapi.ts';
import { API_ROUTES, parseRouteKey } from '../../functions/api/routes.ts';
import { OpenApiContract } from '../helpers/openapi-contract.ts';
import { ApiClient, type ApiResponse } from './support/api-client.ts';
import { expectSuccessOrSpecific4xx, listAllJobs } from './support/api-expectations.ts';

const { apiUrl } = inject('platform');

/** Every answer in this file is checked against the OpenAPI document (see the last test). */
const contract = new OpenApiContract();

/**
 * Property runs per property: enough to meet every shape of input the arbitraries make, few
 * enough that the file stays well under a minute against the local API.
 */
const RUNS = 60;

// Strings a caller can put in JSON: any code point, lone UTF-16 surrogates (JSON.stringify
// escapes them as \udXXX), control characters and the odd character that means something to
// a parser or a store ('#' separates key parts in the table, '%' starts URL escapes).
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const awkwardCharacter = fc.constantFrom('#', '%', '\u0000', '\n', '"', '\\', '/', '..', '\u202e', '\ufeff', '__proto__', 'constructor');
const hostileText = fc.string({
  unit: fc.oneof({ arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 }, loneSurrogate, awkwardCharacter),
  maxLength: 40,
});
const hostileJson = fc.jsonValue({
  maxDepth: 4,
  stringUnit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), loneSurrogate),
});

// Submissions that are close to valid: known types (crash and sleep left out: generated
// payloads of theirs would take down or hold up the shared workers), unknown types, payloads
// of any JSON shape, and limits inside and outside their ranges.
const submission = fc.record(
  {
    type: fc.oneof(fc.constantFrom('echo', 'flaky', 'email'), hostileText),
    payload: fc.oneof(
      hostileJson,
      fc.dictionary(hostileText, hostileJson, { maxKeys: 5 }),
      fc.record({ failTimes: fc.oneof(fc.integer({ min: 0, max: 2 }), hostileJson) }),
    ),
    maxAttempts: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), hostileJson),
    delaySeconds: fc.oneof(fc.integer({ min: -5, max: 1000 }), hostileJson),
    extra: hostileJson,
  },
  { requiredKeys: [] },
);

/** Header values fetch can send: printable ASCII and Latin-1, tabs included. */
const headerValue = fc.string({
  unit: fc.oneof(
    { arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), weight: 8 },
    fc.integer({ min: 0xa0, max: 0xff }).map((code) => String.fromCharCode(code)),
    fc.constant('\t'),
  ),
  maxLength: 140,
});

/** A body that nests `depth` objects, written by hand: JSON.stringify itself overflows past ~4,000 levels. */
function nestedBody(depth: number): string {
  return `{"type":"echo","payload":${'{"a":'.repeat(depth - 1)}1${'}'.repeat(depth - 1)}}`;
}

/** An echo submission whose JSON body is exactly `bytes` long (delayed, so the shared workers never run it). */
function bodyOfSize(bytes: number): string {
  const empty = JSON.stringify({ type: 'echo', payload: { blob: '' }, delaySeconds: 900 });
  return JSON.stringify({ type: 'echo', payload: { blob: 'x'.repeat(bytes - empty.length) }, delaySeconds: 900 });
}

/** Every UTF-8 byte as a %XX escape; unlike encodeURIComponent it takes lone surrogates too (as U+FFFD). */
function percentEncoded(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`).join('');
}

/** Records the jobs each answer accepted, so the listing can be checked against them afterwards. */
class AcceptedJobs {
  readonly ids = new Set<string>();

  note(response: ApiResponse<unknown>): void {
    if (response.status === 202 || response.status === 200) {
      const job = response.body as JobResource;
      expect(job.jobId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('location')).toBe(`/jobs/${job.jobId}`);
      this.ids.add(job.jobId);
    }
  }

  /** The caller's listing holds exactly the accepted jobs, each complete: nothing half-written. */
  async expectListedBy(api: ApiClient): Promise<void> {
    const listed = await listAllJobs(api);
    expect(new Set(listed.map((job) => job.jobId))).toEqual(this.ids);
    for (const job of listed) {
      expect(job).toMatchObject({ attempts: expect.any(Number), maxAttempts: expect.any(Number), createdAt: expect.any(String) });
      expect(typeof job.payload).toBe('object');
    }
  }
}

describe('POST /jobs with hostile bodies', () => {
  it('answers every near-valid submission with 202 or a specific 4xx, and lists exactly the accepted jobs', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const accepted = new AcceptedJobs();

    // Act
    await fc.assert(
      fc.asyncProperty(submission, async (body) => {
        const response = await api.submit(body);
        expectSuccessOrSpecific4xx(response, [202], `POST /jobs ${JSON.stringify(body).slice(0, 200)}`);
        accepted.note(response);
      }),
      { numRuns: RUNS * 3 },
    );

    // Assess
    await accepted.expectListedBy(api);
  });

  it('answers random JSON values and random text with a specific 4xx and accepts nothing', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const body = fc.oneof(
      hostileJson.map((value) => JSON.stringify(value)),
      hostileText,
      fc.string({ unit: 'binary' }),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const response = await api.request('POST', '/jobs', { body: text, headers: { 'content-type': 'application/json' } });
        expectSuccessOrSpecific4xx(response, [], `POST /jobs ${text.slice(0, 200)}`);
      }),
      { numRuns: RUNS * 2 },
    );

    // Assess
    expect(await listAllJobs(api)).toEqual([]);
  });

  it('answers random Content-Type values with 202 for JSON media types and 415 for the rest', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const accepted = new AcceptedJobs();
    const contentType = fc.oneof(
      headerValue,
      fc.constantFrom(
        'application/json',
        'APPLICATION/JSON; charset=utf-8',
        'application/problem+json',
        'text/json',
        'application/jsonx',
        '',
      ),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(contentType, async (value) => {
        const response = await api.request('POST', '/jobs', { body: '{"type":"echo","payload":{}}', headers: { 'content-type': value } });
        expectSuccessOrSpecific4xx(response, [202], `Content-Type ${JSON.stringify(value)}`);
        const mediaType = value.split(';')[0]?.trim().toLowerCase() ?? '';
        const json = mediaType === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mediaType);
        expect(response.status, `Content-Type ${JSON.stringify(value)}`).toBe(json ? 202 : 415);
        accepted.note(response);
      }),
      { numRuns: RUNS },
    );

    // Assess
    await accepted.expectListedBy(api);
  });

  it('answers random Idempotency-Key values with 202 for a valid key, 200 for its replay and 400 for the rest', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const accepted = new AcceptedJobs();
    const key = fc.oneof(headerValue, fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/));
    const valid = /^[A-Za-z0-9_.:-]{1,128}$/;
    // fetch trims a header value's surrounding blanks; an empty one reaches the API as no key.
    const sent = (value: string) => value.replace(/^[\t ]+|[\t ]+$/g, '');

    // Act
    await fc.assert(
      fc.asyncProperty(key, async (value) => {
        // The payload names the key as the API sees it: values that trim to one key are one request.
        const body = { type: 'echo', payload: { key: sent(value) } };
        const first = await api.submit(body, { 'idempotency-key': value });
        const again = await api.submit(body, { 'idempotency-key': value });
        const context = `Idempotency-Key ${JSON.stringify(value)}`;
        expectSuccessOrSpecific4xx(first, [202, 200], context);
        accepted.note(first);
        accepted.note(again);
        if (sent(value) === '') return;
        const expected = valid.test(sent(value)) ? [202, 200] : [400, 400];
        // A key generated twice in one run is a replay from the start.
        expect([first.status === 200 ? 202 : first.status, again.status], context).toEqual(expected);
        if (first.status !== 400) expect((again.body as JobResource).jobId).toBe((first.body as JobResource).jobId);
      }),
      { numRuns: RUNS },
    );

    // Assess
    await accepted.expectListedBy(api);
  });

  it.each([
    // The body is one level above its payload.
    ['at the limit', MAX_PAYLOAD_DEPTH + 1, 202],
    ['one level past the limit', MAX_PAYLOAD_DEPTH + 2, 400],
    ['5,000 levels deep', 5_000, 400],
    ['as deep as 256 KB allows', Math.floor((MAX_BODY_BYTES - 40) / 6), 400],
  ])('answers a body nested %s (%i levels) with %i and never overflows the stack', async (_, depth, status) => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const accepted = new AcceptedJobs();

    // Act
    const response = await api.request('POST', '/jobs', { body: nestedBody(depth), headers: { 'content-type': 'application/json' } });

    // Assess
    expect(response.status).toBe(status);
    expectSuccessOrSpecific4xx(response, [202], `depth ${depth}`);
    accepted.note(response);
    await accepted.expectListedBy(api);
  });

  it.each([
    ['one byte under 256 KB', MAX_BODY_BYTES - 1, 202],
    ['exactly 256 KB', MAX_BODY_BYTES, 202],
    ['one byte over 256 KB', MAX_BODY_BYTES + 1, 413],
    ['11 MB, past the gateway limit', 11 * 1024 * 1024, 413],
  ])('answers a body %s (%i bytes) with %i and stores it whole or not at all', async (_, bytes, status) => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const accepted = new AcceptedJobs();
    const body = bodyOfSize(bytes);

    // Act
    const response = await api.request('POST', '/jobs', { body, headers: { 'content-type': 'application/json' } });

    // Assess
    expect(response.status).toBe(status);
    expectSuccessOrSpecific4xx(response, [202], `${bytes} bytes`);
    accepted.note(response);
    await accepted.expectListedBy(api);
    if (status === 202) {
      const stored = await api.get((response.body as JobResource).jobId);
      expect(JSON.stringify(stored.payload).length).toBe(JSON.stringify((JSON.parse(body) as { payload: unknown }).payload).length);
    }
  });

  it.each([
    ['an empty JSON body', '', { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['an empty body without Content-Type', '', {}, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a JSON null', 'null', { 'content-type': 'application/json' }, 400, 'VALIDATION_FAILED'],
    ['a body with a byte-order mark', '\ufeff{"type":"echo","payload":{}}', { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['a UTF-16 body', Buffer.from('{"type":"echo","payload":{}}', 'utf16le'), { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { 'content-type': 'application/json' }, 400, 'INVALID_JSON'],
  ])('answers %s with %i %s', async (_, body, headers, status, code) => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);

    // Act
    const response = await api.request<{ error: { code: string } }>('POST', '/jobs', { body, headers });

    // Assess
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(await listAllJobs(api)).toEqual([]);
  });
});

describe('job ids and query parameters that are not what they should be', () => {
  it('answers random ids in GET /jobs/{jobId} and POST /jobs/{jobId}/cancel with a specific 4xx', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const { body: own } = await api.submit({ type: 'echo', payload: {}, delaySeconds: 900 });
    const id = fc.oneof(
      hostileText.filter((text) => text !== '').map(percentEncoded),
      fc.uuid().filter((uuid) => uuid !== own.jobId),
      fc.constantFrom(
        '%',
        '%E0%A4%A',
        '%ZZ',
        '..%2F..%2Fstats',
        'idempotency%23x',
        own.jobId.toUpperCase(),
        `${own.jobId}%00`,
        `%20${own.jobId}`,
      ),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(id, fc.boolean(), async (rawId, cancel) => {
        const response = cancel ? await api.request('POST', `/jobs/${rawId}/cancel`) : await api.request('GET', `/jobs/${rawId}`);
        expectSuccessOrSpecific4xx(response, [], `${cancel ? 'cancel' : 'get'} ${rawId}`);
      }),
      { numRuns: RUNS * 2 },
    );

    // Assess
    expect((await api.get(own.jobId)).status).toBe('queued');
    expect((await listAllJobs(api)).map((job) => job.jobId)).toEqual([own.jobId]);
  });

  it('answers random status, type, limit and cursor parameters of GET /jobs with 200 or 400', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const parameter = (values: fc.Arbitrary<string>) => fc.option(fc.oneof(values, hostileText), { nil: undefined });
    const query = fc.record({
      status: parameter(fc.constantFrom('queued', 'completed', 'QUEUED', '')),
      type: parameter(fc.constantFrom('echo', 'sleep')),
      limit: parameter(fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.constantFrom('1e2', '0x10', '10.5', 'NaN'))),
      cursor: parameter(
        fc.oneof(
          fc.base64String(),
          fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
        ),
      ),
    });

    // Act
    await fc.assert(
      fc.asyncProperty(query, async (parameters) => {
        const search = new URLSearchParams(Object.entries(parameters).filter((entry): entry is [string, string] => entry[1] !== undefined));
        const response = await api.request('GET', `/jobs?${search.toString()}`);
        expectSuccessOrSpecific4xx(response, [200], `GET /jobs?${search.toString()}`);
      }),
      { numRuns: RUNS * 2 },
    );

    // Assess
    expect(await listAllJobs(api)).toEqual([]);
  });
});

describe('authorization between callers', () => {
  it("never lets caller B read, list or cancel caller A's jobs", async () => {
    // Prepare
    const owner = new ApiClient(apiUrl, undefined, contract);
    const { body: job } = await owner.submit({ type: 'echo', payload: { secret: randomUUID() }, delaySeconds: 900 });
    const otherCaller = fc.oneof(
      hostileText,
      fc.constantFrom('local-user', owner.caller.toUpperCase(), `${owner.caller} `, `${owner.caller}/x`, '*'),
    );

    // Act
    await fc.assert(
      fc.asyncProperty(
        otherCaller.filter((caller) => caller.trim() !== owner.caller),
        async (caller) => {
          const other = new ApiClient(apiUrl, caller.replace(/[^\x20-\x7e]/g, '?'), contract);
          const read = await other.request('GET', `/jobs/${job.jobId}`);
          const cancel = await other.request('POST', `/jobs/${job.jobId}/cancel`);
          const list = await other.request<{ items: JobResource[] }>('GET', '/jobs?limit=100');
          const stats = await other.request<{ jobs: Record<string, number> }>('GET', '/stats');

          // Assess
          expect(read.status).toBe(404);
          expect(cancel.status).toBe(404);
          expect(list.status).toBe(200);
          expect(list.body.items.map((item) => item.jobId)).not.toContain(job.jobId);
          expect(JSON.stringify(read.body)).not.toContain(job.payload.secret as string);
          expect(stats.status).toBe(200);
        },
      ),
      { numRuns: RUNS / 2 },
    );

    // Assess
    expect(await owner.get(job.jobId)).toMatchObject({ status: 'queued', payload: job.payload });
    expect((await owner.request('POST', `/jobs/${job.jobId}/cancel`)).status).toBe(200);
  });
});

describe('hostile input tried by hand against the local API', () => {
  const json = { 'content-type': 'application/json' };

  it('refuses a body of invalid UTF-8 with 400 INVALID_JSON saying so, instead of replacing the bytes', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const body = Buffer.concat([Buffer.from('{"type":"echo","payload":{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}')]);

    // Act
    const response = await api.request<{ error: { code: string; message: string } }>('POST', '/jobs', { body, headers: json });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_JSON');
    expect(response.body.error.message).toMatch(/not valid UTF-8/);
    expect(await listAllJobs(api)).toEqual([]);
  });

  it('reports the bytes received in a 413, not the size they would decode to', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const body = Buffer.alloc(MAX_BODY_BYTES + 8_890, 0xff);

    // Act
    const response = await api.request<{ error: { code: string; message: string } }>('POST', '/jobs', { body, headers: json });

    // Assess
    expect(response.status).toBe(413);
    expect(response.body.error.message).toContain(`The body is ${body.byteLength} bytes`);
  });

  it('refuses an integer beyond 2^53 with 400 VALIDATION_FAILED naming the field, instead of storing it rounded', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const body = '{"type":"echo","payload":{"order":{"id":123456789012345678901234567890}},"delaySeconds":900}';

    // Act
    const response = await api.request<{ error: { code: string; details: { path: string }[] } }>('POST', '/jobs', { body, headers: json });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details.map((detail) => detail.path)).toEqual(['payload.order.id']);
    expect(await listAllJobs(api)).toEqual([]);
  });

  it('answers a 3,000-character caller id with 400 on every route before anything is sent', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, `caller-${randomUUID()}-${'x'.repeat(3_000)}`, contract);
    const json = { 'content-type': 'application/json' };
    const someId = randomUUID();

    // Act
    const answers = [
      await api.submit({ type: 'echo', payload: {} }),
      await api.request('POST', '/jobs/batch', { body: JSON.stringify({ jobs: [{ type: 'echo', payload: {} }] }), headers: json }),
      await api.request('GET', '/jobs'),
      await api.request('GET', `/jobs/${someId}`),
      await api.request('POST', `/jobs/${someId}/cancel`),
      await api.request('GET', '/stats'),
    ];

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(answers[0]?.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });
});

describe('POST /jobs/batch with hostile items', () => {
  it('answers every batch of near-valid items with one outcome per item, and lists exactly the accepted jobs', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const accepted = new AcceptedJobs();
    const item = fc.oneof(submission, fc.record({ type: fc.constant('echo'), payload: fc.constant({}), idempotencyKey: headerValue }));

    // Act
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 0, maxLength: 6 }), async (jobs) => {
        const response = await api.request<{ items: { index: number; status: number; job?: JobResource }[] }>('POST', '/jobs/batch', {
          body: JSON.stringify({ jobs }),
          headers: { 'content-type': 'application/json' },
        });
        expectSuccessOrSpecific4xx(response, [200], `POST /jobs/batch ${JSON.stringify(jobs).slice(0, 200)}`);
        if (response.status !== 200) return;
        expect(response.body.items.map((outcome) => outcome.index)).toEqual(jobs.map((_, index) => index));
        for (const outcome of response.body.items) {
          expect([200, 202, 400, 409, 413], JSON.stringify(outcome).slice(0, 300)).toContain(outcome.status);
          if (outcome.job !== undefined && outcome.status < 300) accepted.ids.add(outcome.job.jobId);
        }
      }),
      { numRuns: RUNS },
    );

    // Assess
    await accepted.expectListedBy(api);
  });

  it.each([
    ['without a JSON Content-Type', '{"jobs":[]}', {}, 415],
    ['that is not JSON', '{"jobs":[', { 'content-type': 'application/json' }, 400],
    [
      'over the batch limit',
      JSON.stringify({ jobs: [{ type: 'echo', payload: { blob: 'x'.repeat(MAX_BATCH_BODY_BYTES) } }] }),
      { 'content-type': 'application/json' },
      413,
    ],
  ])('answers a batch %s with %i and accepts nothing', async (_, body, headers, status) => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);

    // Act
    const response = await api.request('POST', '/jobs/batch', { body, headers });

    // Assess
    expect(response.status).toBe(status);
    expect(await listAllJobs(api)).toEqual([]);
  });
});

describe('answers the API documents besides the hostile ones', () => {
  it('answers health, stats, a reused Idempotency-Key and a second cancel as documented', async () => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const key = `key-${randomUUID()}`;
    const { body: job } = await api.submit({ type: 'echo', payload: { n: 1 }, delaySeconds: 900 }, { 'idempotency-key': key });

    // Act
    const health = await api.request('GET', '/health');
    const stats = await api.request('GET', '/stats');
    const reused = await api.submit({ type: 'echo', payload: { n: 2 } }, { 'idempotency-key': key });
    const cancelled = await api.request('POST', `/jobs/${job.jobId}/cancel`);
    const again = await api.request('POST', `/jobs/${job.jobId}/cancel`);

    // Assess
    expect([health.status, stats.status, reused.status, cancelled.status, again.status]).toEqual([200, 200, 409, 200, 409]);
  });
});

describe('schedule routes with hostile and ordinary requests', () => {
  it('answers every schedule route as the document says: 201, 200, 400, 404, 409 (a taken name, concurrent changes), 413 and 415', async () => {
    const api = new ApiClient(apiUrl, undefined, contract);
    const name = `contract-${randomUUID().slice(0, 8)}`;
    const send = (method: string, path: string, body: unknown, contentType = 'application/json') =>
      api.request(method, path, { headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const schedule = { name, expression: 'cron(0 4 * * ? *)', job: { type: 'echo', payload: {} } };
    // Changes sent at once: one that meets another between the API's read and write is refused.
    const concurrentChangeConflict = async (scheduleName: string): Promise<number> => {
      for (let round = 0; round < 20; round += 1) {
        const zones = ['UTC', 'Europe/Paris', 'Asia/Tokyo', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney'];
        const statuses = await Promise.all(
          zones.map(async (timezone) => (await send('PATCH', `/schedules/${scheduleName}`, { timezone })).status),
        );
        expect(statuses.filter((status) => status !== 200 && status !== 409)).toEqual([]);
        if (statuses.includes(409)) return 409;
      }
      return 200;
    };
    const answers = [
      (await send('POST', '/schedules', schedule)).status,
      (await send('POST', '/schedules', schedule)).status,
      (await send('POST', '/schedules', { ...schedule, expression: 'rate(1 minutes)' })).status,
      (await send('POST', '/schedules', 'x'.repeat(300 * 1024))).status,
      (await send('POST', '/schedules', schedule, 'text/plain')).status,
      (await api.request('GET', '/schedules')).status,
      (await api.request('GET', '/schedules?limit=0')).status,
      (await api.request('GET', `/schedules/${name}`)).status,
      (await api.request('GET', '/schedules/nope')).status,
      (await send('PATCH', `/schedules/${name}`, { enabled: false })).status,
      (await send('PATCH', `/schedules/${name}`, {})).status,
      (await send('PATCH', `/schedules/${name}`, '{'.repeat(10))).status,
      (await send('PATCH', `/schedules/${name}`, 'x'.repeat(300 * 1024))).status,
      (await send('PATCH', `/schedules/${name}`, { enabled: true }, 'text/plain')).status,
      (await send('PATCH', '/schedules/nope', { enabled: true })).status,
      await concurrentChangeConflict(name),
      (await api.request('DELETE', `/schedules/${name}`)).status,
      (await api.request('DELETE', `/schedules/${name}`)).status,
    ];
    // A caller identity over 1,024 bytes is refused on every route.
    const longCaller = new ApiClient(apiUrl, 'c'.repeat(1_100), contract);
    answers.push(
      (await longCaller.request('GET', `/schedules/${name}`)).status,
      (await longCaller.request('DELETE', `/schedules/${name}`)).status,
    );
    expect(answers).toEqual([201, 409, 400, 413, 415, 200, 400, 200, 404, 200, 400, 400, 413, 415, 404, 409, 200, 404, 400, 400]);
  });
});

describe('signatures the gateway refuses', () => {
  it.each([
    ['a bearer token', 'Bearer eyJhbGciOi'],
    [
      'a signature for another service',
      `AWS4-HMAC-SHA256 Credential=AKID/20261202/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=${'a'.repeat(64)}`,
    ],
    [
      'a truncated signature',
      'AWS4-HMAC-SHA256 Credential=AKID/20261202/eu-west-1/execute-api/aws4_request, SignedHeaders=host, Signature=abc',
    ],
  ])('answers 403 on every route to %s, before any function runs', async (_what, authorization) => {
    // Prepare
    const api = new ApiClient(apiUrl, undefined, contract);
    const before = await api.request<{ items: unknown[] }>('GET', '/jobs?limit=100');

    // Act
    const answers = await Promise.all(
      API_ROUTES.map(async (routeKey) => {
        const { method, path } = parseRouteKey(routeKey);
        const concrete = path.replace('{jobId}', 'job-1').replace('{name}', 'nightly');
        const body = method === 'POST' || method === 'PATCH' ? JSON.stringify({ type: 'echo', payload: {} }) : undefined;
        const response = await api.request(method, concrete, {
          headers: { authorization, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body }),
        });
        return response.status;
      }),
    );

    // Assess
    expect(answers).toEqual(API_ROUTES.map(() => 403));
    expect((await api.request<{ items: unknown[] }>('GET', '/jobs?limit=100')).body.items).toHaveLength(before.body.items.length);
  });
});

describe('the OpenAPI contract', () => {
  it('is served at GET /openapi.json, with the drill types this environment accepts', async () => {
    // Act
    const response = await fetch(`${apiUrl}/openapi.json`);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(openApiDocument({ drillJobTypes: true }));
  });

  it('allowed every answer above, and the answers covered every status the document gives each route', () => {
    expect(contract.violations).toEqual([]);
    // 500 and 503 are provoked in unit tests: the handler's in test/unit/api/openapi.test.ts, where the
    // table and queue can fail, API Gateway's 500 in test/unit/local/api-gateway-failures.test.ts.
    expect(contract.unseen(new Set([500, 503]))).toEqual([]);
  });
});
