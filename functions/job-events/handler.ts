import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import pLimit from 'p-limit';
import { finishedDependenciesOf } from '../jobs/adapters/finished-dependencies.ts';
import type { ItemChange } from '../jobs/adapters/job-counts.ts';
import { lifecycleEventsOf, publishLifecycleEvents } from '../jobs/adapters/job-lifecycle-events.ts';
import { JobQueue } from '../jobs/adapters/job-queue.ts';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import { StepFunctionsLauncher } from '../jobs/adapters/long-job-launcher.ts';
import { releaseWaitingJobs } from '../jobs/job-dependencies.ts';
import { releaseDependenciesOf } from '../jobs/submit-job.ts';
import { logger, metrics, traced } from '#powertools';
import { platformRuntimeConfig, requireEnv } from '../runtime-config.ts';

const busName = requireEnv('EVENT_BUS_NAME');
const config = platformRuntimeConfig();
const eventBridge = new EventBridgeClient({});
const longJobs = config.longJobStateMachineArn === undefined ? undefined : new StepFunctionsLauncher(config.longJobStateMachineArn);
// Waiting jobs are released the way the API submits them (job-dependencies.ts).
const release = releaseDependenciesOf({
  repository: new JobRepository(traced(new DynamoDBClient({})), config.tableName),
  queue: new JobQueue(traced(new SQSClient({})), config.queueUrls, config.deadLetterQueueUrl),
  retryDefaults: config.retryDefaults,
  retentionDays: config.jobRetentionDays,
  ...(longJobs === undefined ? {} : { longJobs }),
});

/** Finished dependencies released at once per batch. */
const DEPENDENCY_CONCURRENCY = 8;

/**
 * Reads the table's stream for every job that became retrying, completed, failed or cancelled:
 * puts its lifecycle event on the environment's bus, and, for a job that others wait on,
 * releases (or cancels) those waiting jobs. A thrown error retries the batch; both halves are
 * safe to repeat (events are at least once, a release is a conditional write).
 */
export async function main(event: DynamoDBStreamEvent, context: Context): Promise<{ events: number; released: number }> {
  metrics.captureColdStartMetric(context.functionName);
  const changes = event.Records as unknown as ItemChange[];
  const events = lifecycleEventsOf(changes);
  await publishLifecycleEvents(eventBridge, busName, events);
  const limit = pLimit(DEPENDENCY_CONCURRENCY);
  const released = await Promise.all(
    finishedDependenciesOf(changes).map((dependency) => limit(() => releaseWaitingJobs(release, dependency))),
  );
  const total = released.reduce((sum, count) => sum + count, 0);
  logger.debug('published lifecycle events', { records: event.Records.length, events: events.length, released: total });
  return { events: events.length, released: total };
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
