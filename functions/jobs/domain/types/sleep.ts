import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/** Waits `ms` milliseconds; stands in for I/O-bound work in load tests. */
export const sleepJob = defineJobType({
  name: 'sleep',
  description: 'Waits {ms} milliseconds, then completes.',
  // At most 20 s, so every sleep fits its 25 s attempt timeout.
  payloadSchema: z.object({ ms: z.number().check(z.int(), z.minimum(0), z.maximum(20_000)) }),
  runtime: 'lambda',
  timeoutSeconds: 25,
  run: async ({ ms }, { signal }) => {
    await sleep(ms, undefined, { signal });
    return { sleptMs: ms };
  },
});
