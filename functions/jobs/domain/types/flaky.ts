import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/**
 * Fails its first `failTimes` attempts with a retryable error, then completes: for tests,
 * demos and on-call drills of the retry path.
 */
export const flakyJob = defineJobType({
  name: 'flaky',
  description: 'Fails the first {failTimes} attempts with a retryable error, then completes.',
  payloadSchema: z.object({
    failTimes: z.number().check(z.int(), z.minimum(0), z.maximum(100)),
    /** Pads each error message to this many bytes, for drills of oversized errors. */
    errorBytes: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(1_000_000))),
  }),
  runtime: 'lambda',
  drill: true,
  timeoutSeconds: 5,
  retry: { baseSeconds: 1, capSeconds: 2 },
  run: async ({ failTimes, errorBytes }, { attempt }) => {
    if (attempt <= failTimes) {
      const message = `flaky failure ${attempt} of ${failTimes}`;
      throw new Error(errorBytes === undefined ? message : `${message} `.padEnd(errorBytes, 'x'));
    }
    return { succeededOnAttempt: attempt };
  },
});
