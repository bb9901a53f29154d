import { CreateTableCommand, ResourceInUseException, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { JOB_TABLE_KEY_ATTRIBUTES, JOB_TABLE_SCHEMA } from '../functions/jobs/adapters/job-table-schema.ts';
import { concurrencyQueueName, type JobQueueUrls } from '../functions/jobs/adapters/job-queue.ts';
import { concurrencyLimitedJobTypes } from '../functions/jobs/domain/registry.ts';
import type { JobQueueSettings } from '../functions/jobs/domain/job-queue-settings.ts';
import type { WebhookQueueSettings } from '../functions/jobs/domain/webhook-delivery.ts';
import { JOB_PRIORITIES, type JobPriority } from '../functions/jobs/domain/priority.ts';

/** Creates the job table from the same schema the CDK table construct reads. */
export async function createJobTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: JOB_TABLE_KEY_ATTRIBUTES.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: JOB_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: JOB_TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: JOB_TABLE_SCHEMA.streamView },
        GlobalSecondaryIndexes: Object.values(JOB_TABLE_SCHEMA.indexes).map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    return;
  }
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: JOB_TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
    }),
  );
}

export interface ProvisionedQueues {
  /** The normal level's queue. */
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Each priority level's queue. */
  readonly queueUrls: JobQueueUrls;
  readonly queueArns: Readonly<Record<JobPriority, string>>;
  /** The queue of each type with a `maxConcurrency` limit, by type name. */
  readonly typeQueues: Readonly<Record<string, { readonly url: string; readonly arn: string }>>;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

/**
 * fauxqs names queues `http://sqs.<region>.localhost:<port>/…`, a host that does not resolve
 * everywhere; the SDK sends to the queue URL's host, so keep the path on the server's own origin.
 */
async function reachableQueueUrl(sqs: SQSClient, queueUrl: string | undefined): Promise<string> {
  if (queueUrl === undefined) throw new Error('CreateQueue returned no queue URL');
  const endpoint = await sqs.config.endpoint?.();
  if (endpoint === undefined) return queueUrl;
  const url = new URL(queueUrl);
  return `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${url.pathname}`;
}

async function arnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`Queue ${queueUrl} has no ARN`);
  return arn;
}

/** Creates the job queues (one per priority level) and their DLQ with the settings the CDK queue construct derives. */
export async function createJobQueues(
  sqs: SQSClient,
  names: { priorityQueues: Readonly<Record<JobPriority, string>>; deadLetterQueue: string },
  settings: JobQueueSettings,
): Promise<ProvisionedQueues> {
  const deadLetter = await createDeadLetterQueue(sqs, names.deadLetterQueue, settings.deadLetterRetentionSeconds);
  const deadLetterQueueUrl = deadLetter.url;
  const deadLetterQueueArn = deadLetter.arn;
  const createQueue = (queueName: string) => createRedrivenQueue(sqs, queueName, settings, deadLetterQueueArn);
  const levels = await Promise.all(
    JOB_PRIORITIES.map(async (priority) => ({ priority, ...(await createQueue(names.priorityQueues[priority])) })),
  );
  const typeQueues = Object.fromEntries(
    await Promise.all(
      concurrencyLimitedJobTypes().map(async ({ name }) => [
        name,
        await createQueue(concurrencyQueueName(names.priorityQueues.normal, name)),
      ]),
    ),
  );
  const byLevel = <T>(pick: (level: (typeof levels)[number]) => T) =>
    Object.fromEntries(levels.map((level) => [level.priority, pick(level)])) as Record<JobPriority, T>;
  const queueUrls = byLevel((level) => level.url);
  const queueArns = byLevel((level) => level.arn);
  return {
    queueUrl: queueUrls.normal,
    queueArn: queueArns.normal,
    queueUrls,
    queueArns,
    typeQueues,
    deadLetterQueueUrl,
    deadLetterQueueArn,
  };
}

/** Creates the queue EventBridge Scheduler dead-letters failed firings into, as the scheduling construct does. */
export async function createScheduleDeadLetterQueue(
  sqs: SQSClient,
  name: string,
  settings: JobQueueSettings,
): Promise<{ readonly url: string; readonly arn: string }> {
  return createDeadLetterQueue(sqs, name, settings.deadLetterRetentionSeconds);
}

/** The settings of a queue whose messages SQS dead-letters after `maxReceiveCount` receives. */
type RedrivenQueueSettings = Pick<JobQueueSettings, 'visibilityTimeoutSeconds' | 'retentionSeconds' | 'maxReceiveCount'>;

async function createDeadLetterQueue(sqs: SQSClient, name: string, retentionSeconds: number): Promise<{ url: string; arn: string }> {
  const created = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { MessageRetentionPeriod: String(retentionSeconds) } }),
  );
  const url = await reachableQueueUrl(sqs, created.QueueUrl);
  return { url, arn: await arnOf(sqs, url) };
}

async function createRedrivenQueue(
  sqs: SQSClient,
  name: string,
  settings: RedrivenQueueSettings,
  deadLetterQueueArn: string,
): Promise<{ url: string; arn: string }> {
  const created = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(settings.retentionSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount: settings.maxReceiveCount }),
      },
    }),
  );
  const url = await reachableQueueUrl(sqs, created.QueueUrl);
  return { url, arn: await arnOf(sqs, url) };
}

/** Creates the webhook deliveries' queue and its DLQ, as the webhooks construct does. */
export async function createWebhookQueues(
  sqs: SQSClient,
  names: { readonly webhookQueue: string; readonly webhookDeadLetterQueue: string },
  settings: WebhookQueueSettings,
): Promise<{
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}> {
  const deadLetter = await createDeadLetterQueue(sqs, names.webhookDeadLetterQueue, settings.deadLetterRetentionSeconds);
  const queue = await createRedrivenQueue(sqs, names.webhookQueue, settings, deadLetter.arn);
  return { queueUrl: queue.url, queueArn: queue.arn, deadLetterQueueUrl: deadLetter.url, deadLetterQueueArn: deadLetter.arn };
}
