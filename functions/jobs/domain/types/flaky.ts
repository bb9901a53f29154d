import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/**
 * Fails its first `failTimes` attempts with a retryable error, then completes: for tests,
 * demos and on-call drills of the retry path.
 */
export const flakyJob = defineJobType({
  name: 'flaky',
  description: 'Fails the first {failTimes} attempts with a retryable error, then completes.',
  payloadSchema: z.object({ failTimes: z.number().check(z.int(), z.minimum(0), z.maximum(100)) }),
  runtime: 'lambda',
  drill: true,
  timeoutSeconds: 5,
  retry: { baseSeconds: 1, capSeconds: 4 },
  run: async ({ failTimes }, { attempt }) => {
    if (attempt <= failTimes) {
      throw new Error(`flaky failure ${attempt} of ${failTimes}`);
    }
    return { succeededOnAttempt: attempt };
  },
});
