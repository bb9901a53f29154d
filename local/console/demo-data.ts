import { mkdir, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { JobsClient, type Job } from '../../clients/typescript/src/index.ts';
import type { LocalPlatform } from '../platform.ts';
import { localClientConfig } from '../services/local-aws.ts';

/**
 * Jobs that end in the DLQ for a reason an on-call engineer can fix: the `email` type cannot
 * write its outbox while a file stands where the directory should be, and writes it again once
 * the directory is back. Used by the console's browser test, its screenshots and its benchmark.
 */
export class BrokenOutbox {
  constructor(private readonly platform: Pick<LocalPlatform, 'outboxDir'>) {}

  async break(): Promise<void> {
    await rm(this.platform.outboxDir, { recursive: true, force: true });
    await writeFile(this.platform.outboxDir, 'not a directory');
  }

  async fix(): Promise<void> {
    await rm(this.platform.outboxDir, { force: true });
    await mkdir(this.platform.outboxDir, { recursive: true });
  }
}

/** Submits `count` e-mails with one attempt each and waits until every one has failed. */
export async function failedEmails(client: JobsClient, count: number, prefix = 'user'): Promise<Job[]> {
  const jobs = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      client.submit('email', { to: `${prefix}${index}@example.com`, subject: 'Your invoice', body: 'Hello' }, { maxAttempts: 1 }),
    ),
  );
  return Promise.all(jobs.map((job) => client.waitFor(job.jobId, { timeoutMs: 30_000 })));
}

/** Waits until the platform's DLQ holds at least `count` messages (SQS dead-letters a failed job's message after its receives run out). */
export async function deadLettersArrived(
  platform: Pick<LocalPlatform, 'endpoints' | 'deadLetterQueueUrl'>,
  count: number,
  timeoutMs = 60_000,
) {
  const sqs = new SQSClient(localClientConfig(platform.endpoints.sqs));
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: platform.deadLetterQueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      if (Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible) >= count) return;
    }
    throw new Error(`The DLQ did not reach ${count} messages within ${timeoutMs} ms`);
  } finally {
    sqs.destroy();
  }
}
