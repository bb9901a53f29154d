/**
 * AWS list prices (us-east-1) the benchmark turns request counts into cost with. Each price
 * carries its source and the date of that source (shared/REFERENCE.md); re-check a figure
 * before relying on it for something new.
 */
export interface Price {
  readonly item: string;
  /** US dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  readonly date: string;
}

export const PRICES = {
  apiGatewayHttpRequest: {
    item: 'API Gateway HTTP API request (first 300 M; metered per 512 KB)',
    usd: 1.0 / 1e6,
    unit: 'request',
    source: 'AWS whitepaper on API Gateway private APIs',
    date: 'as cited in REFERENCE.md (2026)',
  },
  sqsRequest: {
    item: 'SQS standard request (each 64 KB chunk of a payload is one request)',
    usd: 0.4 / 1e6,
    unit: 'request',
    source: 'cloudburn.io',
    date: '2026-03',
  },
  lambdaRequest: {
    item: 'Lambda request',
    usd: 0.2 / 1e6,
    unit: 'request',
    source: 'cloudchipr.com',
    date: '2024',
  },
  lambdaArmGbSecond: {
    item: 'Lambda arm64 compute',
    usd: 0.0000133334,
    unit: 'GB-second',
    source: 'cloudchipr.com',
    date: '2024',
  },
  dynamoDbWriteUnit: {
    item: 'DynamoDB on-demand write request unit (1 KB; transactional writes use 2)',
    usd: 0.625 / 1e6,
    unit: 'WRU',
    source: 'airbyte.com; jusdb.com (price halved on 2024-11-01)',
    date: '2025-07 / 2025-08',
  },
  dynamoDbReadUnit: {
    item: 'DynamoDB on-demand read request unit (4 KB strongly consistent)',
    usd: 0.125 / 1e6,
    unit: 'RRU',
    source: 'airbyte.com; jusdb.com (price halved on 2024-11-01)',
    date: '2025-07 / 2025-08',
  },
  cloudWatchLogsIngestedGb: {
    item: 'CloudWatch Logs ingestion, standard log class (EMF metric lines are log lines too)',
    usd: 0.5,
    unit: 'GB',
    source: 'AWS CloudWatch pricing page',
    // REFERENCE.md gives this line no date of its own and asks for a re-check; not re-checked here.
    date: 'as cited in REFERENCE.md (2026, undated there)',
  },
  eventBridgeEvent: {
    item: 'EventBridge custom-bus event put (each 64 KB chunk of an entry is one event)',
    usd: 1.0 / 1e6,
    unit: 'event',
    source: 'AWS EventBridge pricing page',
    // REFERENCE.md gives this line no date of its own and asks for a re-check; not re-checked here.
    date: 'as cited in REFERENCE.md (2026, undated there)',
  },
  eventBridgeSchedulerInvocation: {
    item: 'EventBridge Scheduler invocation (a one-time schedule firing, or one firing of a recurring one; 14 M a month free)',
    usd: 1.0 / 1e6,
    unit: 'invocation',
    source: 'cloudburn.io EventBridge pricing',
    // REFERENCE.md gives this line no date of its own; not re-checked here.
    date: 'as cited in REFERENCE.md (2026, undated there)',
  },
  secretsManagerApiCall: {
    item: 'Secrets Manager API call (the deliverer reads the signing secret at most every 5 minutes per environment)',
    usd: 0.05 / 1e4,
    unit: 'call',
    source: 'AWS Secrets Manager pricing page ($0.05 per 10,000 API calls; $0.40 per secret-month, a fixed cost)',
    // Not in REFERENCE.md: re-check before relying on it.
    date: 'not in REFERENCE.md (re-check)',
  },
} as const satisfies Record<string, Price>;
