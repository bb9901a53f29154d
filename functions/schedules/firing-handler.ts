import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ScheduleFiring } from '../jobs/adapters/job-scheduler.ts';
import { JobQueue } from '../jobs/adapters/job-queue.ts';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import { ScheduleRepository } from '../jobs/adapters/schedule-repository.ts';
import { fireSchedule } from '../jobs/schedules.ts';
import { JOB_METRICS } from '../observability/job-metrics.ts';
import { JobMetricsRecorder } from '../observability/job-metrics-recorder.ts';
import { logger, metrics } from '#powertools';
import { platformRuntimeConfig, submissionSettings } from '../runtime-config.ts';

const config = platformRuntimeConfig();
const dynamodb = new DynamoDBClient({});
const services = {
  schedules: new ScheduleRepository(dynamodb, config.tableName),
  submit: {
    repository: new JobRepository(dynamodb, config.tableName),
    queue: new JobQueue(new SQSClient({}), config.queueUrls, config.deadLetterQueueUrl),
    ...submissionSettings(config),
  },
};

/**
 * EventBridge Scheduler invokes this for each firing of a recurring schedule, with the schedule's
 * caller and name and `<aws.scheduler.scheduled-time>`; it submits the firing's one job. A thrown
 * error makes the scheduler retry the firing (then dead-letter it for the reconciler).
 */
export async function main(event: ScheduleFiring, context: Context): Promise<{ outcome: string; jobId?: string }> {
  metrics.captureColdStartMetric(context.functionName);
  logger.appendKeys({ schedule: event.name, scheduledTime: event.scheduledTime });
  const outcome = await fireSchedule(services, event);
  if (outcome.kind === 'skipped') {
    logger.info('firing created no job', { reason: outcome.reason });
    return { outcome: outcome.kind };
  }
  const { job } = outcome.result;
  logger.appendKeys({ jobId: job.jobId, type: job.type });
  if (outcome.kind === 'created') {
    const recorder = new JobMetricsRecorder();
    recorder.record(job.type, JOB_METRICS.submitted);
    recorder.publish(metrics);
  } else logger.info('a retried firing: its job exists already');
  return { outcome: outcome.kind, jobId: job.jobId };
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
