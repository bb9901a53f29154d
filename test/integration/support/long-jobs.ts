import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { redisAnswers, DEFAULT_REDIS_URL } from '../../../local/long-jobs.ts';
import { localClientConfig } from '../../../local/services/local-aws.ts';

export const REDIS_URL = process.env.REDIS_URL || DEFAULT_REDIS_URL;

/**
 * Whether the long-job tests can run: they need Redis. In CI (CI=true) a missing Redis fails
 * the file loudly; elsewhere it is skipped with a message saying how to start one.
 */
export async function redisForLongJobs(): Promise<boolean> {
  if (await redisAnswers(REDIS_URL)) return true;
  const message = `Redis not reachable at ${REDIS_URL}`;
  if (process.env.CI === 'true') throw new Error(`${message}: the long-job tests need it in CI`);
  console.warn(
    `${message}: skipping the long-job tests (start one with: redis-server --daemonize yes --port 6379 --save "" --appendonly no)`,
  );
  return false;
}

/** Reads an output from fauxqs's S3 (path-style, as local S3 servers answer). */
export async function readOutput(endpoint: string, bucket: string, key: string): Promise<string> {
  const s3 = new S3Client({ ...localClientConfig(endpoint), forcePathStyle: true });
  try {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await Body?.transformToString('utf8')) ?? '';
  } finally {
    s3.destroy();
  }
}

/** The `row` column of each data line of a report CSV, after checking the header comes once, first. */
export function reportRowNumbers(csv: string): { header: string; rows: number[]; headerCount: number } {
  const lines = csv.split('\n').filter((line) => line !== '');
  const [header = ''] = lines;
  return {
    header,
    headerCount: lines.filter((line) => line === header).length,
    rows: lines.slice(1).map((line) => Number(line.split(',')[0])),
  };
}
