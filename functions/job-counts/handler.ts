import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { applyCountDeltas, batchIdOf, countDeltas, type ItemChange } from '../jobs/adapters/job-counts.ts';
import { logger, metrics } from '#powertools';
import { requireEnv } from '../runtime-config.ts';

const tableName = requireEnv('TABLE_NAME');
const dynamodb = new DynamoDBClient({});

/**
 * Keeps each caller's counts per status (`GET /stats`) from the job table's stream: one batch
 * of changes becomes one write per caller, so the counts cost a tiny fraction of a write unit
 * per job and never put one caller's traffic on one key. A thrown error retries the batch.
 */
export async function main(event: DynamoDBStreamEvent, context: Context): Promise<{ callers: number }> {
  metrics.captureColdStartMetric(context.functionName);
  const changes = event.Records as unknown as ItemChange[];
  const callers = await applyCountDeltas(dynamodb, tableName, countDeltas(changes), batchIdOf(changes));
  logger.debug('counted job changes', { changes: changes.length, callers });
  return { callers };
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
