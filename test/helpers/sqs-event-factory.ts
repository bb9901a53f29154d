import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** A placeholder queue of the local account; no test depends on its region. */
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:jobs-test-queue';

/**
 * One SQS record as the Lambda event source mapping delivers it. An object body is sent as
 * JSON; `attributes` override the defaults (first receive, sent now).
 */
export function sqsRecordFactory(body: unknown, attributes: Partial<SQSRecordAttributes> = {}): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const sentAt = String(Date.now());
  return {
    messageId: randomUUID(),
    receiptHandle: `AQEB${randomUUID().replaceAll('-', '')}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: sentAt,
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: sentAt,
      ...attributes,
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(text).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
}

/** An SQS event holding `records`, as one worker invocation receives it. */
export function sqsEventFactory(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
