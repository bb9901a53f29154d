/**
 * SQS fair queues on fauxqs's standard queues. On AWS a standard queue whose messages carry a
 * `MessageGroupId` (the tenant) is a fair queue: when one tenant holds a disproportionate share
 * of the messages in flight, SQS delivers the other tenants' messages first, so a quiet tenant's
 * jobs keep their normal dwell time behind a noisy tenant's backlog (SQS developer guide, "Amazon
 * SQS fair queues"). fauxqs 2.4 drops the group id of a standard queue's message and delivers
 * oldest first; this keeps the group id and makes each receive fair:
 * - a message keeps the `MessageGroupId` it was sent with (SendMessage and SendMessageBatch);
 * - a receive hands out, one message at a time, the oldest message of the group with the fewest
 *   messages in flight (counting those this receive already took), so a group's backlog waits
 *   while other groups have work. Messages without a group form one group of their own.
 *
 * AWS applies fairness only once a tenant's share of the in-flight messages is disproportionate;
 * this applies it on every receive, which gives the same order whenever one tenant is noisy and
 * the oldest-first order otherwise (every group then has the same in-flight count, near zero).
 */
import type { FauxqsApp, FauxqsMessage, FauxqsQueue, FauxqsSqsStore } from './fauxqs-internals.ts';

/** A message as fauxqs holds it in flight. */
interface InFlightEntry {
  readonly message: FauxqsMessage;
}

type GroupedMessage = FauxqsMessage & { messageGroupId?: string };

/** SQS hands out at most 10 messages per receive. */
const RECEIVE_MAX = 10;

/** A queue URL's last path segment is its name. */
const queueNameOf = (queueUrl: string): string => queueUrl.slice(queueUrl.lastIndexOf('/') + 1);

/**
 * The group ids of messages sent but not yet stored, by queue name and body. fauxqs creates a
 * standard queue's message without its group; the send's parameters are seen first (preHandler),
 * the stored message next (enqueue), and a job message's body is unique (it names its job).
 */
class PendingGroups {
  private readonly groups = new Map<string, string[]>();

  add(queueName: string, body: string, groupId: string): void {
    const key = `${queueName}\n${body}`;
    this.groups.set(key, [...(this.groups.get(key) ?? []), groupId]);
  }

  take(queueName: string, body: string): string | undefined {
    const key = `${queueName}\n${body}`;
    const waiting = this.groups.get(key);
    const groupId = waiting?.shift();
    if (waiting !== undefined && waiting.length === 0) this.groups.delete(key);
    return groupId;
  }
}

/**
 * Moves to the front of `queue.messages` the `count` messages a fair receive hands out, in the
 * order it hands them out; the rest keep their order.
 */
function putFairShareFirst(queue: FauxqsQueue, count: number): void {
  const messages = queue.messages as GroupedMessage[];
  const inFlight = new Map<string, number>();
  for (const entry of queue.inflightMessages.values() as Iterable<InFlightEntry>) {
    const group = (entry.message as GroupedMessage).messageGroupId ?? '';
    inFlight.set(group, (inFlight.get(group) ?? 0) + 1);
  }
  // The oldest `count` visible messages of each group, by their place in the queue.
  const oldest = new Map<string, number[]>();
  messages.forEach((message, index) => {
    const group = message.messageGroupId ?? '';
    const indexes = oldest.get(group) ?? [];
    if (indexes.length < count) indexes.push(index);
    oldest.set(group, indexes);
  });
  const picked: number[] = [];
  while (picked.length < count) {
    let best: { group: string; load: number; index: number } | undefined;
    for (const [group, indexes] of oldest) {
      const index = indexes[0];
      if (index === undefined) continue;
      const load = inFlight.get(group) ?? 0;
      if (best === undefined || load < best.load || (load === best.load && index < best.index)) best = { group, load, index };
    }
    if (best === undefined) break;
    picked.push(best.index);
    oldest.get(best.group)?.shift();
    inFlight.set(best.group, best.load + 1);
  }
  const pickedSet = new Set(picked);
  const reordered = [...picked.map((index) => messages[index] as GroupedMessage), ...messages.filter((_, index) => !pickedSet.has(index))];
  messages.splice(0, messages.length, ...reordered);
}

function makeFair(queue: FauxqsQueue, pending: PendingGroups): void {
  if (queue.isFifo()) return;
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = (message) => {
    const grouped = message as GroupedMessage;
    grouped.messageGroupId ??= pending.take(queue.name, message.body);
    enqueue(message);
  };
  const dequeue = queue.dequeue.bind(queue);
  queue.dequeue = (maxCount, visibilityTimeout, resolveDeadLetterQueue) => {
    // Settle the timers first, as fauxqs's own dequeue does: messages whose delay or visibility
    // timeout ran out take part in this receive.
    queue.processTimers();
    if ((queue.messages as GroupedMessage[]).some((message) => message.messageGroupId !== undefined)) {
      putFairShareFirst(queue, Math.min(maxCount, RECEIVE_MAX));
    }
    return dequeue(maxCount, visibilityTimeout, resolveDeadLetterQueue);
  };
}

interface SendParameters {
  readonly QueueUrl?: unknown;
  readonly MessageBody?: unknown;
  readonly MessageGroupId?: unknown;
  readonly Entries?: unknown;
}

/** Makes every standard queue of `store` a fair queue, those created later included. */
export function serveFairQueues(app: FauxqsApp, store: FauxqsSqsStore): void {
  const pending = new PendingGroups();
  for (const queue of store.allQueues()) makeFair(queue, pending);
  const createQueue = store.createQueue.bind(store);
  store.createQueue = (...args) => {
    const queue = createQueue(...args);
    makeFair(queue, pending);
    return queue;
  };
  app.addHook('preHandler', async (request) => {
    const target = request.headers['x-amz-target'];
    if (target !== 'AmazonSQS.SendMessage' && target !== 'AmazonSQS.SendMessageBatch') return;
    const parameters = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as SendParameters;
    if (typeof parameters.QueueUrl !== 'string' || parameters.QueueUrl.endsWith('.fifo')) return;
    const queueName = queueNameOf(parameters.QueueUrl);
    const entries =
      target === 'AmazonSQS.SendMessage' ? [parameters] : Array.isArray(parameters.Entries) ? (parameters.Entries as SendParameters[]) : [];
    for (const entry of entries) {
      if (typeof entry.MessageBody === 'string' && typeof entry.MessageGroupId === 'string') {
        pending.add(queueName, entry.MessageBody, entry.MessageGroupId);
      }
    }
  });
}
