import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PermanentJobError } from '../jobs/domain/errors.ts';
import type { EmailMessage, JobServices } from '../jobs/domain/job-type.ts';
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
  let client: Promise<{ send: (message: EmailMessage, signal?: AbortSignal) => Promise<{ messageId: string }> }> | undefined;
  const load = async () => {
    const { SESv2Client, SendEmailCommand } = await import('@aws-sdk/client-sesv2');
    const ses = new SESv2Client({});
    return {
      send: async ({ to, subject, body }: EmailMessage, signal?: AbortSignal) => {
        // The abort signal ends the call at the attempt's timeout, so a timed-out attempt
        // cannot send after the next one started.
        const response = await ses.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [to] },
            Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: body } } } },
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
        return { messageId: response.MessageId ?? '' };
      },
    };
  };
  // SES has no idempotency key: a crash between the send and the job's completion write can
  // send twice. The jobId travels in the logs to make such a duplicate traceable.
  return async (message, _idempotencyKey, signal) => {
    client ??= load();
    return (await client).send(message, signal);
  };
}

export function jobServices(config: WorkerRuntimeConfig): JobServices {
  const sendEmail =
    config.emailOutboxDir !== undefined
      ? outboxSender(config.emailOutboxDir)
      : config.emailFrom !== undefined
        ? sesSender(config.emailFrom)
        : async () => {
            // Retrying cannot help until the environment is configured: fail the job at once.
            throw new PermanentJobError(
              "E-mail is not configured in this environment: set 'emailFrom' (a verified SES identity) in its config",
            );
          };
  return { sendEmail };
}
