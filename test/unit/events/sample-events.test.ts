/// <reference types="vite/client" />
import { createHash } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { callerOf, jsonBody, type ApiEvent } from '../../../functions/api/http.ts';
import { API_ROUTES, parseRouteKey, type ApiRouteKey } from '../../../functions/api/routes.ts';
import { ValidationError } from '../../../functions/jobs/domain/errors.ts';
import { parseJobMessage } from '../../../functions/jobs/domain/job-message.ts';
import { findJobType } from '../../../functions/jobs/domain/registry.ts';
import { parseSubmission } from '../../../functions/jobs/domain/submission.ts';

// The sample events under events/ are run against the handlers by `npm run invoke`; these
// tests keep them valid as the handlers change.
const apiEvents = import.meta.glob<ApiEvent>('../../../events/api/*.json', { eager: true, import: 'default' });
const sqsEvents = import.meta.glob<SQSEvent>('../../../events/sqs/*.json', { eager: true, import: 'default' });

const fileName = (path: string): string => path.split('/').at(-1) ?? path;
const apiEvent = (name: string): ApiEvent => {
  const event = Object.entries(apiEvents).find(([path]) => fileName(path) === name)?.[1];
  if (event === undefined) throw new Error(`events/api/${name} is missing`);
  return event;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const apiTable = Object.entries(apiEvents).map(([path, event]) => [fileName(path), event] as const);
const sqsRecords = Object.entries(sqsEvents).flatMap(([path, event]) =>
  event.Records.map((record, index) => [`${fileName(path)} record ${index + 1}`, record] as const),
);

describe('sample API events', () => {
  it('cover every route', () => {
    // Act
    const routes = new Set(Object.values(apiEvents).map((event) => event.routeKey));

    // Assess
    expect([...routes].sort()).toEqual([...API_ROUTES].sort());
  });

  it.each(apiTable)('%s is an HTTP API 2.0 event of a known route from the local caller', (_, event) => {
    // Prepare
    const { method, path } = parseRouteKey(event.routeKey as ApiRouteKey);
    const rawPath = path.replace(/\{(\w+)\}/g, (__, name: string) => event.pathParameters?.[name] ?? '');

    // Assess
    expect(event.version).toBe('2.0');
    expect(API_ROUTES).toContain(event.routeKey);
    expect(event.requestContext.routeKey).toBe(event.routeKey);
    expect(event.requestContext.http.method).toBe(method);
    expect(event.rawPath).toBe(rawPath);
    expect(event.requestContext.http.path).toBe(rawPath);
    expect(callerOf(event)).toBe('arn:aws:iam::000000000000:user/local-user');
    for (const name of Object.keys(event.headers)) expect(name).toBe(name.toLowerCase());
  });

  it.each(apiTable.filter(([, event]) => event.pathParameters?.jobId !== undefined))('%s names a job by UUID', (_, event) => {
    // Assess
    expect(event.pathParameters?.jobId).toMatch(UUID);
  });

  it.each(['submit-echo.json', 'submit-flaky.json', 'submit-email.json'])('%s carries a valid submission', (name) => {
    // Act
    // The samples run against the local platform, which allows drill types like dev.
    const submission = parseSubmission(jsonBody(apiEvent(name)), { drillJobTypes: true });

    // Assess
    expect(name).toContain(submission.type);
  });

  it('submit-invalid.json is JSON that fails validation on several fields', () => {
    // Prepare
    const body = jsonBody(apiEvent('submit-invalid.json'));

    // Act
    const parse = () => parseSubmission(body);

    // Assess
    expect(parse).toThrow(ValidationError);
    try {
      parse();
    } catch (error) {
      expect((error as ValidationError).details?.length).toBeGreaterThan(1);
    }
  });

  it('list-jobs.json passes its query both raw and parsed', () => {
    // Prepare
    const event = apiEvent('list-jobs.json');

    // Act
    const parsed = Object.fromEntries(new URLSearchParams(event.rawQueryString));

    // Assess
    expect(parsed).toEqual(event.queryStringParameters);
  });
});

describe('sample SQS events', () => {
  it('include an echo batch of several records and a flaky job', () => {
    // Act
    const names = Object.keys(sqsEvents).map(fileName).sort();

    // Assess
    expect(names).toEqual(expect.arrayContaining(['echo-batch.json', 'flaky.json']));
    expect(Object.entries(sqsEvents).find(([path]) => fileName(path) === 'echo-batch.json')?.[1].Records.length).toBeGreaterThan(1);
  });

  it.each(sqsRecords)('%s is a job message of a registered type as the event source mapping delivers it', (_, record) => {
    // Act
    const message = parseJobMessage(record.body);

    // Assess
    expect(message.jobId).toMatch(UUID);
    expect(findJobType(message.type)).toBeDefined();
    expect(record.eventSource).toBe('aws:sqs');
    expect(record.attributes.SentTimestamp).toMatch(/^\d{13}$/);
    expect(Number(record.attributes.ApproximateReceiveCount)).toBeGreaterThanOrEqual(1);
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(record.attributes.SentTimestamp));
    expect(record.md5OfBody).toBe(createHash('md5').update(record.body).digest('hex'));
  });

  it('uses each message id once', () => {
    // Act
    const ids = sqsRecords.map(([, record]) => record.messageId);

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
  });
});
