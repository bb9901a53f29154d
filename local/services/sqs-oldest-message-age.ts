/**
 * The local stand-in for CloudWatch's `ApproximateAgeOfOldestMessage` of a queue, which the
 * console's Overview shows and SQS itself does not answer (it is a CloudWatch metric, not a
 * queue attribute). Served on the local SQS server as `GET /_local/oldest-message-age?QueueUrl=…`:
 * the age in seconds of the oldest message not yet deleted, visible or in flight, as CloudWatch
 * counts it, or `null` for an empty queue. Unlike CloudWatch it is exact and not a minute behind.
 */
import type { FauxqsApp, FauxqsMessage, FauxqsSqsStore } from './fauxqs-internals.ts';

export const OLDEST_MESSAGE_AGE_PATH = '/_local/oldest-message-age';

export function serveOldestMessageAge(app: FauxqsApp, store: FauxqsSqsStore): void {
  app.get(OLDEST_MESSAGE_AGE_PATH, async (request, reply) => {
    const queueUrl = (request.query as Record<string, string | undefined>).QueueUrl ?? '';
    const queue = [...store.allQueues()].find((candidate) => new URL(candidate.url).pathname === new URL(queueUrl, 'http://x').pathname);
    if (queue === undefined) return reply.code(404).send({ message: `No queue ${queueUrl}` });
    const inFlight = [...queue.inflightMessages.values()].map((entry) => (entry as { message: FauxqsMessage }).message);
    const sentTimes = [...queue.messages, ...inFlight].map((message) => message.sentTimestamp);
    const oldest = sentTimes.length === 0 ? undefined : Math.min(...sentTimes);
    return reply.send({ ageSeconds: oldest === undefined ? null : Math.max(0, Math.floor((Date.now() - oldest) / 1000)) });
  });
}
