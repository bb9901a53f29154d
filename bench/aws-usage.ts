import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { FunctionProcess } from '../local/function-process.ts';
import { PRICES } from './prices.ts';

/** `AmazonSQS.SendMessage` → `{service: 'SQS', operation: 'SendMessage'}`. */
function parseTarget(target: string): { service: string; operation: string } {
  const [prefix = '', operation = target] = target.split('.');
  return { service: prefix.startsWith('DynamoDB') ? 'DynamoDB' : prefix === 'AmazonSQS' ? 'SQS' : prefix, operation };
}

/** Calls the API function makes for the benchmark's own reads (`GET /stats`, `GET /jobs`), not for submitting jobs. */
const BENCH_READS = new Set(['Query', 'BatchGetItem', 'GetQueueAttributes']);

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

/**
 * Counts what AWS would bill for a stretch of the benchmark: every SDK call the functions make
 * (each function process prints one `awsCall` line per call, see aws-call-log.ts), every call
 * the local event source makes in this process (ReceiveMessage, DeleteMessageBatch — in AWS the
 * event source mapping's polls are billed as SQS requests too), and every function invocation
 * with its duration.
 */
export class AwsUsage {
  private readonly calls = new Map<string, number>();
  private readonly invocations = new Map<string, { count: number; totalMs: number }>();
  private logBytes = 0;
  private counting = false;
  private readonly onLocalRequest = (message: unknown) => {
    if (!this.counting) return;
    const target = (message as { request: ClientRequest }).request.getHeader('x-amz-target');
    const { service, operation } = parseTarget(String(target ?? ''));
    if (operation === 'ReceiveMessage' || operation === 'DeleteMessageBatch') this.add('event source', service, operation);
  };

  /** The NODE_OPTIONS that makes a function process print its AWS calls. */
  static readonly nodeOptions = `--enable-source-maps --import ${new URL('./aws-call-log.ts', import.meta.url).pathname}`;

  constructor() {
    subscribe('http.client.request.start', this.onLocalRequest);
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
  }

  callCounts(): CallCount[] {
    return [...this.calls].map(([key, count]) => {
      const [caller = '', service = '', operation = ''] = key.split('\u0000');
      return { caller, service, operation, count };
    });
  }

  invocationStats(): Record<string, InvocationStats> {
    return Object.fromEntries(this.invocations);
  }

  get loggedBytes(): number {
    return this.logBytes;
  }
}

export interface CostLine {
  readonly item: string;
  readonly perJob: number;
  readonly unit: string;
  readonly usdPerMillionJobs: number;
  readonly note: string;
}

export interface CostInputs {
  readonly jobs: number;
  readonly calls: readonly CallCount[];
  readonly apiInvocations: InvocationStats;
  readonly workerInvocations: InvocationStats;
  readonly apiMemoryMb: number;
  readonly workerMemoryMb: number;
  /** Write units per job write: items under 1 KB use one (measured item sizes decide). */
  readonly writeUnitsPerPut: number;
  /** Index writes per job, from the transitions each job goes through (see the report). */
  readonly indexWritesPerJob: number;
  /** How the invocation durations were obtained, for the cost line's note. */
  readonly durationNote: string;
}

/** Turns counted calls and invocations into dollars per million jobs with the price table. */
export function costPerMillionJobs(inputs: CostInputs): CostLine[] {
  const perJob = (count: number) => count / inputs.jobs;
  const sum = (filter: (call: CallCount) => boolean) => inputs.calls.filter(filter).reduce((total, call) => total + call.count, 0);
  const sqsRequests = perJob(sum((call) => call.service === 'SQS'));
  const sqsFromEventSource = perJob(sum((call) => call.service === 'SQS' && call.caller === 'event source'));
  const puts = perJob(sum((call) => call.service === 'DynamoDB' && call.operation === 'PutItem'));
  const transactions = perJob(sum((call) => call.service === 'DynamoDB' && call.operation === 'TransactWriteItems'));
  const reads = perJob(sum((call) => call.service === 'DynamoDB' && call.operation === 'GetItem'));
  const writeUnits = puts * inputs.writeUnitsPerPut + transactions * 2 * 2 * inputs.writeUnitsPerPut + inputs.indexWritesPerJob;
  const gbSeconds = (stats: InvocationStats, memoryMb: number) => perJob((stats.totalMs / 1000) * (memoryMb / 1024));
  const apiGbS = gbSeconds(inputs.apiInvocations, inputs.apiMemoryMb);
  const workerGbS = gbSeconds(inputs.workerInvocations, inputs.workerMemoryMb);
  const invocations = perJob(inputs.apiInvocations.count + inputs.workerInvocations.count);
  const line = (item: string, count: number, unit: string, price: number, note: string): CostLine => ({
    item,
    perJob: count,
    unit,
    usdPerMillionJobs: count * price * 1e6,
    note,
  });
  return [
    line('API Gateway HTTP API', 1, 'request', PRICES.apiGatewayHttpRequest.usd, 'one POST /jobs per job'),
    line(
      'SQS requests',
      sqsRequests,
      'request',
      PRICES.sqsRequest.usd,
      `counted; ${sqsFromEventSource.toFixed(2)} of them by the event source (ReceiveMessage, DeleteMessageBatch)`,
    ),
    line(
      'DynamoDB writes',
      writeUnits,
      'WRU',
      PRICES.dynamoDbWriteUnit.usd,
      `${puts.toFixed(2)} PutItem × ${inputs.writeUnitsPerPut} WRU + ${inputs.indexWritesPerJob.toFixed(2)} index writes (estimated)`,
    ),
    line('DynamoDB reads', reads, 'RRU', PRICES.dynamoDbReadUnit.usd, 'consistent GetItem of items under 4 KB: 1 RRU each'),
    line(
      'Lambda requests',
      invocations,
      'request',
      PRICES.lambdaRequest.usd,
      `${perJob(inputs.apiInvocations.count).toFixed(2)} API + ${perJob(inputs.workerInvocations.count).toFixed(3)} worker invocations`,
    ),
    line(
      'Lambda arm64 duration',
      apiGbS + workerGbS,
      'GB-s',
      PRICES.lambdaArmGbSecond.usd,
      `${inputs.durationNote} × configured memory (API ${inputs.apiMemoryMb} MB, worker ${inputs.workerMemoryMb} MB): an estimate`,
    ),
  ];
}
