import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { cancelJob } from '../jobs/cancel-job.ts';
import { NotFoundError } from '../jobs/domain/errors.ts';
import { toJobResource } from '../jobs/domain/job.ts';
import { JobQueue } from '../jobs/adapters/job-queue.ts';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import { JobScheduler } from '../jobs/adapters/job-scheduler.ts';
import { ScheduleRepository } from '../jobs/adapters/schedule-repository.ts';
import { toScheduleResource } from '../jobs/domain/schedule.ts';
import { createSchedule, deleteSchedule, getSchedule, listSchedules, updateSchedule } from '../jobs/schedules.ts';
import { StepFunctionsLauncher } from '../jobs/adapters/long-job-launcher.ts';
import { getJob, jobStats, listJobs } from '../jobs/read-jobs.ts';
import { submitJobs } from '../jobs/submit-batch.ts';
import { submitJob } from '../jobs/submit-job.ts';
import { JOB_METRICS } from '../observability/job-metrics.ts';
import { JobMetricsRecorder } from '../observability/job-metrics-recorder.ts';
import { logger, metrics, traced, tracingMiddleware } from '#powertools';
import { platformRuntimeConfig, schedulerRuntimeConfig, submissionSettings } from '../runtime-config.ts';
import {
  callerOf,
  errorBody,
  errorResponse,
  idempotencyKeyOf,
  json,
  jsonBody,
  MAX_BATCH_BODY_BYTES,
  type ApiEvent,
  type ApiResult,
} from './http.ts';
import type { ApiRouteKey } from './routes.ts';

const config = platformRuntimeConfig();
// A listing reads every shard of the caller at once (job-table-schema.ts): room for all of them.
const dynamodb = traced(new DynamoDBClient({ requestHandler: { httpAgent: { maxSockets: 128 }, httpsAgent: { maxSockets: 128 } } }));
const repository = new JobRepository(dynamodb, config.tableName);
const queue = new JobQueue(traced(new SQSClient({})), config.queueUrls, config.deadLetterQueueUrl);
const scheduler = new JobScheduler(traced(new SchedulerClient({})), schedulerRuntimeConfig());
const longJobs = config.longJobStateMachineArn === undefined ? undefined : new StepFunctionsLauncher(config.longJobStateMachineArn);
const submitDependencies = {
  repository,
  queue,
  scheduler,
  ...submissionSettings(config),
  ...(longJobs === undefined ? {} : { longJobs }),
};
const scheduleDependencies = {
  schedules: new ScheduleRepository(dynamodb, config.tableName),
  scheduler,
  submit: submitDependencies,
};

async function route(event: ApiEvent, requestId: string): Promise<ApiResult> {
  const routeKey = event.routeKey as ApiRouteKey;
  if (routeKey === 'GET /health') {
    try {
      await Promise.all([repository.ping(), queue.ping()]);
      return json(200, { status: 'ok' });
    } catch (error) {
      logger.warn('health check failed', { error });
      return json(503, { status: 'unavailable' });
    }
  }
  const owner = callerOf(event);
  const jobId = event.pathParameters?.jobId ?? '';
  const scheduleName = event.pathParameters?.name ?? '';
  switch (routeKey) {
    case 'POST /jobs': {
      const { job, created } = await submitJob(submitDependencies, owner, jsonBody(event), idempotencyKeyOf(event));
      logger.appendKeys({ jobId: job.jobId, type: job.type, attempt: job.attempts });
      // Logs are billed per byte: a plain submission is counted by its metric; replays are worth a line.
      if (created) logger.debug('job submitted');
      else logger.info('idempotent replay of an earlier submission');
      if (created) {
        const recorder = new JobMetricsRecorder();
        recorder.record(job.type, JOB_METRICS.submitted);
        recorder.publish(metrics);
      }
      return json(created ? 202 : 200, toJobResource(job), { location: `/jobs/${job.jobId}` });
    }
    case 'POST /jobs/batch': {
      const outcomes = await submitJobs(submitDependencies, owner, jsonBody(event, MAX_BATCH_BODY_BYTES));
      const recorder = new JobMetricsRecorder();
      for (const outcome of outcomes)
        if (outcome.status === 202 && outcome.job !== undefined) recorder.record(outcome.job.type, JOB_METRICS.submitted);
      recorder.publish(metrics);
      const refused = outcomes.filter((outcome) => outcome.status >= 400 && outcome.status < 500);
      if (refused.length > 0) logger.info('batch items refused', { refused: refused.map(({ index, status }) => ({ index, status })) });
      const failed = outcomes.filter((outcome) => outcome.status >= 500);
      if (failed.length > 0)
        logger.error('batch items not accepted', {
          items: failed.map(({ index, status, error }) => ({ index, status, cause: error?.cause ?? error })),
        });
      return json(200, {
        items: outcomes.map(({ index, status, job, error }) => ({
          index,
          status,
          ...(job === undefined ? {} : { job: toJobResource(job) }),
          ...(error === undefined ? {} : errorBody(error, status === 500 ? requestId : undefined)),
        })),
      });
    }
    case 'GET /jobs': {
      const page = await listJobs(repository, owner, event.queryStringParameters ?? {});
      return json(200, { items: page.items.map(toJobResource), nextCursor: page.nextCursor });
    }
    case 'GET /jobs/{jobId}':
      return json(200, toJobResource(await getJob(repository, owner, jobId)));
    case 'POST /jobs/{jobId}/cancel': {
      const job = await cancelJob(repository, owner, jobId, config.jobRetentionDays, Date.now, scheduler);
      logger.appendKeys({ jobId: job.jobId, type: job.type, attempt: job.attempts });
      logger.info('job cancelled');
      return json(200, toJobResource(job));
    }
    case 'POST /schedules': {
      const schedule = await createSchedule(scheduleDependencies, owner, jsonBody(event));
      logger.info('schedule created', { schedule: schedule.name, expression: schedule.expression });
      return json(201, toScheduleResource(schedule), { location: `/schedules/${schedule.name}` });
    }
    case 'GET /schedules': {
      const page = await listSchedules(scheduleDependencies, owner, event.queryStringParameters ?? {});
      return json(200, { items: page.items.map(toScheduleResource), nextCursor: page.nextCursor });
    }
    case 'GET /schedules/{name}':
      return json(200, toScheduleResource(await getSchedule(scheduleDependencies, owner, scheduleName)));
    case 'PATCH /schedules/{name}': {
      const schedule = await updateSchedule(scheduleDependencies, owner, scheduleName, jsonBody(event));
      logger.info('schedule changed', { schedule: schedule.name, enabled: schedule.enabled });
      return json(200, toScheduleResource(schedule));
    }
    case 'DELETE /schedules/{name}': {
      const deleted = await deleteSchedule(scheduleDependencies, owner, scheduleName);
      logger.info('schedule deleted', { schedule: scheduleName });
      return json(200, toScheduleResource(deleted));
    }
    case 'GET /stats':
      return json(200, await jobStats(repository, queue, owner));
    default:
      throw new NotFoundError(`No route ${event.routeKey}`);
  }
}

/** Parses the request, calls one domain function, shapes the response. */
export async function main(event: ApiEvent, context: Context): Promise<ApiResult> {
  metrics.captureColdStartMetric(context.functionName);
  try {
    return await route(event, context.awsRequestId);
  } catch (error) {
    const { result, unexpected } = errorResponse(error, context.awsRequestId);
    if (unexpected) logger.error('request failed', { error });
    return result;
  }
}

// JobMetricsRecorder publishes metrics with their JobType dimension as they happen.
export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
if (tracingMiddleware !== undefined) handler.use(tracingMiddleware);
