import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import type { LongJobStep } from '../jobs/domain/long-job-state-machine.ts';
import { confirmCompleted, markFailed, markRunning, planChunks, type LongJobStepDependencies } from '../jobs/long-job-steps.ts';
import { logger, metrics } from '#powertools';
import { JOB_METRICS } from '../observability/job-metrics.ts';
import { JobMetricsRecorder } from '../observability/job-metrics-recorder.ts';
import { longJobStepsConfig } from './long-job-config.ts';

const config = longJobStepsConfig();
const dependencies: LongJobStepDependencies = {
  repository: new JobRepository(new DynamoDBClient({}), config.tableName),
  retentionDays: config.jobRetentionDays,
};

/** The payload the state machine's Lambda tasks send (`Parameters.Payload`). */
export type LongJobStepEvent =
  | { readonly step: 'markRunning'; readonly jobId: string; readonly owner: string; readonly executionStartTime: string }
  | { readonly step: 'planChunks' | 'confirmCompleted'; readonly jobId: string; readonly owner: string }
  | {
      readonly step: 'markFailed';
      readonly jobId: string;
      readonly owner: string;
      readonly error?: { readonly Error?: string; readonly Cause?: string };
    };

const steps: Record<LongJobStep, (event: LongJobStepEvent) => Promise<unknown>> = {
  markRunning: (event) => markRunning(dependencies, event as Extract<LongJobStepEvent, { step: 'markRunning' }>),
  planChunks: (event) => planChunks(dependencies, event),
  confirmCompleted: (event) => confirmCompleted(dependencies, event),
  markFailed: (event) => markFailed(dependencies, event as Extract<LongJobStepEvent, { step: 'markFailed' }>),
};

/** The job metrics a step's outcome stands for, read from the job it left behind. */
async function recordMetrics(event: LongJobStepEvent, result: unknown): Promise<void> {
  const outcome = result as { proceed?: boolean; status?: string };
  const started = event.step === 'markRunning' && outcome.proceed === true;
  const finished =
    (event.step === 'confirmCompleted' || event.step === 'markFailed') && (outcome.status === 'completed' || outcome.status === 'failed');
  if (!started && !finished) return;
  const job = await dependencies.repository.get(event);
  if (job === undefined) return;
  const recorder = new JobMetricsRecorder();
  const elapsed = (from?: string, to?: string) => (from === undefined || to === undefined ? undefined : Date.parse(to) - Date.parse(from));
  if (started) {
    recorder.record(job.type, JOB_METRICS.started);
    const wait = elapsed(job.runQueuedAt, job.startedAt);
    if (wait !== undefined) recorder.record(job.type, JOB_METRICS.queueWait, Math.max(0, wait));
  } else {
    recorder.record(job.type, job.status === 'completed' ? JOB_METRICS.completed : JOB_METRICS.failed);
    const duration = elapsed(job.startedAt, job.completedAt);
    if (duration !== undefined) recorder.record(job.type, JOB_METRICS.duration, duration);
  }
  recorder.publish(metrics);
}

/** Runs one step of the long-job state machine; a thrown error's name is what its Retry and Catch match. */
export async function main(event: LongJobStepEvent, context: Context): Promise<unknown> {
  metrics.captureColdStartMetric(context.functionName);
  logger.appendKeys({ jobId: event.jobId, step: event.step });
  const step = steps[event.step];
  if (step === undefined) throw new Error(`Unknown long-job step '${String(event.step)}'`);
  const result = await step(event);
  logger.info(`long-job step ${event.step}`, { result });
  await recordMetrics(event, result);
  return result;
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
