import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import { BatchVisibility } from '../jobs/adapters/batch-visibility.ts';
import { JobQueue } from '../jobs/adapters/job-queue.ts';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import { RateLimiter } from '../jobs/adapters/rate-limiter.ts';
import { processDelivery, type DeliveryOutcome } from '../jobs/process-delivery.ts';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { lastErrorOf } from '../jobs/domain/job.ts';
import { JOB_METRICS, PLATFORM_METRICS } from '../observability/job-metrics.ts';
import { JobMetricsRecorder } from '../observability/job-metrics-recorder.ts';
import { logger, metrics, traced, tracingMiddleware } from '#powertools';
import { workerRuntimeConfig } from '../runtime-config.ts';
import { jobServices } from './job-services.ts';

const config = workerRuntimeConfig();
const dynamodb = traced(new DynamoDBClient({}));
const platform = {
  repository: new JobRepository(dynamodb, config.tableName),
  rateLimiter: new RateLimiter(dynamodb, config.tableName),
  queue: new JobQueue(traced(new SQSClient({})), config.queueUrls, config.deadLetterQueueUrl),
  services: jobServices(config),
  retryDefaults: config.retryDefaults,
  timings: { retentionDays: config.jobRetentionDays },
};

/** The record goes back to the queue; its visibility was already set to when it is due. */
class MessageKeptError extends Error {
  constructor(outcome: DeliveryOutcome) {
    super(`message kept: ${outcome.kind}`);
    this.name = 'MessageKeptError';
  }
}

function record(recorder: JobMetricsRecorder, type: string, outcome: DeliveryOutcome): void {
  if (!('job' in outcome)) return;
  if (outcome.durationMs !== undefined) {
    recorder.record(type, JOB_METRICS.started);
    recorder.record(type, JOB_METRICS.duration, outcome.durationMs);
  }
  if (outcome.queueWaitMs !== undefined) recorder.record(type, JOB_METRICS.queueWait, outcome.queueWaitMs);
  if (outcome.kind === 'completed' || (outcome.kind === 'outcomeDeferred' && outcome.job.status === 'completed'))
    recorder.record(type, JOB_METRICS.completed);
  if (outcome.kind === 'retrying') recorder.record(type, JOB_METRICS.retried);
  if (outcome.kind === 'failed') {
    recorder.record(type, JOB_METRICS.failed);
    recorder.record(type, JOB_METRICS.deadLettered);
  }
}

/** Runs a batch with at most `concurrencyPerBatch` jobs at once and reports each failed record. */
export async function main(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  metrics.captureColdStartMetric(context.functionName);
  const limit = pLimit(config.concurrencyPerBatch);
  // One mapping per priority level feeds this function; a batch comes from one of their queues.
  const source = platform.queue.forSource(event.Records[0]?.eventSourceARN);
  const visibility = new BatchVisibility(source);
  const dependencies = {
    ...platform,
    queue: {
      send: source.send.bind(source),
      sendToDeadLetterQueue: source.sendToDeadLetterQueue.bind(source),
      hideFor: visibility.hideFor.bind(visibility),
    },
    invocation: { timeoutMs: config.timeoutSeconds * 1000, remainingMs: () => context.getRemainingTimeInMillis() },
  };
  const recorder = new JobMetricsRecorder();
  let malformed = 0;
  const processRecord = (sqsRecord: SQSRecord) =>
    limit(async () => {
      const message = {
        messageId: sqsRecord.messageId,
        receiptHandle: sqsRecord.receiptHandle,
        body: sqsRecord.body,
        sentAt: Number(sqsRecord.attributes.SentTimestamp),
        receiveCount: Number(sqsRecord.attributes.ApproximateReceiveCount),
      };
      const log = logger.createChild();
      log.appendKeys({ messageId: sqsRecord.messageId, receiveCount: Number(sqsRecord.attributes.ApproximateReceiveCount) });
      try {
        const outcome = await processDelivery(dependencies, message);
        const job = 'job' in outcome ? outcome.job : undefined;
        if (job !== undefined) {
          log.appendKeys({ jobId: job.jobId, type: job.type, attempt: job.attempts });
          record(recorder, job.type, outcome);
        } else if ('jobId' in outcome) {
          log.appendKeys({ jobId: outcome.jobId });
          if (outcome.kind === 'heldBack') recorder.record(outcome.type, JOB_METRICS.heldBack);
        }
        const lastError = job === undefined ? undefined : lastErrorOf(job);
        const details = {
          outcome: outcome.kind,
          ...('reason' in outcome ? { reason: outcome.reason } : {}),
          ...('delaySeconds' in outcome ? { retryInSeconds: outcome.delaySeconds } : {}),
          ...(lastError !== undefined && outcome.kind !== 'completed' ? { error: lastError.message } : {}),
        };
        // Logs are billed per byte: a completed job is counted by the metrics and shown by the
        // API, so its line is for debugging only; everything off the happy path is logged.
        // So are the quick trips of a failed job's message to the DLQ: its failure was logged once.
        // A held-back job is counted by JobHeldBack; at a rate limit's pace a line each would cost more than the jobs.
        if (outcome.kind === 'completed' || outcome.kind === 'deadLettering' || outcome.kind === 'heldBack')
          log.debug(`job ${outcome.kind}`, details);
        else if (outcome.kind === 'failed' || outcome.kind === 'malformed') log.error(`job ${outcome.kind}`, details);
        else if (outcome.kind === 'outcomeDeferred') log.warn('job outcome deferred', details);
        else log.info(`job ${outcome.kind}`, details);
        if (outcome.kind === 'malformed') malformed += 1;
        if (outcome.keepMessage) throw new MessageKeptError(outcome);
      } catch (error) {
        if (!(error instanceof MessageKeptError)) log.error('delivery failed', { error });
        throw error;
      }
    });
  const processor = new BatchProcessor(EventType.SQS);
  try {
    const response = await processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
    // Before the response: the records it reports failed must already be hidden for their backoff.
    const notApplied = await visibility.flush();
    if (notApplied > 0)
      logger.warn('visibility changes not applied: those messages come back after the queue visibility timeout', { notApplied });
    return response;
  } finally {
    recorder.publish(metrics);
    if (malformed > 0) {
      metrics.addMetric(PLATFORM_METRICS.malformedMessages, MetricUnit.Count, malformed);
      metrics.publishStoredMetrics();
    }
  }
}

// Metrics are published by JobMetricsRecorder, one document per job type, rather than by
// Powertools' logMetrics middleware, which would warn on every batch that it has nothing left.
export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
if (tracingMiddleware !== undefined) handler.use(tracingMiddleware);
