import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchVisibility } from '../jobs/adapters/batch-visibility.ts';
import { JobQueue } from '../jobs/adapters/job-queue.ts';
import { JobRepository } from '../jobs/adapters/job-repository.ts';
import { postWebhook } from '../jobs/adapters/webhook-sender.ts';
import { deliverWebhook, type WebhookOutcome } from '../jobs/deliver-webhook.ts';
import { parseSigningSecrets } from '../jobs/domain/webhook-signature.ts';
import { PLATFORM_METRICS } from '../observability/job-metrics.ts';
import { logger, metrics, traced, tracingMiddleware } from '#powertools';
import { webhookRuntimeConfig } from '../runtime-config.ts';

const config = webhookRuntimeConfig();
const repository = new JobRepository(traced(new DynamoDBClient({})), config.tableName);
const queue = new JobQueue(traced(new SQSClient({})), config.queueUrl, config.deadLetterQueueUrl);
const secretsProvider = new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });

/** The record goes back to the queue, hidden until its next try. */
class RetryLaterError extends Error {
  constructor(outcome: WebhookOutcome) {
    super(`webhook ${outcome.kind}`);
    this.name = 'RetryLaterError';
  }
}

const METRIC_OF: Record<WebhookOutcome['kind'], string> = {
  delivered: PLATFORM_METRICS.webhooksDelivered,
  retrying: PLATFORM_METRICS.webhooksRetried,
  deadLettered: PLATFORM_METRICS.webhooksDeadLettered,
};

/** Tries every delivery of a batch at once; a failed try is reported so SQS keeps its message for the next. */
export async function main(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  metrics.captureColdStartMetric(context.functionName);
  const visibility = new BatchVisibility(queue);
  const dependencies = {
    secrets: async () => parseSigningSecrets(await secretsProvider.get(config.secretId, { maxAge: config.secretCacheSeconds })),
    post: postWebhook,
    recordAttempt: (ref: { owner: string; jobId: string }, status: number | string) => repository.recordCallbackAttempt(ref, status),
    queue: { hideFor: visibility.hideFor.bind(visibility), sendToDeadLetterQueue: queue.sendToDeadLetterQueue.bind(queue) },
    retry: config.retry,
    now: Date.now,
  };
  const counts = new Map<string, number>();
  const processRecord = async (record: SQSRecord) => {
    const outcome = await deliverWebhook(
      {
        body: record.body,
        receiptHandle: record.receiptHandle,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        firstReceivedAt: Number(record.attributes.ApproximateFirstReceiveTimestamp),
      },
      dependencies,
    );
    const metric = METRIC_OF[outcome.kind];
    counts.set(metric, (counts.get(metric) ?? 0) + 1);
    // A delivered webhook is counted by the metric; only what needs a look is logged.
    if (outcome.kind === 'retrying') logger.info('webhook retrying', { messageId: record.messageId, ...outcome });
    else if (outcome.kind === 'deadLettered') logger.error('webhook dead-lettered', { messageId: record.messageId, ...outcome });
    else logger.debug('webhook delivered', { messageId: record.messageId, ...outcome });
    if (outcome.kind === 'retrying') throw new RetryLaterError(outcome);
  };
  const processor = new BatchProcessor(EventType.SQS);
  try {
    const response = await processPartialResponse(event, processRecord, processor, { context, throwOnFullBatchFailure: false });
    // Before the response: the records it reports failed must already be hidden for their backoff.
    const notApplied = await visibility.flush();
    if (notApplied > 0) logger.warn('visibility changes not applied: those deliveries come back sooner', { notApplied });
    return response;
  } finally {
    for (const [metric, count] of counts) metrics.addMetric(metric, MetricUnit.Count, count);
    if (counts.size > 0) metrics.publishStoredMetrics();
  }
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
if (tracingMiddleware !== undefined) handler.use(tracingMiddleware);
