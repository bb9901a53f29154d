import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { FunctionProcess } from '../local/function-process.ts';

/** `AmazonSQS.SendMessage` → `{service: 'SQS', operation: 'SendMessage'}`. */
function parseTarget(target: string): { service: string; operation: string } {
  const [prefix = '', operation = target] = target.split('.');
  return { service: prefix.startsWith('DynamoDB') ? 'DynamoDB' : prefix === 'AmazonSQS' ? 'SQS' : prefix, operation };
}

/**
 * Calls the API function makes for the benchmark's own reads (`GET /stats` reads the counts
 * item, `GET /jobs` queries the shards), not for submitting jobs: a submission without an
 * Idempotency-Key reads nothing.
 */
const BENCH_READS = new Set(['Query', 'BatchGetItem', 'GetItem', 'GetQueueAttributes']);

export interface CallCount {
  readonly caller: string;
  readonly service: string;
  readonly operation: string;
  readonly count: number;
}

export interface InvocationStats {
  readonly count: number;
  readonly totalMs: number;
}

/** What one stretch of the benchmark used. */
export interface UsageSnapshot {
  readonly calls: CallCount[];
  readonly invocations: Record<string, InvocationStats>;
  /** Bytes of every line the functions printed (JSON logs and EMF), each with its newline. */
  readonly logBytes: number;
  /** DynamoDB writes refused by their condition (billed, but absent from the stream). */
  readonly conditionFailures: number;
}

/**
 * Counts what AWS would bill for a stretch of the benchmark: every SDK call the functions make
 * (each function process prints one `awsCall` line per call, see aws-call-log.ts), every call
 * the local event source makes in this process (ReceiveMessage that brought messages, DeleteMessageBatch — in AWS the
 * event source mapping's polls are billed as SQS requests too), every message the local bus's
 * rule sends to its queue (SendMessage, as the rule's target does in AWS), and every function invocation
 * with its duration.
 */
export class AwsUsage {
  private readonly calls = new Map<string, number>();
  private readonly invocations = new Map<string, { count: number; totalMs: number }>();
  private logBytes = 0;
  private conditionFailures = 0;
  private counting = false;
  private readonly onLocalRequest = (message: unknown) => {
    if (!this.counting) return;
    const target = (message as { request: ClientRequest }).request.getHeader('x-amz-target');
    const { service, operation } = parseTarget(String(target ?? ''));
    if (operation === 'DeleteMessageBatch') this.add('event source', service, operation);
    // The local bus's webhook rule and the local EventBridge Scheduler sending to a queue: in AWS the rule's
    // target and the schedule's, billed as SQS requests too.
    if (operation === 'SendMessage') this.add('bus rule or scheduler', service, operation);
  };

  /**
   * A receive is counted once its answer holds messages: an empty one (`{}`, 2 bytes) is a long
   * poll of an idle queue, which in AWS is a fixed cost per poller (20 s polls), not per job.
   */
  private readonly onLocalResponse = (message: unknown) => {
    if (!this.counting) return;
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const { service, operation } = parseTarget(String(request.getHeader('x-amz-target') ?? ''));
    if (operation === 'ReceiveMessage' && Number(response.headers['content-length'] ?? Infinity) > 2)
      this.add('event source', service, operation);
  };

  /** The NODE_OPTIONS that makes a function process print its AWS calls. */
  static readonly nodeOptions = `--enable-source-maps --import ${new URL('./aws-call-log.ts', import.meta.url).pathname}`;

  constructor() {
    subscribe('http.client.request.start', this.onLocalRequest);
    subscribe('http.client.response.finish', this.onLocalResponse);
    // Times every invocation of every local function (Lambda bills its duration).
    const original = FunctionProcess.prototype.invoke;
    const record = (name: string, ms: number) => {
      if (!this.counting) return;
      const entry = this.invocations.get(name) ?? { count: 0, totalMs: 0 };
      entry.count += 1;
      entry.totalMs += Math.ceil(ms);
      this.invocations.set(name, entry);
    };
    FunctionProcess.prototype.invoke = async function timedInvoke<T>(this: FunctionProcess, event: unknown): Promise<T> {
      const started = performance.now();
      try {
        return (await original.call(this, event)) as T;
      } finally {
        record((this as unknown as { options: { name: string } }).options.name, performance.now() - started);
      }
    };
  }

  private add(caller: string, service: string, operation: string): void {
    const key = `${caller}\u0000${service}\u0000${operation}`;
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  /** Feed every line the functions print here. */
  readonly onFunctionOutput = (line: string, functionName: string): void => {
    if (!this.counting) return;
    if (line.startsWith('{"awsConditionFailed"')) {
      this.conditionFailures += 1;
      return;
    }
    if (line.startsWith('{"awsCall"')) {
      const { target } = (JSON.parse(line) as { awsCall: { target: string } }).awsCall;
      const { service, operation } = parseTarget(target);
      const role = functionName.endsWith('-api') ? 'api' : functionName.endsWith('-worker') ? 'worker' : functionName;
      if (role === 'api' && BENCH_READS.has(operation)) return;
      this.add(role, service, operation);
      return;
    }
    this.logBytes += Buffer.byteLength(line) + 1;
  };

  start(): void {
    this.counting = true;
  }

  stop(): void {
    this.counting = false;
  }

  dispose(): void {
    unsubscribe('http.client.request.start', this.onLocalRequest);
    unsubscribe('http.client.response.finish', this.onLocalResponse);
  }

  /** What was counted since the last take, which starts the count again. */
  take(): UsageSnapshot {
    const snapshot = {
      calls: this.callCounts(),
      invocations: this.invocationStats(),
      logBytes: this.logBytes,
      conditionFailures: this.conditionFailures,
    };
    this.calls.clear();
    this.invocations.clear();
    this.logBytes = 0;
    this.conditionFailures = 0;
    return snapshot;
  }

  private callCounts(): CallCount[] {
    return [...this.calls].map(([key, count]) => {
      const [caller = '', service = '', operation = ''] = key.split('\u0000');
      return { caller, service, operation, count };
    });
  }

  private invocationStats(): Record<string, InvocationStats> {
    return Object.fromEntries([...this.invocations].map(([name, stats]) => [name, { ...stats }]));
  }
}
