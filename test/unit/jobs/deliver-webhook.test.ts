import { describe, expect, it } from 'vitest';
import { deliverWebhook, type WebhookDeliveryDependencies, type WebhookMessage } from '../../../functions/jobs/deliver-webhook.ts';
import { WEBHOOK_RETRY_WINDOW_SECONDS } from '../../../functions/jobs/domain/webhook-delivery.ts';

const start = Date.parse('2026-06-01T00:00:00Z');

/** A lifecycle event as the webhook rule puts it on the deliveries queue. */
const eventBody = JSON.stringify({
  'detail-type': 'Job Completed',
  detail: { jobId: 'j1', status: 'completed', run: 1, owner: 'caller', callbackUrl: 'https://receiver.example/hook', result: 7 },
});

function harness(answer: number | string, now = start + 1000) {
  const calls = {
    posted: [] as { url: string; body: string; headers: Record<string, string> }[],
    recorded: [] as unknown[],
    hidden: [] as number[],
    deadLettered: [] as string[],
  };
  const dependencies: WebhookDeliveryDependencies = {
    secrets: async () => ({ current: 'k' }),
    post: async (url, body, headers) => {
      calls.posted.push({ url, body, headers: { ...headers } });
      return answer;
    },
    recordAttempt: async (ref, status) => calls.recorded.push({ ref, status }),
    queue: {
      hideFor: async (_receipt, seconds) => void calls.hidden.push(seconds),
      sendToDeadLetterQueue: async (_body, reason) => void calls.deadLettered.push(reason),
    },
    retry: { baseSeconds: 30, capSeconds: 3600 },
    now: () => now,
  };
  return { calls, dependencies };
}

const message = (overrides: Partial<WebhookMessage> = {}): WebhookMessage => ({
  body: eventBody,
  receiptHandle: 'r',
  receiveCount: 1,
  firstReceivedAt: start,
  ...overrides,
});

describe('deliverWebhook', () => {
  it('POSTs the job resource without owner or callbackUrl, signed, and counts the try', async () => {
    // Prepare
    const { calls, dependencies } = harness(200);

    // Act
    const outcome = await deliverWebhook(message(), dependencies);

    // Assess
    expect(outcome).toEqual({ kind: 'delivered', eventId: 'j1:completed:1', status: 200, tries: 1 });
    expect(JSON.parse(calls.posted[0]?.body ?? '')).toEqual({ jobId: 'j1', status: 'completed', run: 1, result: 7 });
    expect(calls.posted[0]?.headers['job-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(calls.recorded).toEqual([{ ref: { owner: 'caller', jobId: 'j1' }, status: 200 }]);
    expect(calls.hidden).toEqual([]);
  });

  it('hides a failed try for its backoff and keeps the message', async () => {
    // Prepare
    const { calls, dependencies } = harness('timeout');

    // Act
    const outcome = await deliverWebhook(message({ receiveCount: 2 }), dependencies);

    // Assess
    expect(outcome).toMatchObject({ kind: 'retrying', status: 'timeout' });
    expect(calls.hidden).toHaveLength(1);
    expect(calls.hidden[0]).toBeGreaterThanOrEqual(30);
    expect(calls.hidden[0]).toBeLessThanOrEqual(60);
    expect(calls.recorded).toEqual([{ ref: { owner: 'caller', jobId: 'j1' }, status: 'timeout' }]);
  });

  it('dead-letters a delivery still failing 24 h after its first try, naming the URL and the last answer', async () => {
    // Prepare
    const { calls, dependencies } = harness(503, start + WEBHOOK_RETRY_WINDOW_SECONDS * 1000);

    // Act
    const outcome = await deliverWebhook(message({ receiveCount: 31 }), dependencies);

    // Assess
    expect(outcome.kind).toBe('deadLettered');
    expect(calls.deadLettered).toEqual([
      expect.stringMatching(/^https:\/\/receiver\.example\/hook answered 503: not delivered within 24 h/),
    ]);
    expect(calls.hidden).toEqual([]);
  });

  it.each([
    ['not json', 'the message is not JSON'],
    ['{"detail-type":"Job Completed"}', 'the message is not a lifecycle event (no detail)'],
    ['{"detail":{"jobId":"j1","status":"completed","run":1}}', 'the event has no owner, jobId or callbackUrl'],
  ])('dead-letters %j without sending anything', async (body, reason) => {
    // Prepare
    const { calls, dependencies } = harness(200);

    // Act
    const outcome = await deliverWebhook(message({ body }), dependencies);

    // Assess
    expect(outcome).toEqual({ kind: 'deadLettered', reason });
    expect(calls.posted).toEqual([]);
    expect(calls.deadLettered).toEqual([reason]);
  });
});
