import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/**
 * Returns the time its attempt started, at most 4 attempts a second across every worker: for
 * drills and tests of the `perSecond` limit (a stand-in for a rate-limited downstream API).
 */
export const pacedJob = defineJobType({
  name: 'paced',
  description: 'Completes with the time its attempt started; at most 4 attempts start per second (a rate-limit drill).',
  payloadSchema: z.object({}),
  runtime: 'lambda',
  drill: true,
  timeoutSeconds: 5,
  limits: { perSecond: 4 },
  run: async () => ({ startedAt: new Date().toISOString() }),
});
