import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_PATTERN } from '../../../functions/jobs/adapters/job-lifecycle-events.ts';
import { rotatedSigningSecrets } from '../../../functions/jobs/domain/webhook-signature.ts';
import { matchesEventPattern } from '../../../local/services/event-pattern.ts';

const event = (detailType: string, detail: Record<string, unknown>) => ({ source: 'job-platform', 'detail-type': detailType, detail });

describe('the webhook rule, as the local bus matches it', () => {
  it.each(['Job Completed', 'Job Failed', 'Job Cancelled'])('sends %s of a job with a callbackUrl', (detailType) => {
    expect(matchesEventPattern(WEBHOOK_EVENT_PATTERN, event(detailType, { callbackUrl: 'https://x' }))).toBe(true);
  });

  it('sends no retrying event, no event of a job without callbackUrl, and nothing from another source', () => {
    expect(matchesEventPattern(WEBHOOK_EVENT_PATTERN, event('Job Retrying', { callbackUrl: 'https://x' }))).toBe(false);
    expect(matchesEventPattern(WEBHOOK_EVENT_PATTERN, event('Job Completed', {}))).toBe(false);
    expect(matchesEventPattern(WEBHOOK_EVENT_PATTERN, { ...event('Job Completed', { callbackUrl: 'https://x' }), source: 'other' })).toBe(
      false,
    );
  });

  it('refuses pattern operators it does not implement rather than matching them wrongly', () => {
    expect(() => matchesEventPattern({ detail: { n: [{ numeric: ['>', 1] } as never] } }, event('Job Completed', { n: 2 }))).toThrow(
      /Unsupported/,
    );
  });
});

describe('rotatedSigningSecrets', () => {
  it('makes the new key current and keeps the old current as previous, dropping the one before', () => {
    expect(rotatedSigningSecrets({ current: 'b', previous: 'a' }, 'c')).toEqual({ current: 'c', previous: 'b' });
  });
});
