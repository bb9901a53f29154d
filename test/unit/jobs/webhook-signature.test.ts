import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideWebhookRetry, isDelivered, WEBHOOK_RETRY_WINDOW_SECONDS } from '../../../functions/jobs/domain/webhook-delivery.ts';
import { parseSigningSecrets, signatureHeader, webhookEventId } from '../../../functions/jobs/domain/webhook-signature.ts';

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

describe('signatureHeader', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 of the current secret', () => {
    // Act
    const header = signatureHeader('{"a":1}', { current: 'k1' }, 1_700_000_000);

    // Assess
    expect(header).toBe(`t=1700000000,v1=${hmac('k1', '1700000000.{"a":1}')}`);
  });

  it('carries a second v1 for the previous secret during a rotation, the current one first', () => {
    // Act
    const header = signatureHeader('body', { current: 'new', previous: 'old' }, 42);

    // Assess
    expect(header).toBe(`t=42,v1=${hmac('new', '42.body')},v1=${hmac('old', '42.body')}`);
  });

  it('names one event the same on every try: job, status and run', () => {
    expect(webhookEventId({ jobId: 'j1', status: 'completed', run: 2 })).toBe('j1:completed:2');
  });

  it.each(['not json', '{}', '{"current":""}', '{"current":"a","previous":3}'])('refuses the secret value %j', (value) => {
    expect(() => parseSigningSecrets(value)).toThrow(/webhook signing secret is invalid/);
  });

  it('drops a previous key equal to the current one', () => {
    expect(parseSigningSecrets('{"current":"a","previous":"a"}')).toEqual({ current: 'a' });
  });
});

describe('decideWebhookRetry', () => {
  const policy = { baseSeconds: 30, capSeconds: 3600 };
  const start = Date.parse('2026-01-01T00:00:00Z');

  it('backs off exponentially from the base, up to the cap', () => {
    // Act
    const first = decideWebhookRetry(1, start, start + 1000, policy, () => 0.999_999);
    const late = decideWebhookRetry(12, start, start + 3600_000, policy, () => 0.999_999);

    // Assess
    expect(first).toEqual({ kind: 'retry', delaySeconds: 30 });
    expect(late).toEqual({ kind: 'retry', delaySeconds: 3600 });
  });

  it('makes the last try fall at the end of the 24 hours', () => {
    // Act
    const decision = decideWebhookRetry(20, start, start + (WEBHOOK_RETRY_WINDOW_SECONDS - 100) * 1000, policy, () => 0.5);

    // Assess
    expect(decision).toEqual({ kind: 'retry', delaySeconds: 100 });
  });

  it('gives up once 24 hours have passed since the event', () => {
    // Act
    const decision = decideWebhookRetry(31, start, start + WEBHOOK_RETRY_WINDOW_SECONDS * 1000, policy);

    // Assess
    expect(decision.kind).toBe('giveUp');
  });

  it.each([
    [200, true],
    [204, true],
    [301, false],
    [500, false],
    ['timeout', false],
  ] as const)('counts %j as delivered: %s', (status, delivered) => {
    expect(isDelivered(status)).toBe(delivered);
  });
});
