import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiEventFactory } from '../../helpers/api-event-factory.ts';
import { apiContext, loadApiHandler } from '../../helpers/api-handler.ts';

// Fakes that record calls: the caller check must answer before any of them is used.
const documents = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

let main: Awaited<ReturnType<typeof loadApiHandler>>;

describe('API handler with an over-long caller', () => {
  beforeAll(async () => {
    main = await loadApiHandler();
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
    const result = await main(event, apiContext);

    // Assess
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    expect(sqs.calls()).toHaveLength(0);
    expect(documents.calls()).toHaveLength(0);
  });
});
