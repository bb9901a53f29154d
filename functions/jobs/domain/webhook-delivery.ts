import { retryDelay, type RetryPolicy } from './retry-delay.ts';

/** A delivery is retried for 24 hours after its event (SPEC §11), then dead-lettered. */
export const WEBHOOK_RETRY_WINDOW_SECONDS = 24 * 3600;

/** The backoff between tries of one delivery. */
export type WebhookRetryPolicy = Pick<RetryPolicy, 'baseSeconds' | 'capSeconds'>;

/** What one try got back: an HTTP status, or why no answer came. */
export type WebhookAnswer = { readonly delivered: boolean; readonly status: number | string };

/** 2xx is delivered; a redirect, any other status, a timeout or a network error is tried again. */
export function isDelivered(status: number | string): boolean {
  return typeof status === 'number' && status >= 200 && status < 300;
}

export type WebhookRetryDecision =
  { readonly kind: 'retry'; readonly delaySeconds: number } | { readonly kind: 'giveUp'; readonly reason: string };

/**
 * What to do after try `tries` failed: wait `retryDelay(tries)` (the job retries' backoff) and
 * try again, the last try falling at the end of the window; give up once the window is over.
 * The window opens at the event, or at a redrive from the DLQ, which sends the message anew
 * (`windowStart` is the later of the two), so a redriven delivery gets its 24 hours again.
 */
export function decideWebhookRetry(
  tries: number,
  windowStart: number,
  now: number,
  policy: WebhookRetryPolicy,
  random: () => number = Math.random,
): WebhookRetryDecision {
  const leftSeconds = Math.floor((windowStart + WEBHOOK_RETRY_WINDOW_SECONDS * 1000 - now) / 1000);
  if (leftSeconds <= 0) return { kind: 'giveUp', reason: `not delivered within ${WEBHOOK_RETRY_WINDOW_SECONDS / 3600} h (${tries} tries)` };
  return { kind: 'retry', delaySeconds: Math.min(retryDelay(tries, policy, random), leftSeconds) };
}

/** The deliveries' queues, in AWS and locally alike (lib/constructs/job-webhooks.ts, local/provision.ts). */
export interface WebhookQueueSettings {
  /** Six times the deliverer's timeout, as AWS advises for a Lambda event source. */
  readonly visibilityTimeoutSeconds: number;
  /** Four days: the 24 h of tries, a last backoff of up to 12 h, and room for an outage of the deliverer. */
  readonly retentionSeconds: number;
  readonly deadLetterRetentionSeconds: number;
  /** Receives before SQS dead-letters a delivery itself: only one that crashes the deliverer each time gets there. */
  readonly maxReceiveCount: number;
}

export function webhookQueueSettings(delivererTimeoutSeconds: number): WebhookQueueSettings {
  return {
    visibilityTimeoutSeconds: 6 * delivererTimeoutSeconds,
    retentionSeconds: 4 * 24 * 3600,
    deadLetterRetentionSeconds: 14 * 24 * 3600,
    maxReceiveCount: 100,
  };
}
