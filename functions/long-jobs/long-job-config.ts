import { CHUNK_ENV } from '../jobs/domain/long-job-state-machine.ts';
import { integerEnv, requireEnv } from '../runtime-config.ts';

/** What the long-job steps function reads; see `lib/constructs/long-job-state-machine.ts`. */
export interface LongJobStepsConfig {
  readonly tableName: string;
  readonly jobRetentionDays: number;
}

/** What a chunk task reads; see `lib/constructs/long-job-chunk-task.ts`. */
export interface ChunkTaskConfig extends LongJobStepsConfig {
  readonly jobId: string;
  readonly owner: string;
  readonly chunkIndex: number;
  /** `redis://` locally, `rediss://` (TLS) for ElastiCache with encryption in transit. */
  readonly redisUrl: string;
  /** The ElastiCache AUTH token, injected from Secrets Manager; none locally. */
  readonly redisAuthToken: string | undefined;
  readonly outputBucket: string;
  /** Local S3 servers answer path-style requests only (`S3_FORCE_PATH_STYLE=true`). */
  readonly s3ForcePathStyle: boolean;
}

export function longJobStepsConfig(env: NodeJS.ProcessEnv = process.env): LongJobStepsConfig {
  return { tableName: requireEnv('TABLE_NAME', env), jobRetentionDays: integerEnv('JOB_RETENTION_DAYS', env, 1, 3650) };
}

export function chunkTaskConfig(env: NodeJS.ProcessEnv = process.env): ChunkTaskConfig {
  return {
    ...longJobStepsConfig(env),
    jobId: requireEnv(CHUNK_ENV.jobId, env),
    owner: requireEnv(CHUNK_ENV.owner, env),
    chunkIndex: integerEnv(CHUNK_ENV.chunkIndex, env, 0, 1_000_000),
    redisUrl: requireEnv('REDIS_URL', env),
    redisAuthToken: env.REDIS_AUTH_TOKEN || undefined,
    outputBucket: requireEnv('OUTPUT_BUCKET', env),
    s3ForcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
  };
}
