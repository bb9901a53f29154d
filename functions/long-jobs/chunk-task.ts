/**
 * The chunk task's entrypoint: the container's CMD runs this file (bundled), and the local
 * runtime runs it as a child process. One process runs one chunk (JOB_ID, CHUNK_INDEX) and exits:
 * 0 when the chunk is stored (or was before), non-zero when the Map's Retry should run it again.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { ChunkStore } from '../jobs/adapters/chunk-store.ts';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import { OutputStore } from '../jobs/adapters/output-store.ts';
import { ChunkHandedBackError, runChunk } from '../jobs/run-chunk.ts';
import { logger } from '#powertools';
import { chunkTaskConfig } from './long-job-config.ts';

/** Exit code of a chunk handed back on SIGTERM (128 + 15, as if the signal had ended it). */
const HANDED_BACK_EXIT_CODE = 143;

const config = chunkTaskConfig();
const request = { jobId: config.jobId, owner: config.owner, chunkIndex: config.chunkIndex };
logger.appendKeys({ jobId: request.jobId, chunkIndex: request.chunkIndex });

// ECS sends SIGTERM, then SIGKILL after the container's stopTimeout. Before the part is stored
// the chunk is handed back (exit non-zero, the Map retries it); after, the run finishes, as the
// remaining writes take milliseconds and a repeat of them is harmless.
const stop = new AbortController();
process.once('SIGTERM', () => {
  logger.warn('SIGTERM: handing the chunk back unless it is already being stored');
  stop.abort(new Error('SIGTERM'));
});

const redis = new Redis(config.redisUrl, {
  ...(config.redisAuthToken === undefined ? {} : { password: config.redisAuthToken }),
  connectTimeout: 5_000,
  maxRetriesPerRequest: 3,
});
const dynamodb = new DynamoDBClient({});
const s3 = new S3Client({ forcePathStyle: config.s3ForcePathStyle });

let exitCode = 0;
try {
  logger.info('chunk started');
  const outcome = await runChunk(
    {
      repository: new JobRepository(dynamodb, config.tableName),
      chunks: new ChunkStore(redis),
      outputs: new OutputStore(s3, config.outputBucket),
      retentionDays: config.jobRetentionDays,
    },
    request,
    stop.signal,
  );
  const { kind } = outcome;
  logger.info(
    `chunk ${kind}`,
    kind === 'counted' || kind === 'duplicate'
      ? { count: outcome.count, total: outcome.total }
      : kind === 'skipped'
        ? { reason: outcome.reason }
        : { result: outcome.job.result },
  );
} catch (error) {
  if (error instanceof ChunkHandedBackError) {
    logger.warn('chunk handed back', { error: error.message });
    exitCode = HANDED_BACK_EXIT_CODE;
  } else {
    logger.error('chunk failed', { error });
    exitCode = 1;
  }
} finally {
  redis.disconnect();
  dynamodb.destroy();
  s3.destroy();
}
process.exit(exitCode);
