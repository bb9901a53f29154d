/**
 * The parts of fauxqs 2.4 that the local SQS server is built from but the package does not
 * export (its stores, messages and persistence, `dist/sqs/sqsStore.js` and `dist/persistence.js`):
 * only the members used here, typed as fauxqs defines them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { buildApp } from 'fauxqs';
import { PrerequisiteError } from './prerequisite-error.ts';

/** The fastify app fauxqs's `buildApp` returns. */
export type FauxqsApp = ReturnType<typeof buildApp>;

export interface FauxqsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** A message as fauxqs keeps it; dead-lettering moves this very object to the DLQ. */
export interface FauxqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Record<string, FauxqsMessageAttribute>;
  readonly sentTimestamp: number;
  readonly messageGroupId?: string;
}

export interface FauxqsPersistence {
  readonly db: { prepare(sql: string): { run(...values: unknown[]): unknown } };
  load(sqsStore: unknown, snsStore: unknown, s3Store: unknown): void;
  updateMessageReady(messageId: string): void;
  deleteMessage(messageId: string): void;
  close(): void;
}

/** Resolves a RedrivePolicy's `deadLetterTargetArn` to its queue. */
export type DeadLetterResolver = (arn: string) => Pick<FauxqsQueue, 'enqueue'> | undefined;

export interface FauxqsQueue {
  readonly name: string;
  url: string;
  readonly arn: string;
  readonly attributes: Record<string, string | undefined>;
  persistence: FauxqsPersistence | undefined;
  /** The visible messages of a standard queue, oldest first. */
  readonly messages: FauxqsMessage[];
  readonly inflightMessages: Map<string, unknown>;
  isFifo(): boolean;
  enqueue(message: FauxqsMessage): void;
  /** Receives; a message past the RedrivePolicy's maxReceiveCount goes to `resolveDeadLetterQueue(arn).enqueue`. */
  dequeue(maxCount: number, visibilityTimeout: number | undefined, resolveDeadLetterQueue?: DeadLetterResolver): unknown[];
  changeVisibility(receiptHandle: string, timeoutSeconds: number): void;
  /** Makes messages whose visibility timeout or delay has run out visible. */
  processTimers(): void;
}

export interface FauxqsSqsStore {
  host: string;
  persistence: unknown;
  readonly queues: Map<string, FauxqsQueue>;
  allQueues(): Iterable<FauxqsQueue>;
  getQueueByArn(arn: string): FauxqsQueue | undefined;
  createQueue(name: string, url: string, arn: string, attributes?: Record<string, string>, tags?: Record<string, string>): FauxqsQueue;
  processAllTimers(): void;
}

export interface FauxqsSqsStoreClass {
  new (): FauxqsSqsStore;
  /** A new message: new id, `sentTimestamp` now, receive count 0. */
  createMessage(
    body: string,
    messageAttributes?: Record<string, FauxqsMessageAttribute>,
    delaySeconds?: number,
    messageGroupId?: string,
  ): FauxqsMessage;
}

/** The installed fauxqs package; its `exports` hide package.json from `require.resolve`. */
function fauxqsDist(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('fauxqs') ?? []) {
    if (existsSync(join(dir, 'fauxqs', 'dist', 'app.js'))) return join(dir, 'fauxqs', 'dist');
  }
  throw new PrerequisiteError("The fauxqs package is not installed: run 'npm install'");
}

/** A module of fauxqs that its package does not export (the same file its `app.js` imports). */
export async function fauxqsModule<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(fauxqsDist(), path)).href)) as T;
}
