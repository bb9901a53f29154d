import type { JobEventDetail } from './adapters/job-lifecycle-events.ts';
import type { JobRef } from './adapters/job-keys.ts';
import { decideWebhookRetry, isDelivered, type WebhookRetryPolicy } from './domain/webhook-delivery.ts';
import { signatureHeader, webhookEventId, type SigningSecrets } from './domain/webhook-signature.ts';

/** One message of the deliveries' queue: a lifecycle event as the webhook rule sent it. */
export interface WebhookMessage {
  readonly body: string;
  readonly receiptHandle: string;
  /** Tries of this message so far, this one included (SQS's ApproximateReceiveCount). */
  readonly receiveCount: number;
  /** When SQS first handed the message out: the start of its 24 h (a redriven message is a new one). */
  readonly firstReceivedAt: number;
}

export interface WebhookDeliveryDependencies {
  /** The environment's signing secrets (cached by the adapter: one read per few minutes, not per try). */
  readonly secrets: () => Promise<SigningSecrets>;
  /** Sends one try; the receiver's HTTP status, or `timeout` / `network error`. */
  readonly post: (url: string, body: string, headers: Readonly<Record<string, string>>) => Promise<number | string>;
  /** Counts the try on the job (`callback.attempts`, `callback.lastStatus`). */
  readonly recordAttempt: (ref: JobRef, status: number | string) => Promise<unknown>;
  readonly queue: {
    hideFor(receiptHandle: string, seconds: number): Promise<void>;
    sendToDeadLetterQueue(body: string, reason: string): Promise<void>;
  };
  readonly retry: WebhookRetryPolicy;
  readonly now: () => number;
}

export type WebhookOutcome =
  | { readonly kind: 'delivered'; readonly eventId: string; readonly status: number; readonly tries: number }
  | { readonly kind: 'retrying'; readonly eventId: string; readonly status: number | string; readonly delaySeconds: number }
  | { readonly kind: 'deadLettered'; readonly eventId?: string; readonly reason: string };

/** The part of the event the deliverer needs: whose job, where to, and what to send. */
interface WebhookEvent {
  readonly ref: JobRef;
  readonly url: string;
  readonly eventId: string;
  /** The job resource, as `GET /jobs/{id}` shows it (payload left out, as in the event). */
  readonly body: string;
}

/** The event in a message, or why it cannot be delivered at all (the rule only sends events with a callbackUrl). */
function webhookEventOf(messageBody: string): WebhookEvent | string {
  let event: { detail?: Partial<JobEventDetail> };
  try {
    event = JSON.parse(messageBody) as { detail?: Partial<JobEventDetail> };
  } catch {
    return 'the message is not JSON';
  }
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null) return 'the message is not a lifecycle event (no detail)';
  const { owner, callbackUrl, ...resource } = detail;
  if (typeof owner !== 'string' || typeof callbackUrl !== 'string' || typeof resource.jobId !== 'string') {
    return 'the event has no owner, jobId or callbackUrl';
  }
  if (typeof resource.status !== 'string' || typeof resource.run !== 'number') return 'the event has no status or run';
  return {
    ref: { owner, jobId: resource.jobId },
    url: callbackUrl,
    eventId: webhookEventId({ jobId: resource.jobId, status: resource.status, run: resource.run }),
    body: JSON.stringify(resource),
  };
}

/**
 * One try of one delivery (SPEC §11): POST the job resource, signed, to the job's `callbackUrl`,
 * and count the try on the job. A 2xx ends it. Otherwise the message is hidden for the backoff
 * and tried again, until 24 h after its first try, when it goes to the deliveries' DLQ, where
 * on-call can redrive it. The job itself is never touched beyond its callback counters: a
 * receiver that keeps failing cannot block or fail it.
 */
export async function deliverWebhook(message: WebhookMessage, dependencies: WebhookDeliveryDependencies): Promise<WebhookOutcome> {
  const event = webhookEventOf(message.body);
  if (typeof event === 'string') {
    await dependencies.queue.sendToDeadLetterQueue(message.body, event);
    return { kind: 'deadLettered', reason: event };
  }
  const secrets = await dependencies.secrets();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'job-platform-webhooks',
    'job-event-id': event.eventId,
    'job-signature': signatureHeader(event.body, secrets, Math.floor(dependencies.now() / 1000)),
  };
  const status = await dependencies.post(event.url, event.body, headers);
  await dependencies.recordAttempt(event.ref, status);
  if (isDelivered(status)) return { kind: 'delivered', eventId: event.eventId, status: status as number, tries: message.receiveCount };
  const decision = decideWebhookRetry(message.receiveCount, message.firstReceivedAt, dependencies.now(), dependencies.retry);
  if (decision.kind === 'giveUp') {
    const reason = `${event.url} answered ${status}: ${decision.reason}`;
    await dependencies.queue.sendToDeadLetterQueue(message.body, reason);
    return { kind: 'deadLettered', eventId: event.eventId, reason };
  }
  await dependencies.queue.hideFor(message.receiptHandle, decision.delaySeconds);
  return { kind: 'retrying', eventId: event.eventId, status, delaySeconds: decision.delaySeconds };
}
