import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../config/environments.ts';
import { JOB_PRIORITIES, type JobPriority } from '../../functions/jobs/domain/priority.ts';

/**
 * Binders that set a function's environment variable and the IAM grant it implies in one
 * call, so a function never holds a resource name it may not use, nor a permission it
 * cannot find the resource for. Variable names are the ones `functions/runtime-config.ts` reads.
 *
 * Every function parses all the platform variables at cold start (`platformRuntimeConfig`),
 * so an access of `'none'` still sets the variable, without a grant.
 */

/**
 * `R`: get, batch-get, query; `transition` (counts): get and update, for transitions of existing
 * jobs; `work` (worker): those, for claims and transitions, and a batch-get of a running job's
 * dependencies; `release` (events): get, query and update, to find the jobs
 * waiting on a finished one and release or cancel them; `sweep` (reconciler): get, update and a
 * scan, for the stale-job sweep; `RW` (API): reads, and creating jobs as well as changing them.
 */
export type TableAccess = 'R' | 'transition' | 'work' | 'release' | 'sweep' | 'reconcile' | 'RW' | 'callback';

/**
 * Item actions on the job table, exactly the ones `JobRepository` issues: a new job is a
 * `PutItem` or a `BatchWriteItem` (a `TransactWriteItems` of puts is authorized by `PutItem`),
 * every later change a conditional `UpdateItem`, and a job whose message could not be sent is
 * deleted again (`BatchWriteItem` of deletes). Reads are `GetItem`; listing is a `Query` on the
 * table or its index plus `BatchGetItem`. Only the reconciler's background sweep scans.
 */
export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  R: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  // The webhook deliverer counts each try on its job with one update, reading nothing (JobRepository.recordCallbackAttempt).
  callback: ['dynamodb:UpdateItem'],
  transition: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  // A handler's `context.dependencies` are one BatchGetItem of the running job's dependencies.
  work: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
  // A finished job's waiting jobs are one Query of its edges (JobRepository.waitingOn).
  release: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  // The reconciler's stale-job sweep reads the table a page or two a minute (JobRepository.scanForStale).
  sweep: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
  // The sweep's, and creating the job of a recurring firing EventBridge Scheduler dead-lettered
  // (a put, or a transaction of puts with its idempotency key; a batch delete undoes an unsent one).
  reconcile: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'],
  RW: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:DeleteItem',
  ],
};

/** Sets `TABLE_NAME` and grants item access to the table and its indexes (and its key, if any). */
export function bindJobTable(fn: lambda.Function, table: dynamodb.ITable, access: TableAccess): void {
  fn.addEnvironment('TABLE_NAME', table.tableName);
  table.grant(fn, ...TABLE_ACTIONS[access]);
  if (access === 'R') table.encryptionKey?.grantDecrypt(fn);
  else table.encryptionKey?.grantEncryptDecrypt(fn);
  const cfnTable = table.node.defaultChild;
  if (fn.role && cfnTable instanceof CfnElement) {
    // cdk-nag v3 acknowledges one finding at a time; the finding names the table's logical id.
    const tableLogicalId = Stack.of(table).resolve(cfnTable.logicalId) as string;
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
      reason: 'Listing failed or cancelled jobs queries the byCallerStatus index; the grant covers only the indexes of this one table.',
    });
  }
}

/**
 * `send`: SendMessage, GetQueueAttributes, GetQueueUrl (submit, health, stats);
 * `consume`: ReceiveMessage, ChangeMessageVisibility, DeleteMessage, GetQueueAttributes, GetQueueUrl,
 * and SendMessage: a worker whose outcome write keeps failing sends the outcome on as a message.
 */
export type JobQueueAccess = 'none' | 'send' | 'consume';

/** The variable that carries each priority level's queue URL. */
const QUEUE_URL_VARIABLES = { high: 'HIGH_PRIORITY_QUEUE_URL', normal: 'QUEUE_URL', low: 'LOW_PRIORITY_QUEUE_URL' } as const;

/**
 * Sets the queue URL of every priority level and grants the chosen access to each of their
 * queues and to the concurrency-limited types' queues (whose URLs follow from the normal one's).
 */
export function bindJobQueues(
  fn: lambda.Function,
  queues: Readonly<Record<JobPriority, sqs.IQueue>>,
  typeQueues: Readonly<Record<string, sqs.IQueue>>,
  access: JobQueueAccess,
): void {
  for (const priority of JOB_PRIORITIES) fn.addEnvironment(QUEUE_URL_VARIABLES[priority], queues[priority].queueUrl);
  for (const queue of [...Object.values(queues), ...Object.values(typeQueues)]) {
    if (access === 'send') queue.grantSendMessages(fn);
    else if (access === 'consume') {
      queue.grantConsumeMessages(fn);
      queue.grantSendMessages(fn);
    }
  }
}

/**
 * `inspect`: GetQueueAttributes only (DLQ depth for `/stats`);
 * `send`: SendMessage only (the worker moves malformed messages there at once);
 * `consume`: ReceiveMessage and ChangeMessageVisibility to read dead letters without removing
 * them (they stay for the console redrive), plus GetQueueAttributes.
 */
export type DeadLetterQueueAccess = 'none' | 'inspect' | 'send' | 'consume';

/** Sets `DEAD_LETTER_QUEUE_URL` and grants the chosen access to the dead-letter queue. */
export function bindDeadLetterQueue(fn: lambda.Function, deadLetterQueue: sqs.IQueue, access: DeadLetterQueueAccess): void {
  fn.addEnvironment('DEAD_LETTER_QUEUE_URL', deadLetterQueue.queueUrl);
  if (access === 'inspect') deadLetterQueue.grant(fn, 'sqs:GetQueueAttributes');
  else if (access === 'send') deadLetterQueue.grantSendMessages(fn);
  else if (access === 'consume') {
    deadLetterQueue.grant(fn, 'sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes');
  }
}

/**
 * Sets the retry defaults and the job retention every function applies to new and redriven
 * jobs, whether drill types may be submitted, and whether a `callbackUrl` may be plain http.
 */
export function bindJobDefaults(fn: lambda.Function, config: EnvironmentConfig): void {
  fn.addEnvironment('ALLOW_DRILL_JOB_TYPES', String(config.drillJobTypes));
  fn.addEnvironment('ALLOW_HTTP_CALLBACK_URLS', String(config.webhooks.allowHttpCallbackUrls));
  fn.addEnvironment('RETRY_MAX_ATTEMPTS', String(config.retry.maxAttempts));
  fn.addEnvironment('RETRY_BASE_SECONDS', String(config.retry.baseSeconds));
  fn.addEnvironment('RETRY_CAP_SECONDS', String(config.retry.capSeconds));
  fn.addEnvironment('JOB_RETENTION_DAYS', String(config.jobRetentionDays));
}

/** The platform resources a function is bound to. */
export interface JobPlatformResources {
  readonly table: dynamodb.ITable;
  /** Each priority level's job queue. */
  readonly queues: Readonly<Record<JobPriority, sqs.IQueue>>;
  /** The queue of each type with a `maxConcurrency` limit. */
  readonly typeQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly deadLetterQueue: sqs.IQueue;
}

/** How much of each platform resource a function may use. */
export interface JobPlatformAccess {
  readonly table: TableAccess;
  readonly queue: JobQueueAccess;
  readonly deadLetterQueue: DeadLetterQueueAccess;
}

/** Binds every variable `platformRuntimeConfig` reads, with the grants the access asks for. */
export function bindJobPlatform(
  fn: lambda.Function,
  resources: JobPlatformResources,
  access: JobPlatformAccess,
  config: EnvironmentConfig,
): void {
  bindJobTable(fn, resources.table, access.table);
  bindJobQueues(fn, resources.queues, resources.typeQueues, access.queue);
  bindDeadLetterQueue(fn, resources.deadLetterQueue, access.deadLetterQueue);
  bindJobDefaults(fn, config);
}

/**
 * Sets `STATE_MACHINE_ARN` and lets the function start executions of the long-job state
 * machine (SPEC §6), and nothing else of it.
 */
export function bindLongJobStateMachine(fn: lambda.Function, stateMachineArn: string): void {
  fn.addEnvironment('STATE_MACHINE_ARN', stateMachineArn);
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }));
}
