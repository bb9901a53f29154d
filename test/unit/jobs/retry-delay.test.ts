import { describe, expect, it } from 'vitest';
import { MAX_VISIBILITY_SECONDS, retryDelay, type RetryPolicy } from '../../../functions/jobs/domain/retry-delay.ts';

const policy: RetryPolicy = { maxAttempts: 10, baseSeconds: 2, capSeconds: 60 };
/** Draws from the low end, the middle and the high end of Math.random's [0, 1). */
const draws = [0, 0.5, 0.999_999];

describe('retryDelay', () => {
  it.each([
    // attempt n, min(cap, base * 2^(n-1))
    [1, 2],
    [2, 4],
    [3, 8],
    [4, 16],
    [5, 32],
    [6, 60],
    [10, 60],
  ])('waits between half and all of %i -> %i seconds', (attempt, ceiling) => {
    for (const draw of draws) {
      // Act
      const delay = retryDelay(attempt, policy, () => draw);

      // Assess
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('spreads the delay with jitter: the lowest draw gives half, the highest the full delay', () => {
    // Act
    const lowest = retryDelay(4, policy, () => 0);
    const highest = retryDelay(4, policy, () => 0.999_999);

    // Assess
    expect(lowest).toBe(8);
    expect(highest).toBe(16);
  });

  it.each(draws)('never waits less than 1 second (draw %d)', (draw) => {
    // Act
    const delay = retryDelay(1, { baseSeconds: 1, capSeconds: 1 }, () => draw);

    // Assess
    expect(delay).toBe(1);
  });

  it('treats attempt 0 like attempt 1', () => {
    // Act
    const delay = retryDelay(0, policy, () => 0.999_999);

    // Assess
    expect(delay).toBe(2);
  });

  it.each([
    ['the policy cap', { maxAttempts: 10, baseSeconds: 5, capSeconds: 900 }, 900],
    ['the 12-hour SQS visibility limit', { maxAttempts: 10, baseSeconds: 900, capSeconds: 100_000 }, MAX_VISIBILITY_SECONDS],
  ])('never waits longer than %s, however many attempts failed', (_, cappedPolicy, limit) => {
    for (const attempt of [10, 30, 100]) {
      for (const draw of draws) {
        // Act
        const delay = retryDelay(attempt, cappedPolicy, () => draw);

        // Assess
        expect(delay).toBeLessThanOrEqual(limit);
        expect(delay).toBeGreaterThanOrEqual(limit / 2);
      }
    }
  });

  it('stays within bounds with the real random source', () => {
    for (let round = 0; round < 200; round += 1) {
      // Act
      const delay = retryDelay(5, policy);

      // Assess
      expect(delay).toBeGreaterThanOrEqual(16);
      expect(delay).toBeLessThanOrEqual(32);
    }
  });
});
