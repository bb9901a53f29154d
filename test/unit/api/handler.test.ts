import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiEventFactory } from '../../helpers/api-event-factory.ts';

// Fakes that record calls: the caller check must answer before any of them is used.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const context = { functionName: 'jobs-test-api', awsRequestId: 'request-1' } as Context;
let main: (typeof import('../../../functions/api/handler.ts'))['main'];

describe('API handler with an over-long caller', () => {
  beforeAll(async () => {
    for (const [name, value] of Object.entries({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      TABLE_NAME: 'jobs-test-jobs',
      QUEUE_URL: 'https://sqs.test/jobs',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.test/jobs-dlq',
      RETRY_MAX_ATTEMPTS: '3',
      RETRY_BASE_SECONDS: '2',
      RETRY_CAP_SECONDS: '60',
      JOB_RETENTION_DAYS: '15',
    })) {
      vi.stubEnv(name, value);
    }
    ({ main } = await import('../../../functions/api/handler.ts'));
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  beforeEach(() => {
    documents.reset();
    sqs.reset();
  });

  it('answers a 3,000-character principal with 400 before any message or write is sent', async () => {
    // Prepare
    const event = apiEventFactory({
      routeKey: 'POST /jobs',
      body: { type: 'echo', payload: {} },
      caller: `arn:aws:iam::123456789012:user/${'x'.repeat(3_000)}`,
    });

    // Act
    const result = await main(event, context);

    // Assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(sqs.calls()).toHaveLength(0);
    expect(documents.calls()).toHaveLength(0);
  });
});
