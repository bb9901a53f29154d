import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import { failEndedExecution, type ExecutionStatusChange } from '../jobs/long-job-execution-ended.ts';
import type { LongJobStepDependencies } from '../jobs/long-job-steps.ts';
import { logger, metrics } from '#powertools';
import { JOB_METRICS } from '../observability/job-metrics.ts';
import { JobMetricsRecorder } from '../observability/job-metrics-recorder.ts';
import { longJobStepsConfig } from './long-job-config.ts';

const config = longJobStepsConfig();
const dependencies: LongJobStepDependencies = {
  repository: new JobRepository(new DynamoDBClient({}), config.tableName),
  retentionDays: config.jobRetentionDays,
};

export type ExecutionStatusChangeEvent = EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>;

/** The target of the rule on the long-job state machine's FAILED, TIMED_OUT and ABORTED executions. */
export async function main(event: ExecutionStatusChangeEvent, context: Context): Promise<unknown> {
  metrics.captureColdStartMetric(context.functionName);
  logger.appendKeys({ jobId: event.detail.name });
  const result = await failEndedExecution(dependencies, event.detail);
  logger.info(`long-job execution ended ${event.detail.status}`, { result });
  // Counted only when this function failed the job: when the state machine's MarkFailed ran
  // first, the steps function counted it.
  if (result.failedNow && result.type !== undefined) {
    const recorder = new JobMetricsRecorder();
    recorder.record(result.type, JOB_METRICS.failed);
    recorder.publish(metrics);
  }
  return result;
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
