import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/**
 * Takes its whole worker down on its first `times` attempts, then completes: `exit` ends the
 * process, `block` spins the CPU past the worker's own timeout. For on-call drills of the
 * crash path (a lost attempt is counted when its lease runs out, and a message SQS
 * dead-letters on its own is reconciled to `failed`). Other jobs in the same batch are
 * re-delivered and run once, as their claims are idempotent.
 */
export const crashJob = defineJobType({
  name: 'crash',
  description: 'Crashes its worker (exit, or block past the timeout) on the first {times} attempts, then completes.',
  payloadSchema: z.object({
    mode: z.enum(['exit', 'block']),
    times: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(1000))),
  }),
  runtime: 'lambda',
  drill: true,
  timeoutSeconds: 1,
  run: async ({ mode, times }, { attempt }) => {
    if (times !== undefined && attempt > times) return { survivedAttempt: attempt };
    if (mode === 'exit') process.exit(1);
    // Synchronous on purpose: nothing can interrupt it but the platform's own timeout.
    for (;;) {
      /* spin */
    }
  },
});
