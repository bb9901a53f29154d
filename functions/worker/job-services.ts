import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmailMessage, JobServices } from '../jobs/job-type.ts';
import type { WorkerRuntimeConfig } from '../runtime-config.ts';

/** Writes each e-mail to `<dir>/<key>.json`; a retried attempt finds its file and sends nothing twice. */
function outboxSender(directory: string): JobServices['sendEmail'] {
  return async (message: EmailMessage, idempotencyKey: string) => {
    const file = join(directory, `${idempotencyKey}.json`);
    try {
      const sent = JSON.parse(await readFile(file, 'utf8')) as { messageId: string };
      return { messageId: sent.messageId };
    } catch {
      await mkdir(directory, { recursive: true });
      const messageId = `local-${idempotencyKey}`;
      await writeFile(file, JSON.stringify({ messageId, ...message, sentAt: new Date().toISOString() }, null, 2), { flag: 'wx' }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error;
        },
      );
      return { messageId };
    }
  };
}

/** Sends through SES v2; the SDK client loads on the first e-mail, not at cold start. */
function sesSender(from: string): JobServices['sendEmail'] {
  let client: Promise<{ send: (message: EmailMessage) => Promise<{ messageId: string }> }> | undefined;
  const load = async () => {
    const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const ses = new SESv2Client({});
    return {
      send: async ({ to, subject, body }: EmailMessage) => {
        const response = await ses.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [to] },
            Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: body } } } },
          }),
        );
        return { messageId: response.MessageId ?? '' };
      },
    };
  };
  // SES has no idempotency key: a crash between the send and the job's completion write can
  // send twice. The jobId travels in the logs to make such a duplicate traceable.
  return async (message) => {
    client ??= load();
    return (await client).send(message);
  };
}

export function jobServices(config: WorkerRuntimeConfig): JobServices {
  const sendEmail =
    config.emailOutboxDir !== undefined
      ? outboxSender(config.emailOutboxDir)
      : config.emailFrom !== undefined
        ? sesSender(config.emailFrom)
        : async () => {
            throw new Error('E-mail is not configured: set EMAIL_FROM (SES) or EMAIL_OUTBOX_DIR (local)');
          };
  return { sendEmail };
}
