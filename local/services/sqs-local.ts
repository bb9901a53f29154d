/**
 * fauxqs (SQS and S3 in one in-process server), put together from its own parts instead of its
 * `startFauxqs`, which listens on every interface, names queues on `sqs.<region>.localhost` and
 * gives no hook into its requests. The parts are the ones `startFauxqs` wires (fauxqs 2.4,
 * `dist/app.js`): its stores, its SQLite persistence and its exported `buildApp`. What this adds:
 * - it listens on 127.0.0.1 only, like the local API: anyone on the network could otherwise read
 *   or purge a developer's queues;
 * - queue URLs on the address a client called (`http://127.0.0.1:4566/000000000000/<queue>`), which
 *   resolve everywhere, also after a restart on another port;
 * - with `dataDir`, queues and messages survive a restart (fauxqs writes every change to SQLite),
 *   and messages that were in flight become visible again at once, as after a consumer crash;
 * - queue counters as SQS reports them: fauxqs moves a message whose visibility ran out (such as one
 *   received with `VisibilityTimeout=0`) back to the visible ones only on the queue's next receive,
 *   so `GetQueueAttributes` first settles those timers;
 * - the message move tasks behind the console's "Start DLQ redrive" (`sqs-move-tasks.ts`);
 * - fair queues: a standard queue's messages keep their `MessageGroupId`, and a receive serves
 *   the groups with the fewest messages in flight first (`sqs-fair-queues.ts`);
 * - the age of a queue's oldest message, which CloudWatch reports in AWS (`sqs-oldest-message-age.ts`).
 */
import { buildApp } from 'fauxqs';
import type { RunningService } from './dynamodb-local.ts';
import { fauxqsModule, type FauxqsPersistence, type FauxqsSqsStoreClass } from './fauxqs-internals.ts';
import { ensurePortFree } from './ports.ts';
import { serveFairQueues } from './sqs-fair-queues.ts';
import { serveMessageMoveTasks } from './sqs-move-tasks.ts';
import { serveOldestMessageAge } from './sqs-oldest-message-age.ts';

type Stores = NonNullable<NonNullable<Parameters<typeof buildApp>[0]>['stores']>;

export interface SqsLocalOptions {
  /**
   * Directory of the SQLite file that keeps queues, messages and S3 objects across restarts.
   * @default - in memory, gone when the server stops
   */
  readonly dataDir?: string;
}

async function openPersistence(dataDir: string): Promise<FauxqsPersistence> {
  const { PersistenceManager } = await fauxqsModule<{ PersistenceManager: new (dir: string) => FauxqsPersistence }>('./persistence.js');
  const persistence = new PersistenceManager(dataDir);
  // fauxqs 2.4 writes NULL into the NOT NULL receive count when a message turns visible again
  // (ChangeMessageVisibility 0), which SQLite refuses; clear only the in-flight columns.
  const ready = persistence.db.prepare('UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?');
  persistence.updateMessageReady = (messageId) => void ready.run(messageId);
  return persistence;
}

/** Starts fauxqs on 127.0.0.1:`port` (a free one when 0). */
export async function startSqsLocal(port: number, options: SqsLocalOptions = {}): Promise<RunningService> {
  if (port !== 0) await ensurePortFree(port, 'the SQS server (fauxqs)', 'SQS_PORT');
  const [{ SqsStore }, { SnsStore }, { S3Store }] = await Promise.all([
    fauxqsModule<{ SqsStore: FauxqsSqsStoreClass }>('./sqs/sqsStore.js'),
    fauxqsModule<{ SnsStore: new () => { persistence: unknown } }>('./sns/snsStore.js'),
    fauxqsModule<{ S3Store: new () => { persistence: unknown } }>('./s3/s3Store.js'),
  ]);
  const sqsStore = new SqsStore();
  // An empty host makes fauxqs build queue URLs from the request's own Host header.
  sqsStore.host = '';
  const snsStore = new SnsStore();
  const s3Store = new S3Store();

  const persistence = options.dataDir === undefined ? undefined : await openPersistence(options.dataDir);
  if (persistence !== undefined) {
    // Load before wiring, as startFauxqs does: wired, each loaded queue would be written back.
    persistence.load(sqsStore, snsStore, s3Store);
    sqsStore.persistence = persistence;
    snsStore.persistence = persistence;
    s3Store.persistence = persistence;
    for (const queue of sqsStore.allQueues()) {
      queue.persistence = persistence;
      // Nobody holds these receipts any more: the consumer stopped with the server.
      for (const receiptHandle of [...queue.inflightMessages.keys()]) queue.changeVisibility(receiptHandle, 0);
    }
  }

  const app = buildApp({ logger: false, stores: { sqsStore, snsStore, s3Store } as unknown as Stores });
  app.addHook('onRequest', async (request) => {
    if (request.headers['x-amz-target'] === 'AmazonSQS.GetQueueAttributes') sqsStore.processAllTimers();
  });
  serveMessageMoveTasks(app, sqsStore, SqsStore.createMessage);
  serveFairQueues(app, sqsStore);
  serveOldestMessageAge(app, sqsStore);
  if (persistence !== undefined) app.addHook('preClose', () => persistence.close());
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  const endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}`;

  // Queues restored from disk keep the URL of their first server; serve them on this one.
  for (const queue of [...sqsStore.allQueues()]) {
    const url = `${endpoint}${new URL(queue.url).pathname}`;
    if (url === queue.url) continue;
    sqsStore.queues.delete(queue.url);
    queue.url = url;
    sqsStore.queues.set(url, queue);
  }
  return { endpoint, stop: () => app.close() };
}
