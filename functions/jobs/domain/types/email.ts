import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/** Sends one e-mail: through SES in AWS, into the local outbox under `npm start`. */
export const emailJob = defineJobType({
  name: 'email',
  description: 'Sends {to, subject, body} (SES in AWS, a local outbox directory locally).',
  payloadSchema: z.object({
    to: z.email(),
    subject: z.string().check(z.minLength(1), z.maxLength(998)),
    body: z.string().check(z.minLength(1), z.maxLength(100_000)),
  }),
  runtime: 'lambda',
  timeoutSeconds: 10,
  // No rate limit by default: SES's maximum send rate depends on the account (it starts at 14
  // a second out of the sandbox), and a throttled send is retried. To hold e-mail to the
  // account's quota, declare it: `limits: { perSecond: 14 }` (README, "Per-type limits").
  // The jobId is the idempotency key, so a retried attempt never sends a second copy.
  run: async (message, { jobId, signal, services }) => services.sendEmail(message, jobId, signal),
});
