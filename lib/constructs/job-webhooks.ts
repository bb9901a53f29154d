import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WEBHOOK_EVENT_PATTERN } from '../../functions/jobs/adapters/job-lifecycle-events.ts';
import { webhookQueueSettings } from '../../functions/jobs/domain/webhook-delivery.ts';
import type { EnvironmentConfig } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { bindJobTable } from './job-function-environment.ts';
import { JobFunction } from './job-function.ts';

export interface JobWebhooksConstructProps {
  /** The deliverer and the secret's rotation function, as `functionDeclarations` declares them. */
  readonly deliveryDeclaration: FunctionDeclaration;
  readonly rotationDeclaration: FunctionDeclaration;
  readonly environmentConfig: EnvironmentConfig;
  /** The job table, where each try is counted on its job (`callback.attempts`, `callback.lastStatus`). */
  readonly table: dynamodb.ITable;
  /** The environment's lifecycle-event bus. */
  readonly bus: events.IEventBus;
  readonly names: {
    readonly rule: string;
    readonly queue: string;
    readonly deadLetterQueue: string;
    readonly secret: string;
  };
}

/**
 * Signed webhooks (SPEC §11). A rule on the event bus sends every terminal event of a job with a
 * `callbackUrl` to a queue; the deliverer POSTs each, signed with the environment's secret, and
 * on a failed try hides the message for its backoff, up to 24 h; then the delivery goes to the
 * DLQ, which on-call redrives from the SQS console. The secret is `{current, previous?}` in
 * Secrets Manager; its rotation function makes a new current and keeps the old one valid.
 *
 * Why not an API destination: it can add a fixed header or OAuth token, not an HMAC of each
 * body, and it cannot count tries on the job.
 */
export class JobWebhooksConstruct extends Construct {
  readonly rule: events.Rule;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly secret: secretsmanager.Secret;
  readonly deliveryFunction: JobFunction;
  readonly rotationFunction: JobFunction;

  constructor(scope: Construct, id: string, props: JobWebhooksConstructProps) {
    super(scope, id);
    const config = props.environmentConfig;
    const settings = webhookQueueSettings(props.deliveryDeclaration.timeoutSeconds);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: props.names.deadLetterQueue,
      retentionPeriod: Duration.seconds(settings.deadLetterRetentionSeconds),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Only the deliveries' queue dead-letters here (a redrive sends a letter back to it);
      // the deliverer and the rule's target put given-up deliveries here themselves.
      redriveAllowPolicy: {
        redrivePermission: sqs.RedrivePermission.BY_QUEUE,
        sourceQueues: [
          sqs.Queue.fromQueueArn(this, 'SourceQueueRef', Stack.of(this).formatArn({ service: 'sqs', resource: props.names.queue })),
        ],
      },
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the webhook deliveries; a DLQ of a DLQ would only hide failures.',
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: props.names.queue,
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(settings.retentionSeconds),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A safety net for a delivery that crashes the deliverer every time: the deliverer itself
      // moves a delivery to the DLQ once its 24 h are over, far below this count.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });

    this.rule = new events.Rule(this, 'Rule', {
      ruleName: props.names.rule,
      description: `Sends every terminal event of a job with a callbackUrl to its webhook delivery (${config.name})`,
      eventBus: props.bus,
      eventPattern: {
        source: [...WEBHOOK_EVENT_PATTERN.source],
        detailType: [...WEBHOOK_EVENT_PATTERN['detail-type']],
        detail: WEBHOOK_EVENT_PATTERN.detail,
      },
      // An event EventBridge could not put on the queue (for 24 h, its default) lands in the DLQ too.
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });

    this.secret = new secretsmanager.Secret(this, 'SigningSecret', {
      secretName: props.names.secret,
      description: `Webhook signing secret, {current, previous?} (${config.name})`,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'current', excludePunctuation: true, passwordLength: 64 },
      removalPolicy: config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.deliveryFunction = new JobFunction(this, 'DeliveryFunction', {
      declaration: props.deliveryDeclaration,
      environmentConfig: config,
    });
    bindJobTable(this.deliveryFunction, props.table, 'callback');
    this.deliveryFunction.addEnvironment('WEBHOOK_QUEUE_URL', this.queue.queueUrl);
    this.deliveryFunction.addEnvironment('WEBHOOK_DEAD_LETTER_QUEUE_URL', this.deadLetterQueue.queueUrl);
    this.deliveryFunction.addEnvironment('WEBHOOK_SECRET_ID', this.secret.secretArn);
    this.deliveryFunction.addEnvironment('WEBHOOK_RETRY_BASE_SECONDS', String(config.webhooks.retry.baseSeconds));
    this.deliveryFunction.addEnvironment('WEBHOOK_RETRY_CAP_SECONDS', String(config.webhooks.retry.capSeconds));
    this.deliveryFunction.addEnvironment('WEBHOOK_SECRET_CACHE_SECONDS', String(config.webhooks.secretCacheSeconds));
    this.deliveryFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }),
    );
    this.deadLetterQueue.grantSendMessages(this.deliveryFunction);
    // The mapping's grant (receive, delete, visibility change) covers a failed try's backoff too.
    this.deliveryFunction.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxConcurrency: config.webhooks.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    this.rotationFunction = new JobFunction(this, 'RotationFunction', {
      declaration: props.rotationDeclaration,
      environmentConfig: config,
    });
    this.rotationFunction.addEnvironment('WEBHOOK_SECRET_ID', this.secret.secretArn);
    // What the four steps call, on this secret only (no GetRandomPassword: keys come from node:crypto).
    this.rotationFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [this.secret.secretArn],
      }),
    );
    this.rotationFunction.addPermission('SecretsManagerInvoke', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      sourceArn: this.secret.secretArn,
    });
    const rotation = new secretsmanager.CfnRotationSchedule(this, 'Rotation', {
      secretId: this.secret.secretArn,
      rotationLambdaArn: this.rotationFunction.functionArn,
      rotationRules: { scheduleExpression: `rate(${config.webhooks.secretRotationDays} days)` },
      rotateImmediatelyOnUpdate: false,
    });
    rotation.node.addDependency(this.rotationFunction.node.findChild('SecretsManagerInvoke'));
  }
}
