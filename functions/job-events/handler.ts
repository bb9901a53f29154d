import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import type { ItemChange } from '../jobs/adapters/job-counts.ts';
import { lifecycleEventsOf, publishLifecycleEvents } from '../jobs/adapters/job-lifecycle-events.ts';
import { logger, metrics } from '#powertools';
import { requireEnv } from '../runtime-config.ts';

const busName = requireEnv('EVENT_BUS_NAME');
const eventBridge = new EventBridgeClient({});

/**
 * Puts a lifecycle event on the environment's bus for every job that became retrying, completed,
 * failed or cancelled, read from the table's stream. A thrown error retries the batch.
 */
export async function main(event: DynamoDBStreamEvent, context: Context): Promise<{ events: number }> {
  metrics.captureColdStartMetric(context.functionName);
  const events = lifecycleEventsOf(event.Records as unknown as ItemChange[]);
  await publishLifecycleEvents(eventBridge, busName, events);
  logger.debug('published lifecycle events', { records: event.Records.length, events: events.length });
  return { events: events.length };
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
