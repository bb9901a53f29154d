import * as z from 'zod';

/**
 * Retry defaults a job type falls back to when it does not set its own.
 * Attempt n waits min(capSeconds, baseSeconds * 2^(n-1)) with equal jitter (see retry-delay.ts).
 */
const retryDefaults = z.object({
  maxAttempts: z.number().int().min(1).max(10),
  baseSeconds: z.number().int().min(1).max(900),
  capSeconds: z.number().int().min(1).max(43_200),
});

/** The long-job companion stack of an environment (SPEC §6). */
const longJobSettings = z.object({
  /** Chunk tasks one job runs at once: the Map's MaxConcurrency (an inline Map runs at most 40 iterations at once, Step Functions developer guide). */
  maxConcurrency: z.number().int().min(1).max(40),
  /** Runs of a failed or stopped chunk task after the first, before the job fails. */
  chunkRetries: z.number().int().min(0).max(10),
  /** Fargate CPU units of a chunk task (1024 = 1 vCPU); the CDK checks the CPU/memory pair. */
  taskCpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]),
  taskMemoryMb: z.number().int().min(512).max(30_720),
  /** NAT gateways of the long-job VPC. 0 (no hourly NAT cost) puts the tasks in public subnets with a public IP and no inbound rule. */
  natGateways: z.number().int().min(0).max(3),
  /** ElastiCache node type of the progress store. */
  cacheNodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'an ElastiCache node type such as cache.t4g.micro'),
  /** Read replicas; one or more turns on Multi-AZ with automatic failover. */
  cacheReplicas: z.number().int().min(0).max(5),
  /** Days an output stays in the output bucket. */
  outputRetentionDays: z.number().int().min(1).max(3650),
});

/** Signed webhooks (SPEC §11): who may receive them, how a failing delivery is retried, when the secret rotates. */
const webhookSettings = z.object({
  /**
   * Whether a job's `callbackUrl` may be plain `http:`. Only the local environment, whose
   * receivers run on localhost, sets it; an AWS environment delivers over TLS only.
   */
  allowHttpCallbackUrls: z.boolean(),
  /**
   * Try n of a failing delivery waits min(capSeconds, baseSeconds * 2^(n-1)) with equal jitter
   * (retry-delay.ts), until 24 h after the event; the cap stays under SQS's 12 h visibility limit.
   */
  retry: z.object({
    baseSeconds: z.number().int().min(1).max(900),
    capSeconds: z.number().int().min(1).max(43_200),
  }),
  /** Deliveries at once (the deliverer's event source mapping), so a burst of finished jobs cannot flood receivers. */
  maxConcurrency: z.number().int().min(2).max(1000),
  /**
   * Seconds a deliverer keeps the signing secret it read: after a rotation it signs with the new
   * key within this time (until then with the old one, which receivers still accept).
   */
  secretCacheSeconds: z.number().int().min(1).max(3600),
  /** Days between rotations of the signing secret; the one before stays valid until the next. */
  secretRotationDays: z.number().int().min(1).max(365),
});

/** Everything that differs between deployments of the platform, one typed object each. */
const environmentSchema = z
  .object({
    /** Short name carried by the stack and every resource name (`jobs-dev-…`). */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,15}$/, 'lower-case letters, digits and dashes, 2-16 characters'),
    /** Target account and region; undefined means the CLI's current credentials decide. */
    account: z
      .string()
      .regex(/^\d{12}$/, 'a 12-digit AWS account id')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1')
      .optional(),
    worker: z.object({
      /** Lambda memory in MB: Node's init barely depends on it, CPU does. */
      memoryMb: z.number().int().min(128).max(10_240),
      /** Lambda timeout; the queue's visibility timeout is derived from it (6x). */
      timeoutSeconds: z.number().int().min(5).max(900),
      /** Records per invocation; above 10 AWS requires a batching window. */
      batchSize: z.number().int().min(1).max(10_000),
      /** Seconds the event source mapping may wait to fill a batch (0-300). */
      batchingWindowSeconds: z.number().int().min(0).max(300),
      /** Concurrent invocations the event source mapping may use (2-1000). */
      maxConcurrency: z.number().int().min(2).max(1000),
      /** Jobs one invocation runs at the same time. */
      concurrencyPerBatch: z.number().int().min(1).max(100),
    }),
    api: z.object({
      memoryMb: z.number().int().min(128).max(10_240),
      /** Stage throttling: steady requests per second and burst. */
      throttleRatePerSecond: z.number().int().min(1).max(10_000),
      throttleBurst: z.number().int().min(1).max(5_000),
    }),
    retry: retryDefaults,
    /** Days a finished job is kept before DynamoDB's TTL removes it; at least the DLQ's 14 days. */
    jobRetentionDays: z.number().int().min(15).max(365),
    logRetentionDays: z.union([
      z.literal(1),
      z.literal(3),
      z.literal(5),
      z.literal(7),
      z.literal(14),
      z.literal(30),
      z.literal(60),
      z.literal(90),
      z.literal(180),
      z.literal(365),
      z.literal(731),
      z.literal(1827),
    ]),
    /**
     * Encrypt every log group with a customer-managed KMS key (AWS Control Tower CT.CLOUDWATCH.PR.3);
     * otherwise CloudWatch Logs' own encryption at rest.
     */
    customerManagedLogKey: z.boolean(),
    /** `destroy` for throw-away environments; `retain` keeps the table and turns on point-in-time recovery. */
    removalPolicy: z.enum(['destroy', 'retain']),
    tracing: z.boolean(),
    alarms: z.object({
      /** E-mail that receives the alarms; none means the topic has no subscription. */
      notificationEmail: z.email().optional(),
      /** Alarm when the oldest queued message is older than this. */
      oldestMessageAgeSeconds: z.number().int().min(60),
      /** Alarm when failed attempts / started attempts over 5 minutes exceeds this percentage. */
      errorRatePercent: z.number().min(1).max(100),
      /** Alarm when the API returns this many 5xx responses in 5 minutes. */
      api5xxCount: z.number().int().min(1),
    }),
    /** Verified SES sender of the `email` job type (`EMAIL_FROM`); none lets any verified identity of the account send. */
    emailFrom: z.email().optional(),
    /**
     * Whether callers may submit the drill types (`crash`, `flaky`), which fail or take workers
     * down on purpose. Elsewhere they are `400 UNKNOWN_JOB_TYPE`.
     */
    drillJobTypes: z.boolean(),
    /** The Step Functions + Fargate stack for long-running jobs, or `false` where it is not deployed. */
    longJobs: z.union([z.literal(false), longJobSettings]),
    webhooks: webhookSettings,
  })
  .superRefine((config, ctx) => {
    // AWS requires a batching window of at least 1 s when the batch size is above 10
    // (Lambda developer guide, "Using Lambda with Amazon SQS").
    if (config.worker.batchSize > 10 && config.worker.batchingWindowSeconds < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['worker', 'batchingWindowSeconds'],
        message: `must be at least 1 when worker.batchSize is above 10, '${config.worker.batchingWindowSeconds}' given`,
      });
    }
    if (config.retry.baseSeconds > config.retry.capSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['retry', 'capSeconds'],
        message: `must be at least retry.baseSeconds (${config.retry.baseSeconds}), '${config.retry.capSeconds}' given`,
      });
    }
  });

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type RetryDefaults = z.infer<typeof retryDefaults>;
export type LongJobSettings = z.infer<typeof longJobSettings>;
export type WebhookSettings = z.infer<typeof webhookSettings>;

/**
 * AWS environments deliver webhooks over TLS only. A failing receiver is tried after about 30 s,
 * 1, 2, 4 ... minutes, then hourly until the 24 h mark: some 30 tries, each 10 s at most.
 */
const WEBHOOKS: WebhookSettings = {
  allowHttpCallbackUrls: false,
  retry: { baseSeconds: 30, capSeconds: 3600 },
  maxConcurrency: 10,
  secretCacheSeconds: 300,
  secretRotationDays: 30,
};

const dev: EnvironmentConfig = {
  name: 'dev',
  worker: { memoryMb: 512, timeoutSeconds: 30, batchSize: 10, batchingWindowSeconds: 0, maxConcurrency: 5, concurrencyPerBatch: 10 },
  api: { memoryMb: 512, throttleRatePerSecond: 50, throttleBurst: 100 },
  retry: { maxAttempts: 3, baseSeconds: 2, capSeconds: 60 },
  jobRetentionDays: 15,
  logRetentionDays: 7,
  customerManagedLogKey: false,
  removalPolicy: 'destroy',
  tracing: false,
  alarms: { oldestMessageAgeSeconds: 900, errorRatePercent: 25, api5xxCount: 10 },
  drillJobTypes: true,
  longJobs: false,
  webhooks: WEBHOOKS,
};

const staging: EnvironmentConfig = {
  name: 'staging',
  worker: { memoryMb: 1024, timeoutSeconds: 60, batchSize: 10, batchingWindowSeconds: 1, maxConcurrency: 20, concurrencyPerBatch: 10 },
  api: { memoryMb: 1024, throttleRatePerSecond: 200, throttleBurst: 400 },
  retry: { maxAttempts: 5, baseSeconds: 5, capSeconds: 300 },
  jobRetentionDays: 30,
  logRetentionDays: 30,
  customerManagedLogKey: false,
  removalPolicy: 'destroy',
  tracing: true,
  alarms: { oldestMessageAgeSeconds: 600, errorRatePercent: 10, api5xxCount: 5 },
  drillJobTypes: false,
  longJobs: {
    maxConcurrency: 10,
    chunkRetries: 3,
    taskCpu: 256,
    taskMemoryMb: 512,
    natGateways: 0,
    cacheNodeType: 'cache.t4g.micro',
    cacheReplicas: 0,
    outputRetentionDays: 7,
  },
  webhooks: WEBHOOKS,
};

const prod: EnvironmentConfig = {
  name: 'prod',
  worker: { memoryMb: 1024, timeoutSeconds: 60, batchSize: 25, batchingWindowSeconds: 1, maxConcurrency: 100, concurrencyPerBatch: 25 },
  api: { memoryMb: 1024, throttleRatePerSecond: 1000, throttleBurst: 2000 },
  retry: { maxAttempts: 5, baseSeconds: 5, capSeconds: 900 },
  jobRetentionDays: 90,
  logRetentionDays: 365,
  customerManagedLogKey: true,
  removalPolicy: 'retain',
  tracing: true,
  alarms: { notificationEmail: 'oncall@example.com', oldestMessageAgeSeconds: 300, errorRatePercent: 5, api5xxCount: 1 },
  drillJobTypes: false,
  longJobs: {
    maxConcurrency: 40,
    chunkRetries: 3,
    taskCpu: 512,
    taskMemoryMb: 1024,
    natGateways: 0,
    cacheNodeType: 'cache.t4g.small',
    cacheReplicas: 1,
    outputRetentionDays: 30,
  },
  webhooks: WEBHOOKS,
};

/** The environments kept in this repository, by the name given to `-c env=`. */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentConfig>> = { dev, staging, prod };

/**
 * Returns the validated config of one environment; fails with a message naming the valid
 * environments, or the offending key, the value given and what is allowed.
 */
export function loadEnvironment(name: string | undefined, environments = ENVIRONMENTS): EnvironmentConfig {
  const valid = Object.keys(environments).join(', ');
  if (name === undefined || name === '') {
    throw new Error(`No environment given: pass -c env=<name>, one of: ${valid}`);
  }
  const config = environments[name];
  if (config === undefined) {
    throw new Error(`Unknown environment '${name}': valid environments are ${valid}`);
  }
  return validateEnvironment(config);
}

/** Validates one environment object, naming every invalid key with its value. */
export function validateEnvironment(config: unknown): EnvironmentConfig {
  const parsed = environmentSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path.join('.');
    const given = issue.path.reduce<unknown>(
      (value, segment) => (value as Record<PropertyKey, unknown> | undefined)?.[segment as PropertyKey],
      config,
    );
    return issue.code === 'custom' ? `'${key}' ${issue.message}` : `'${key}' ${issue.message}, '${String(given)}' given`;
  });
  const name = (config as { name?: unknown } | null)?.name;
  throw new Error(`Invalid configuration for environment '${String(name)}': ${problems.join('; ')}`);
}
