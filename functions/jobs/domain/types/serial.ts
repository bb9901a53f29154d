import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/**
 * Waits `ms` milliseconds with at most 2 attempts running at once across every worker: for
 * drills and tests of the `maxConcurrency` limit (a stand-in for a downstream that takes two
 * connections).
 */
export const serialJob = defineJobType({
  name: 'serial',
  description: 'Waits {ms} milliseconds; at most 2 run at once (a concurrency-limit drill).',
  payloadSchema: z.object({ ms: z.number().check(z.int(), z.minimum(0), z.maximum(5_000)) }),
  runtime: 'lambda',
  drill: true,
  timeoutSeconds: 10,
  limits: { maxConcurrency: 2 },
  run: async ({ ms }, { signal }) => {
    await sleep(ms, undefined, { signal });
    return { sleptMs: ms };
  },
});
