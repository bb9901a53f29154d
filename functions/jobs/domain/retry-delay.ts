/** How a job type retries: attempts allowed and the exponential backoff between them. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseSeconds: number;
  readonly capSeconds: number;
}

/** SQS caps a visibility timeout at 12 hours (ChangeMessageVisibility, SQS API reference). */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Seconds to wait before attempt `failedAttempt + 1`: min(cap, base * 2^(n-1)) with "equal
 * jitter" — half fixed, half random — so retries spread out but never collapse to zero.
 */
export function retryDelay(
  failedAttempt: number,
  policy: Pick<RetryPolicy, 'baseSeconds' | 'capSeconds'>,
  random: () => number = Math.random,
): number {
  const exponential = policy.baseSeconds * 2 ** Math.max(0, failedAttempt - 1);
  const ceiling = Math.min(policy.capSeconds, exponential, MAX_VISIBILITY_SECONDS);
  const half = ceiling / 2;
  return Math.max(1, Math.ceil(half + random() * half));
}
