import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Target } from '../cli/target.ts';
import { OLDEST_MESSAGE_AGE_PATH } from '../services/sqs-oldest-message-age.ts';
import type { ConsoleQueue } from './console-queues.ts';

/** One queue's figures, as SQS (and CloudWatch, for the age) report them: all approximate. */
export interface QueueFigures {
  readonly name: string;
  readonly url: string;
  /** Messages waiting to be received (`ApproximateNumberOfMessages`). */
  readonly depth: number;
  /** Received and not yet deleted or given back (`ApproximateNumberOfMessagesNotVisible`). */
  readonly inFlight: number;
  /** Sent with a delay that has not run out (`ApproximateNumberOfMessagesDelayed`). */
  readonly delayed: number;
  /** Age of the oldest message not yet deleted, in seconds; null when the queue is empty or no figure exists yet. */
  readonly oldestMessageAgeSeconds: number | null;
}

export interface QueuesFigures {
  readonly jobQueues: QueueFigures[];
  readonly deadLetterQueues: QueueFigures[];
}

/** Where the age of a queue's oldest message comes from: CloudWatch in AWS, the local SQS server locally. */
export type OldestMessageAge = (queueUrl: string) => Promise<number | null>;

/**
 * CloudWatch's `ApproximateAgeOfOldestMessage`, the latest 1-minute maximum of the last 5 minutes.
 * SQS sends its metrics every minute, so the figure is up to about a minute behind (SQS developer
 * guide, "Available CloudWatch metrics for Amazon SQS").
 */
export function cloudWatchOldestMessageAge(region: string): OldestMessageAge {
  const cloudWatch = new CloudWatchClient({ region });
  return async (queueUrl) => {
    const now = Date.now();
    const { MetricDataResults } = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now - 5 * 60_000),
        EndTime: new Date(now),
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'age',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'ApproximateAgeOfOldestMessage',
                Dimensions: [{ Name: 'QueueName', Value: queueUrl.slice(queueUrl.lastIndexOf('/') + 1) }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    return MetricDataResults?.[0]?.Values?.[0] ?? null;
  };
}

/** The local SQS server's stand-in for that metric (`local/services/sqs-oldest-message-age.ts`). */
export function localOldestMessageAge(sqsEndpoint: string): OldestMessageAge {
  return async (queueUrl) => {
    const response = await fetch(`${sqsEndpoint}${OLDEST_MESSAGE_AGE_PATH}?QueueUrl=${encodeURIComponent(queueUrl)}`);
    if (!response.ok) throw new Error(`The local SQS server answered ${response.status} for the age of ${queueUrl}`);
    return ((await response.json()) as { ageSeconds: number | null }).ageSeconds;
  };
}

export function oldestMessageAgeOf(target: Target): OldestMessageAge {
  return target.localSqsEndpoint === undefined ? cloudWatchOldestMessageAge(target.region) : localOldestMessageAge(target.localSqsEndpoint);
}

const COUNT_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

async function figuresOf(sqs: SQSClient, age: OldestMessageAge, { name, url }: ConsoleQueue): Promise<QueueFigures> {
  const [{ Attributes = {} }, oldestMessageAgeSeconds] = await Promise.all([
    sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...COUNT_ATTRIBUTES] })),
    age(url),
  ]);
  return {
    name,
    url,
    depth: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    oldestMessageAgeSeconds,
  };
}

/** The figures of every job queue and DLQ: a few reads of queue attributes, never a message received. */
export async function queueFigures(
  sqs: SQSClient,
  age: OldestMessageAge,
  queues: { readonly jobQueues: readonly ConsoleQueue[]; readonly deadLetterQueues: readonly ConsoleQueue[] },
): Promise<QueuesFigures> {
  const [jobQueues, deadLetterQueues] = await Promise.all([
    Promise.all(queues.jobQueues.map((queue) => figuresOf(sqs, age, queue))),
    Promise.all(queues.deadLetterQueues.map((queue) => figuresOf(sqs, age, queue))),
  ]);
  return { jobQueues, deadLetterQueues };
}
