import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { jobQueueSettings } from '../../functions/jobs/domain/job-queue-settings.ts';
import { JOB_PRIORITIES, type JobPriority } from '../../functions/jobs/domain/priority.ts';
import type { EnvironmentConfig } from '../config/environments.ts';

export interface JobQueueConstructProps {
  /** Name of each priority level's queue; carries the environment (`jobs-dev-queue`, `jobs-dev-queue-high`). */
  readonly queueNames: Readonly<Record<JobPriority, string>>;
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
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobQueueConstructProps) {
    super(scope, id);
    const settings = jobQueueSettings(props.worker);

    // The source queues' ARNs are built from their names: referencing the queues themselves
    // would make a cycle (their redrive policies already reference the DLQ).
    const sourceQueues = JOB_PRIORITIES.map((priority) =>
      sqs.Queue.fromQueueArn(
        this,
        `SourceQueueRef${priority === 'normal' ? '' : `-${priority}`}`,
        Stack.of(this).formatArn({ service: 'sqs', resource: props.queueNames[priority] }),
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

    const queueOf = (priority: JobPriority) =>
      // The normal level keeps the construct id of the platform's first, single queue.
      new sqs.Queue(this, priority === 'normal' ? 'Queue' : `Queue-${priority}`, {
        queueName: props.queueNames[priority],
        visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
        retentionPeriod: Duration.seconds(settings.retentionSeconds),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
      });
    this.queues = { high: queueOf('high'), normal: queueOf('normal'), low: queueOf('low') };
    this.queue = this.queues.normal;

    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the job queues; a DLQ of a DLQ would only hide failures.',
    });
  }
}
