import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiRouteKey } from '../../../functions/api/routes.ts';
import { parseSubmission } from '../../../functions/jobs/domain/submission.ts';
import { CLIENT_TYPES_FILE, clientTypesText, OPENAPI_FILE, openApiFileText } from '../../../local/write-openapi.ts';
import { apiEventFactory } from '../../helpers/api-event-factory.ts';
import { apiContext, loadApiHandler } from '../../helpers/api-handler.ts';
import { OpenApiContract } from '../../helpers/openapi-contract.ts';

describe('the OpenAPI document', () => {
  it('passes the Redocly recommended rules with no error or warning', async () => {
    // Prepare
    const config = await createConfig({ extends: ['recommended'] });

    // Act
    const problems = await lintFromString({ source: openApiFileText(), absoluteRef: OPENAPI_FILE, config });

    // Assess
    expect(problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message}`)).toEqual([]);
  });

  it('is committed as `npm run openapi` writes it, with the client types generated from it', async () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8'), 'openapi.json is stale: run npm run openapi').toBe(openApiFileText());
    expect(readFileSync(CLIENT_TYPES_FILE, 'utf8'), 'the client types are stale: run npm run openapi').toBe(await clientTypesText());
  });

  it('renders with `npm run docs` as one HTML page that loads no script or style from elsewhere', () => {
    // Act
    const run = spawnSync('npm', ['run', '-s', 'docs'], { encoding: 'utf8' });

    // Assess
    expect(run.status, run.stderr).toBe(0);
    const html = readFileSync('docs/api.html', 'utf8');
    expect(html).toContain('submitJobs');
    expect(html.match(/<(?:script|link)\b[^>]*\b(?:src|href)="https?:\/\/[^"]*"/g) ?? []).toEqual([]);
  });

  it('accepts and refuses the submissions the API accepts and refuses', () => {
    // Prepare
    const contract = new OpenApiContract();
    const submissions: unknown[] = [
      { type: 'echo', payload: { hello: 'world' } },
      { type: 'email', payload: { to: 'a@example.com', subject: 'Hi', body: 'Hello' }, maxAttempts: 3, delaySeconds: 10 },
      { type: 'email', payload: { to: 'not an address', subject: 'Hi', body: 'Hello' } },
      { type: 'email', payload: { to: 'a@example.com', subject: '', body: 'Hello' } },
      { type: 'echo', payload: {}, maxAttempts: 0 },
      { type: 'echo', payload: {}, delaySeconds: 901 },
      { type: 'echo', payload: {}, extra: true },
      { type: 'sleep', payload: { ms: 50 } },
      { type: 'nope', payload: {} },
      { type: 'echo' },
    ];

    // Act
    const verdicts = submissions.map((body) => {
      let api = true;
      try {
        parseSubmission(body);
      } catch {
        api = false;
      }
      return { body, api, document: contract.acceptsRequest('POST /jobs', body) };
    });

    // Assess
    expect(verdicts.filter(({ api, document }) => api !== document)).toEqual([]);
    expect(verdicts.filter(({ api }) => api).length).toBeGreaterThanOrEqual(2);
  });
});

/** A dependency error of each kind the handler maps: a retry can fix it (503), or it cannot (500). */
const FAILURES = {
  503: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
  500: Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } }),
};

/** A request of each route that reaches the table or the queue. */
const REQUESTS: { routeKey: ApiRouteKey; body?: unknown; pathParameters?: Record<string, string> }[] = [
  { routeKey: 'POST /jobs', body: { type: 'echo', payload: {} } },
  { routeKey: 'POST /jobs/batch', body: { jobs: [{ type: 'echo', payload: {} }] } },
  { routeKey: 'GET /jobs' },
  { routeKey: 'GET /jobs/{jobId}', pathParameters: { jobId: '0190a1b2-0000-7000-8000-000000000000' } },
  { routeKey: 'POST /jobs/{jobId}/cancel', pathParameters: { jobId: '0190a1b2-0000-7000-8000-000000000000' } },
  { routeKey: 'GET /health' },
  { routeKey: 'GET /stats' },
];

describe('the API handler when its table and queue fail', () => {
  const documents = mockClient(DynamoDBDocumentClient);
  const dynamodb = mockClient(DynamoDBClient);
  const sqs = mockClient(SQSClient);
  let main: Awaited<ReturnType<typeof loadApiHandler>>;
  const contract = new OpenApiContract();

  beforeAll(async () => {
    main = await loadApiHandler();
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    documents.restore();
    dynamodb.restore();
    sqs.restore();
  });

  it.each(Object.entries(FAILURES))('answers every route as the document says when a dependency fails with %s', async (expected, error) => {
    // Prepare
    documents.reset().onAnyCommand().rejects(error);
    dynamodb.reset().onAnyCommand().rejects(error);
    sqs.reset().onAnyCommand().rejects(error);
    const checks = [];

    // Act
    for (const request of REQUESTS) {
      const result = await main(apiEventFactory(request), apiContext);
      const headers = new Headers(result.headers as Record<string, string>);
      checks.push({ ...contract.check(request.routeKey, result.statusCode, headers, result.body ?? ''), body: result.body });
    }

    // Assess
    expect(checks.filter((check) => check.problems.length > 0)).toEqual([]);
    const statuses = Object.fromEntries(checks.map((check) => [check.routeKey, check.status]));
    // A batch answers each job in its slot; the health check answers 503 whatever failed.
    const whole = Number(expected);
    expect(statuses).toEqual({
      'POST /jobs': whole,
      'POST /jobs/batch': 200,
      'GET /jobs': whole,
      'GET /jobs/{jobId}': whole,
      'POST /jobs/{jobId}/cancel': whole,
      'GET /health': 503,
      'GET /stats': whole,
    });
    const slot = JSON.parse(checks.find((check) => check.routeKey === 'POST /jobs/batch')?.body ?? '{}') as { items: { status: number }[] };
    expect(slot.items.map((item) => item.status)).toEqual([whole]);
  });
});
