import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { jobQueueSettings } from '../../functions/jobs/domain/job-queue-settings.ts';
import { JOB_PRIORITIES, type JobPriority } from '../../functions/jobs/domain/priority.ts';
import { concurrencyQueueName } from '../../functions/jobs/adapters/job-queue.ts';
import type { EnvironmentConfig } from '../config/environments.ts';

export interface JobQueueConstructProps {
  /** Name of each priority level's queue; carries the environment (`jobs-dev-queue`, `jobs-dev-queue-high`). */
  readonly queueNames: Readonly<Record<JobPriority, string>>;
  /** The job types with a `maxConcurrency` limit: each gets a queue of its own (`jobs-dev-queue-type-<type>`). */
  readonly concurrencyLimitedTypes?: readonly string[];
  /** Name of the dead-letter queue (`jobs-dev-dlq`). */
  readonly deadLetterQueueName: string;
  /** The worker's timeout and batching window, from which the queue settings are derived. */
  readonly worker: Pick<EnvironmentConfig['worker'], 'timeoutSeconds' | 'batchingWindowSeconds'>;
}

/**
 * The job queues, one per priority level, and the dead-letter queue they share, all standard,
 * encrypted (SQS-managed SSE) and reachable over TLS only. Visibility timeout,
 * `maxReceiveCount` and retention come from `jobQueueSettings`, the definition the local runtime
 * uses too. One DLQ serves every level: on-call engineers watch one queue and one alarm, and the
 * console's "Start DLQ redrive" sends each message back to the queue it came from.
 */
export class JobQueueConstruct extends Construct {
  /** Each priority level's queue. */
  readonly queues: Readonly<Record<JobPriority, sqs.Queue>>;
  /** The normal level's queue. */
  readonly queue: sqs.Queue;
  /** The queue of each type with a `maxConcurrency` limit, by type name. */
  readonly typeQueues: Readonly<Record<string, sqs.Queue>>;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobQueueConstructProps) {
    super(scope, id);
    const settings = jobQueueSettings(props.worker);

    // The source queues' ARNs are built from their names: referencing the queues themselves
    // would make a cycle (their redrive policies already reference the DLQ).
    const typeQueueNames = (props.concurrencyLimitedTypes ?? []).map((type): [string, string] => [
      type,
      concurrencyQueueName(props.queueNames.normal, type),
    ]);
    const sourceNames = [...JOB_PRIORITIES.map((priority) => props.queueNames[priority]), ...typeQueueNames.map(([, name]) => name)];
    // A redrive allow policy names at most 10 source queues (SQS API reference, RedriveAllowPolicy).
    if (sourceNames.length > 10) {
      throw new Error(`At most 7 job types may declare maxConcurrency (one DLQ serves at most 10 queues); ${typeQueueNames.length} do`);
    }
    const sourceQueues = sourceNames.map((name, index) =>
      sqs.Queue.fromQueueArn(
        this,
        index === 1 ? 'SourceQueueRef' : `SourceQueueRef-${name}`,
        Stack.of(this).formatArn({ service: 'sqs', resource: name }),
      ),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      retentionPeriod: Duration.seconds(settings.deadLetterRetentionSeconds),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Only the job queues may dead-letter here; the console's "Start DLQ redrive" moves
      // each message back to the one it came from (StartMessageMoveTask).
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.BY_QUEUE, sourceQueues },
    });

    const queueOf = (id: string, queueName: string) =>
      new sqs.Queue(this, id, {
        queueName,
        visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
        retentionPeriod: Duration.seconds(settings.retentionSeconds),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
      });
    // The normal level keeps the construct id of the platform's first, single queue.
    this.queues = {
      high: queueOf('Queue-high', props.queueNames.high),
      normal: queueOf('Queue', props.queueNames.normal),
      low: queueOf('Queue-low', props.queueNames.low),
    };
    this.queue = this.queues.normal;
    this.typeQueues = Object.fromEntries(typeQueueNames.map(([type, name]) => [type, queueOf(`TypeQueue-${type}`, name)]));

    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the job queues; a DLQ of a DLQ would only hide failures.',
    });
  }
}
