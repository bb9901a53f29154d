/**
 * Submits an e-mail job and waits for it: `npx tsx clients/typescript/examples/submit-and-wait.ts`
 * against `npm start`, or with JOBS_API_URL and AWS_REGION set against a deployed environment.
 */
import { JobsClient, ValidationFailedError } from '../src/index.ts';

const region = process.env.AWS_REGION;
const client = new JobsClient({
  baseUrl: process.env.JOBS_API_URL ?? 'http://127.0.0.1:3000',
  // Deployed: requests are signed with the default credential chain. Locally: a caller header.
  ...(process.env.JOBS_API_URL !== undefined && region !== undefined ? { region } : { caller: 'example' }),
});

try {
  const job = await client.submit('email', { to: 'someone@example.com', subject: 'Hello', body: 'Sent by the job platform.' });
  console.log(`submitted ${job.jobId}`);
  const finished = await client.waitFor(job.jobId, { timeoutMs: 30_000 });
  console.log(`${finished.status} after ${finished.attempts} attempt(s)`, finished.result ?? finished.lastError ?? '');
} catch (error) {
  if (error instanceof ValidationFailedError) console.error(error.details);
  throw error;
}
