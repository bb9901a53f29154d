import type { CallCount, InvocationStats } from './aws-usage.ts';
import { PRICES } from './prices.ts';
import type { ScaleModel } from './scale-model.ts';

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
  /** API Gateway requests per job: 1 for `POST /jobs`, 1/100 for full batches. */
  readonly apiRequestsPerJob: number;
  readonly apiRequestNote: string;
  readonly apiInvocations: InvocationStats;
  readonly workerInvocations: InvocationStats;
  readonly apiMemoryMb: number;
  readonly workerMemoryMb: number;
  /** The write model of the run's stream (scale-model.ts). */
  readonly writes: ScaleModel;
  /** Bytes of JSON logs and EMF the functions printed per job. */
  readonly logBytesPerJob: number;
  /** Lifecycle events put on the bus per job (counted on the local bus). */
  readonly eventsPerJob: number;
  /** How the invocation durations were obtained, for the cost line's note. */
  readonly durationNote: string;
  /** EventBridge Scheduler invocations per job: 1 for a job due more than 15 minutes ahead, or a recurring firing. */
  readonly schedulerInvocationsPerJob?: number;
  /** Other functions on the job's path (the webhook deliverer, the events function), priced like the worker. */
  readonly otherFunctions?: readonly { readonly label: string; readonly invocations: InvocationStats; readonly memoryMb: number }[];
}

/** The cost line of the lifecycle events: priced per event put, for the consumers of the bus. */
export const EVENTS_COST_ITEM = 'EventBridge lifecycle events';

/** Bytes per GB as CloudWatch Logs meters ingestion. */
const GB = 2 ** 30;

/**
 * Read units per job of the job path: a consistent GetItem of an item under 4 KB is 1 RRU
 * (counted); a Query or BatchGetItem is taken as 1 RRU per call (estimated: one page under 4 KB).
 */
export function readUnitsPerJob(calls: readonly CallCount[], jobs: number): { rruPerJob: number; note: string } {
  const count = (operation: string) =>
    calls
      .filter((call) => (call.caller === 'api' || call.caller === 'worker') && call.operation === operation)
      .reduce((sum, call) => sum + call.count, 0) / jobs;
  const gets = count('GetItem');
  const others = count('Query') + count('BatchGetItem');
  return {
    rruPerJob: gets + others,
    note: `${gets.toFixed(2)} consistent GetItem × 1 RRU (counted)${others > 0 ? ` + ${others.toFixed(2)} Query/BatchGetItem × 1 RRU (estimated)` : ''}`,
  };
}

/** Turns counted calls, the write model and the logged bytes into dollars per million jobs with the price table. */
export function costPerMillionJobs(inputs: CostInputs): CostLine[] {
  const perJob = (count: number) => count / inputs.jobs;
  const sum = (filter: (call: CallCount) => boolean) => inputs.calls.filter(filter).reduce((total, call) => total + call.count, 0);
  const sqsRequests = perJob(sum((call) => call.service === 'SQS'));
  const sqsFromEventSource = perJob(sum((call) => call.service === 'SQS' && call.caller === 'event source'));
  const reads = readUnitsPerJob(inputs.calls, inputs.jobs);
  const gbSeconds = (stats: InvocationStats, memoryMb: number) => perJob((stats.totalMs / 1000) * (memoryMb / 1024));
  const apiGbS = gbSeconds(inputs.apiInvocations, inputs.apiMemoryMb);
  const workerGbS = gbSeconds(inputs.workerInvocations, inputs.workerMemoryMb);
  const others = inputs.otherFunctions ?? [];
  const othersGbS = others.reduce((total, other) => total + gbSeconds(other.invocations, other.memoryMb), 0);
  const invocations = perJob(
    inputs.apiInvocations.count + inputs.workerInvocations.count + others.reduce((total, other) => total + other.invocations.count, 0),
  );
  const secretCalls = perJob(sum((call) => call.service === 'secretsmanager'));
  const writeParts = Object.entries(inputs.writes.wruPerJobBy)
    .map(([where, wru]) => `${where} ${wru.toFixed(wru < 0.1 ? 3 : 2)}`)
    .join(', ');
  const line = (item: string, count: number, unit: string, price: number, note: string): CostLine => ({
    item,
    perJob: count,
    unit,
    usdPerMillionJobs: count * price * 1e6,
    note,
  });
  return [
    line('API Gateway HTTP API', inputs.apiRequestsPerJob, 'request', PRICES.apiGatewayHttpRequest.usd, inputs.apiRequestNote),
    line(
      'SQS requests',
      sqsRequests,
      'request',
      PRICES.sqsRequest.usd,
      `counted; ${sqsFromEventSource.toFixed(2)} of them by the event source (ReceiveMessage, DeleteMessageBatch)`,
    ),
    line(
      'DynamoDB writes',
      inputs.writes.wruPerJob,
      'WRU',
      PRICES.dynamoDbWriteUnit.usd,
      `write model of the table's stream: ${writeParts}`,
    ),
    line('DynamoDB reads', reads.rruPerJob, 'RRU', PRICES.dynamoDbReadUnit.usd, reads.note),
    line(
      'Lambda requests',
      invocations,
      'request',
      PRICES.lambdaRequest.usd,
      [
        `${perJob(inputs.apiInvocations.count).toFixed(3)} API`,
        `${perJob(inputs.workerInvocations.count).toFixed(3)} worker`,
        ...others.map((other) => `${perJob(other.invocations.count).toFixed(3)} ${other.label}`),
      ].join(' + ') + ' invocations',
    ),
    line(
      'Lambda arm64 duration',
      apiGbS + workerGbS + othersGbS,
      'GB-s',
      PRICES.lambdaArmGbSecond.usd,
      `${inputs.durationNote} × configured memory (API ${inputs.apiMemoryMb} MB, worker ${inputs.workerMemoryMb} MB${others
        .map((other) => `, ${other.label} ${other.memoryMb} MB`)
        .join('')}): an estimate`,
    ),
    line(
      EVENTS_COST_ITEM,
      inputs.eventsPerJob,
      'event',
      PRICES.eventBridgeEvent.usd,
      'counted on the local bus: one per job that became retrying, completed, failed or cancelled',
    ),
    ...(inputs.schedulerInvocationsPerJob === undefined
      ? []
      : [
          line(
            'EventBridge Scheduler',
            inputs.schedulerInvocationsPerJob,
            'invocation',
            PRICES.eventBridgeSchedulerInvocation.usd,
            'one firing per job (priced past the free 14 M a month)',
          ),
        ]),
    ...(secretCalls > 0
      ? [
          line(
            'Secrets Manager',
            secretCalls,
            'call',
            PRICES.secretsManagerApiCall.usd,
            'counted: the deliverer reading the signing secret',
          ),
        ]
      : []),
    line(
      'CloudWatch Logs ingestion',
      inputs.logBytesPerJob / GB,
      'GB',
      PRICES.cloudWatchLogsIngestedGb.usd,
      `${Math.round(inputs.logBytesPerJob)} bytes per job of JSON logs and EMF, counted from every line the functions printed`,
    ),
  ];
}
