import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DeadLetterQueue } from '../jobs/adapters/dead-letter-queue.ts';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import { lastErrorOf } from '../jobs/domain/job.ts';
import { JOB_QUEUE_RETENTION_SECONDS } from '../jobs/domain/job-queue-settings.ts';
import { reconcileDeadLetters, type ReconcileReport } from '../jobs/reconcile-dead-letters.ts';
import { sweepStaleJobs } from '../jobs/sweep-stale-jobs.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { JOB_METRICS, PLATFORM_METRICS } from '../observability/job-metrics.ts';
import { JobMetricsRecorder } from '../observability/job-metrics-recorder.ts';
import { logger, metrics } from '#powertools';
import { platformRuntimeConfig, requireEnv, submissionSettings } from '../runtime-config.ts';
import { JobQueue } from '../jobs/adapters/job-queue.ts';
import { ScheduleRepository } from '../jobs/adapters/schedule-repository.ts';
import { reconcileScheduleDeadLetters } from '../jobs/reconcile-schedule-dead-letters.ts';

const config = platformRuntimeConfig();
const sqs = new SQSClient({});
const dynamodb = new DynamoDBClient({});
const repository = new JobRepository(dynamodb, config.tableName);
const scheduleDependencies = {
  repository,
  // What EventBridge Scheduler dead-lettered; a due job's message goes on to the job queue.
  scheduleDeadLetters: new DeadLetterQueue(sqs, requireEnv('SCHEDULE_DEAD_LETTER_QUEUE_URL'), config.queueUrls),
  schedules: {
    schedules: new ScheduleRepository(dynamodb, config.tableName),
    submit: {
      repository,
      queue: new JobQueue(sqs, config.queueUrls, config.deadLetterQueueUrl),
      ...submissionSettings(config),
    },
  },
  maxMessages: 100,
};
const dependencies = {
  repository,
  deadLetterQueue: new DeadLetterQueue(sqs, config.deadLetterQueueUrl, config.queueUrls),
  retentionDays: config.jobRetentionDays,
  // A run reads at most this many DLQ messages; a larger backlog is covered over several runs.
  maxMessages: 1_000,
  // The stale-job sweep: two pages of 500 items a minute, a pass over 1.4 M items a day.
  queueRetentionSeconds: JOB_QUEUE_RETENTION_SECONDS,
  pagesPerRun: 2,
  pageItems: 500,
};

/** Runs on a schedule: one pass over (part of) the DLQ, and a few pages of the stale-job sweep. */
export async function main(
  _event: unknown,
  context: Context,
): Promise<{ examined: number; reconciled: number; skipped: number; errors: number; expired: number; scheduleLetters: number }> {
  metrics.captureColdStartMetric(context.functionName);
  const report: ReconcileReport = await reconcileDeadLetters(dependencies);
  const recorder = new JobMetricsRecorder();
  for (const job of report.reconciled) {
    logger.warn('job failed: SQS dead-lettered its message', {
      jobId: job.jobId,
      type: job.type,
      attempt: job.attempts,
      error: lastErrorOf(job)?.message,
    });
    recorder.record(job.type, JOB_METRICS.failed);
    recorder.record(job.type, JOB_METRICS.deadLettered);
  }
  for (const { messageId, jobId, error } of report.errors) logger.error('could not reconcile a dead letter', { messageId, jobId, error });
  const scheduled = await reconcileScheduleDeadLetters(scheduleDependencies);
  for (const job of scheduled.enqueued) {
    logger.warn('scheduled job enqueued by the reconciler: its one-time schedule failed to deliver it', {
      jobId: job.jobId,
      type: job.type,
    });
  }
  if (scheduled.kept > 0) logger.error('schedule dead letters left for on-call', { kept: scheduled.kept });
  const sweep = await sweepStaleJobs(dependencies);
  for (const job of sweep.expired) {
    logger.warn('job failed: its queue message expired', { jobId: job.jobId, type: job.type, error: lastErrorOf(job)?.message });
    recorder.record(job.type, JOB_METRICS.failed);
  }
  recorder.publish(metrics);
  const summary = {
    examined: report.examined,
    reconciled: report.reconciled.length,
    skipped: report.skipped,
    errors: report.errors.length,
    expired: sweep.expired.length,
    scheduleLetters: scheduled.examined,
  };
  // One document per run, without the JobType dimension: how the reconciler itself is doing.
  metrics.addMetric(PLATFORM_METRICS.deadLettersReconciled, MetricUnit.Count, summary.reconciled);
  metrics.addMetric(PLATFORM_METRICS.deadLettersSkipped, MetricUnit.Count, summary.skipped);
  metrics.addMetric(PLATFORM_METRICS.deadLetterErrors, MetricUnit.Count, summary.errors);
  metrics.addMetric(PLATFORM_METRICS.staleJobsExpired, MetricUnit.Count, summary.expired);
  metrics.addMetric(PLATFORM_METRICS.scheduleDeadLetters, MetricUnit.Count, summary.scheduleLetters);
  metrics.publishStoredMetrics();
  if (report.examined > 0 || summary.expired > 0 || summary.scheduleLetters > 0)
    logger.info('reconciled the dead-letter queue and swept for stale jobs', summary);
  return summary;
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
