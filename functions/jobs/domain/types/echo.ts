import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/** Returns its payload as the result: the smallest possible job. */
export const echoJob = defineJobType({
  name: 'echo',
  description: 'Completes with its payload as the result.',
  payloadSchema: z.record(z.string(), z.unknown()),
  runtime: 'lambda',
  timeoutSeconds: 5,
  run: async (payload) => payload,
});
