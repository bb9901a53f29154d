/**
 * SQS's message move tasks (`StartMessageMoveTask`, `ListMessageMoveTasks`,
 * `CancelMessageMoveTask`): the calls behind the console's "Start DLQ redrive", which fauxqs 2.4
 * does not have. Served in the AWS JSON protocol, which the SDKs and the AWS CLI (v1 since
 * botocore 1.31, v2) send to SQS, on the local SQS server's own address.
 *
 * As SQS does (SQS API reference, StartMessageMoveTask and ListMessageMoveTasksResultEntry):
 * - the source must be a DLQ: some queue's RedrivePolicy names it as its `deadLetterTargetArn`;
 * - without `DestinationArn`, each message goes back to the queue it was dead-lettered from;
 * - a moved message is a new message (new MessageId and SentTimestamp, receive count 0) with the
 *   same body, message attributes and MessageGroupId;
 * - at most `MaxNumberOfMessagesPerSecond` (1–500) a second, one active task per source queue,
 *   the 10 most recent tasks listed newest first, `TaskHandle` listed only while RUNNING.
 * The error codes, messages and statuses are the ones SQS answers, as recorded against AWS in
 * LocalStack's tests (`tests/aws/services/sqs/test_sqs_move_task.snapshot.json`).
 *
 * Not like SQS: tasks live in memory, so a restart forgets them and ends a running one (the
 * messages it had not moved stay in the DLQ); only standard queues are moved.
 */
import { randomUUID } from 'node:crypto';
import type { FauxqsApp, FauxqsMessage, FauxqsQueue, FauxqsSqsStore, FauxqsSqsStoreClass } from './fauxqs-internals.ts';

type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';
type RequestParameters = Readonly<Record<string, unknown>>;

/** SQS's maximum rate (API reference); without a rate SQS picks its own, this server the maximum. */
const MAX_MESSAGES_PER_SECOND = 500;
/** ListMessageMoveTasks returns "the most recent message movement tasks (up to 10)". */
const TASKS_KEPT_PER_SOURCE = 10;
/** What SQS reports when a task's destination queue is gone (recorded against AWS). */
const NON_EXISTENT_QUEUE = 'AWS.SimpleQueueService.NonExistentQueue';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** An error answered as SQS answers it in the JSON protocol. */
class SqsActionError extends Error {
  constructor(
    readonly code: 'InvalidParameterValue' | 'MissingParameter' | 'ResourceNotFoundException' | 'UnsupportedOperation',
    message: string,
    readonly statusCode = code === 'ResourceNotFoundException' ? 404 : 400,
  ) {
    super(message);
    this.name = 'SqsActionError';
  }
}

function invalid(message: string): SqsActionError {
  return new SqsActionError('InvalidParameterValue', message);
}

function notFound(parameter: 'SourceArn' | 'DestinationArn'): SqsActionError {
  return new SqsActionError('ResourceNotFoundException', `The resource that you specified for the ${parameter} parameter doesn't exist.`);
}

function stringParameter(parameters: RequestParameters, name: string): string | undefined {
  const value = parameters[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(`Value ${String(value)} for parameter ${name} is invalid.`);
  return value;
}

function requiredString(parameters: RequestParameters, name: string): string {
  const value = stringParameter(parameters, name);
  if (value === undefined) throw new SqsActionError('MissingParameter', `The request must contain the parameter ${name}.`);
  return value;
}

function integerParameter(parameters: RequestParameters, name: string, min: number, max: number): number | undefined {
  const value = parameters[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`Value ${String(value)} for parameter ${name} is invalid. Reason: must be between ${min} and ${max}.`);
  }
  return value;
}

/** The queue a queue's RedrivePolicy dead-letters to, if it has one. */
function deadLetterTargetOf(queue: FauxqsQueue): string | undefined {
  try {
    const policy = JSON.parse(queue.attributes.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: unknown };
    return typeof policy.deadLetterTargetArn === 'string' ? policy.deadLetterTargetArn : undefined;
  } catch {
    return undefined;
  }
}

/** SQS's task handles are base64 of `{"taskId","sourceArn"}`, so a handle names its source queue. */
function encodeHandle(taskId: string, sourceArn: string): string {
  return Buffer.from(JSON.stringify({ taskId, sourceArn })).toString('base64');
}

function decodeHandle(handle: string): { taskId: string; sourceArn: string } | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(handle, 'base64').toString('utf8')) as { taskId?: unknown; sourceArn?: unknown };
    const { taskId, sourceArn } = decoded;
    return typeof taskId === 'string' && typeof sourceArn === 'string' ? { taskId, sourceArn } : undefined;
  } catch {
    return undefined;
  }
}

class MoveTask {
  status: MoveTaskStatus = 'RUNNING';
  moved = 0;
  failureReason: string | undefined;
  /** The next step, while one is due. */
  timer: NodeJS.Timeout | undefined;
  readonly taskId = randomUUID();
  readonly startedTimestamp = Date.now();

  constructor(
    readonly source: FauxqsQueue,
    readonly destinationArn: string | undefined,
    readonly maxNumberOfMessagesPerSecond: number | undefined,
    /** The source's visible messages at the start: the task moves no more than these. */
    readonly toMove: number,
  ) {}

  get handle(): string {
    return encodeHandle(this.taskId, this.source.arn);
  }

  isActive(): boolean {
    return this.status === 'RUNNING' || this.status === 'CANCELLING';
  }

  /** The task as ListMessageMoveTasks reports it; SQS leaves out what was not given. */
  listEntry(): Record<string, string | number> {
    return {
      ...(this.status === 'RUNNING' ? { TaskHandle: this.handle } : {}),
      Status: this.status,
      SourceArn: this.source.arn,
      ...(this.destinationArn === undefined ? {} : { DestinationArn: this.destinationArn }),
      ...(this.maxNumberOfMessagesPerSecond === undefined ? {} : { MaxNumberOfMessagesPerSecond: this.maxNumberOfMessagesPerSecond }),
      ApproximateNumberOfMessagesMoved: this.moved,
      ApproximateNumberOfMessagesToMove: this.toMove,
      StartedTimestamp: this.startedTimestamp,
      ...(this.failureReason === undefined ? {} : { FailureReason: this.failureReason }),
    };
  }
}

/** The move tasks of one local SQS server, and the record of where its dead letters came from. */
class MessageMoveTasks {
  /** Per source queue ARN, newest first. */
  private readonly tasks = new Map<string, MoveTask[]>();
  /**
   * The queue each dead letter was dead-lettered from, as SQS keeps it in the message's
   * DeadLetterQueueSourceArn, which fauxqs does not set. Recorded when fauxqs dead-letters a
   * message, on the message object itself (which fauxqs moves to the DLQ as it is), so it is gone
   * with the message. A dead letter without a record (sent to the DLQ directly, or loaded from disk
   * after a restart) goes to the one queue whose RedrivePolicy names the DLQ, as the job platform
   * has it; with several such queues the task fails, as it would for a deleted source.
   */
  private readonly deadLetterSources = new WeakMap<FauxqsMessage, string>();

  constructor(
    private readonly store: FauxqsSqsStore,
    private readonly createMessage: FauxqsSqsStoreClass['createMessage'],
  ) {}

  /** Records the source of every message `queue` dead-letters from now on. */
  watch(queue: FauxqsQueue): void {
    const dequeue = queue.dequeue.bind(queue);
    queue.dequeue = (maxCount, visibilityTimeout, resolveDeadLetterQueue) =>
      dequeue(
        maxCount,
        visibilityTimeout,
        resolveDeadLetterQueue &&
          ((arn) => {
            const deadLetterQueue = resolveDeadLetterQueue(arn);
            if (deadLetterQueue === undefined) return undefined;
            return {
              enqueue: (message) => {
                this.deadLetterSources.set(message, queue.arn);
                deadLetterQueue.enqueue(message);
              },
            };
          }),
      );
  }

  start(parameters: RequestParameters): { TaskHandle: string } {
    const sourceArn = requiredString(parameters, 'SourceArn');
    const source = this.store.getQueueByArn(sourceArn);
    if (source === undefined) throw notFound('SourceArn');
    if (this.queuesDeadLetteringTo(source).length === 0) throw invalid('Source queue must be configured as a Dead Letter Queue.');
    const destinationArn = stringParameter(parameters, 'DestinationArn');
    const destination = destinationArn === undefined ? undefined : this.store.getQueueByArn(destinationArn);
    if (destinationArn !== undefined && destination === undefined) throw notFound('DestinationArn');
    if (source.isFifo() || destination?.isFifo()) {
      throw new SqsActionError('UnsupportedOperation', 'The local SQS server moves messages between standard queues only.');
    }
    const rate = integerParameter(parameters, 'MaxNumberOfMessagesPerSecond', 1, MAX_MESSAGES_PER_SECOND);
    const tasks = this.tasks.get(sourceArn) ?? [];
    if (tasks.some((task) => task.isActive())) {
      throw invalid('There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
    }

    source.processTimers();
    const task = new MoveTask(source, destinationArn, rate, source.messages.length);
    // Only one task per source is active, and it is the newest: the ones dropped have ended.
    this.tasks.set(sourceArn, [task, ...tasks].slice(0, TASKS_KEPT_PER_SOURCE));
    task.timer = setTimeout(() => this.step(task), 0);
    return { TaskHandle: task.handle };
  }

  list(parameters: RequestParameters): { Results: Record<string, string | number>[] } {
    const sourceArn = requiredString(parameters, 'SourceArn');
    if (this.store.getQueueByArn(sourceArn) === undefined) throw notFound('SourceArn');
    const maxResults = integerParameter(parameters, 'MaxResults', 1, TASKS_KEPT_PER_SOURCE) ?? 1;
    return { Results: (this.tasks.get(sourceArn) ?? []).slice(0, maxResults).map((task) => task.listEntry()) };
  }

  /**
   * Cancels a RUNNING task. SQS documents that only those can be cancelled but not its answer
   * for another: this server answers as for an unknown task, whose handle SQS no longer lists.
   */
  cancel(parameters: RequestParameters): { ApproximateNumberOfMessagesMoved: number } {
    const handle = decodeHandle(requiredString(parameters, 'TaskHandle'));
    if (handle === undefined) throw invalid('Value for parameter TaskHandle is invalid.');
    if (this.store.getQueueByArn(handle.sourceArn) === undefined) throw notFound('SourceArn');
    const task = this.tasks.get(handle.sourceArn)?.find(({ taskId, status }) => taskId === handle.taskId && status === 'RUNNING');
    if (task === undefined) throw new SqsActionError('ResourceNotFoundException', 'Task does not exist.');
    task.status = 'CANCELLING';
    clearTimeout(task.timer);
    task.timer = setTimeout(() => this.step(task), 0);
    return { ApproximateNumberOfMessagesMoved: task.moved };
  }

  /** Ends every task with the server; messages not moved yet stay where they are. */
  stop(): void {
    for (const task of [...this.tasks.values()].flat()) clearTimeout(task.timer);
  }

  private queuesDeadLetteringTo(deadLetterQueue: FauxqsQueue): FauxqsQueue[] {
    return [...this.store.allQueues()].filter((queue) => deadLetterTargetOf(queue) === deadLetterQueue.arn);
  }

  private destinationOf(task: MoveTask, message: FauxqsMessage): FauxqsQueue | undefined {
    if (task.destinationArn !== undefined) return this.store.getQueueByArn(task.destinationArn);
    const recorded = this.deadLetterSources.get(message);
    if (recorded !== undefined) return this.store.getQueueByArn(recorded);
    const sources = this.queuesDeadLetteringTo(task.source);
    return sources.length === 1 ? sources[0] : undefined;
  }

  /** Moves the messages now due, then waits for the next one's turn. */
  private step(task: MoveTask): void {
    task.timer = undefined;
    if (task.status === 'CANCELLING') {
      task.status = 'CANCELLED';
      return;
    }
    const rate = task.maxNumberOfMessagesPerSecond ?? MAX_MESSAGES_PER_SECOND;
    // Message n (counted from 0) leaves no earlier than n / rate seconds after the start.
    const due = Math.min(task.toMove, Math.floor(((Date.now() - task.startedTimestamp) * rate) / 1000) + 1);
    const { source } = task;
    source.processTimers();
    while (task.moved < due) {
      const message = source.messages[0];
      if (message === undefined) break;
      const destination = this.store.getQueueByArn(source.arn) === source ? this.destinationOf(task, message) : undefined;
      if (destination === undefined) {
        task.status = 'FAILED';
        task.failureReason = NON_EXISTENT_QUEUE;
        return;
      }
      // The copy goes in before the original comes out: a crash between the two leaves a duplicate, never a loss.
      destination.enqueue(this.createMessage(message.body, { ...message.messageAttributes }, undefined, message.messageGroupId));
      source.messages.shift();
      source.persistence?.deleteMessage(message.messageId);
      task.moved += 1;
    }
    if (task.moved >= task.toMove || source.messages.length === 0) {
      task.status = 'COMPLETED';
      return;
    }
    task.timer = setTimeout(() => this.step(task), task.startedTimestamp + (task.moved * 1000) / rate - Date.now());
  }
}

const ACTIONS = {
  'AmazonSQS.StartMessageMoveTask': (tasks: MessageMoveTasks, parameters: RequestParameters) => tasks.start(parameters),
  'AmazonSQS.ListMessageMoveTasks': (tasks: MessageMoveTasks, parameters: RequestParameters) => tasks.list(parameters),
  'AmazonSQS.CancelMessageMoveTask': (tasks: MessageMoveTasks, parameters: RequestParameters) => tasks.cancel(parameters),
} as const;

function isAction(target: unknown): target is keyof typeof ACTIONS {
  return typeof target === 'string' && Object.hasOwn(ACTIONS, target);
}

/**
 * Serves the message move tasks on fauxqs's app, ahead of its SQS router (which answers
 * `InvalidAction` for them), and records where `store`'s dead letters come from.
 */
export function serveMessageMoveTasks(app: FauxqsApp, store: FauxqsSqsStore, createMessage: FauxqsSqsStoreClass['createMessage']): void {
  const tasks = new MessageMoveTasks(store, createMessage);
  for (const queue of store.allQueues()) tasks.watch(queue);
  const createQueue = store.createQueue.bind(store);
  store.createQueue = (...args) => {
    const queue = createQueue(...args);
    tasks.watch(queue);
    return queue;
  };

  // preHandler: the first hook that sees the parsed JSON body.
  app.addHook('preHandler', async (request, reply) => {
    const target = request.headers['x-amz-target'];
    if (!isAction(target)) return;
    const parameters = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as RequestParameters;
    reply.header('content-type', JSON_CONTENT_TYPE);
    try {
      reply.send(JSON.stringify(ACTIONS[target](tasks, parameters)));
    } catch (error) {
      if (!(error instanceof SqsActionError)) throw error;
      // SQS is query-compatible: the SDKs and the AWS CLI read the code from this header first.
      reply
        .code(error.statusCode)
        .header('x-amzn-query-error', `${error.code};Sender`)
        .send(JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message }));
    }
    return reply;
  });
  app.addHook('preClose', () => tasks.stop());
}
