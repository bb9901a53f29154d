import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { jobQueueSettings } from '../../functions/jobs/domain/job-queue-settings.ts';
import type { EnvironmentConfig } from '../config/environments.ts';

export interface JobQueueConstructProps {
  /** Name of the job queue; carries the environment (`jobs-dev-queue`). */
  readonly queueName: string;
  /** Name of the dead-letter queue (`jobs-dev-dlq`). */
  readonly deadLetterQueueName: string;
  /** The worker's timeout and batching window, from which the queue settings are derived. */
  readonly worker: Pick<EnvironmentConfig['worker'], 'timeoutSeconds' | 'batchingWindowSeconds'>;
}

/**
 * The job queue and its dead-letter queue, both standard, encrypted (SQS-managed SSE) and
 * reachable over TLS only. Visibility timeout, `maxReceiveCount` and retention come from
 * `jobQueueSettings`, the definition the local runtime uses too.
 */
export class JobQueueConstruct extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobQueueConstructProps) {
    super(scope, id);
    const settings = jobQueueSettings(props.worker);

    // The source queue's ARN is built from its name: referencing the queue itself would make
    // a cycle (the queue's redrive policy already references the DLQ).
    const sourceQueueArn = Stack.of(this).formatArn({ service: 'sqs', resource: props.queueName });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: props.deadLetterQueueName,
      retentionPeriod: Duration.seconds(settings.deadLetterRetentionSeconds),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Only the job queue may dead-letter here; the console's "Start DLQ redrive" moves
      // messages back to it (StartMessageMoveTask).
      redriveAllowPolicy: {
        redrivePermission: sqs.RedrivePermission.BY_QUEUE,
        sourceQueues: [sqs.Queue.fromQueueArn(this, 'SourceQueueRef', sourceQueueArn)],
      },
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.queueName,
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(settings.retentionSeconds),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });

    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the job queue; a DLQ of a DLQ would only hide failures.',
    });
  }
}
