import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { bindJobPlatform, type JobPlatformResources } from './job-function-environment.ts';
import { JobFunction } from './job-function.ts';
import { nagArnParts } from './nag-arn.ts';
import { JOB_PRIORITIES, priorityConcurrency, type JobPriority } from '../../functions/jobs/domain/priority.ts';
import { concurrencyLimitedJobTypes } from '../../functions/jobs/domain/registry.ts';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface JobWorkerConstructProps {
  /** The worker function (SQS events, returns `batchItemFailures`), from `functionDeclarations`. */
  readonly declaration: FunctionDeclaration;
  /** Memory, timeout, batching and concurrency of this environment's worker. */
  readonly environmentConfig: EnvironmentConfig;
  /** The table the worker updates and the queue it consumes. */
  readonly resources: JobPlatformResources;
  /**
   * Sender address of the `email` job type (`EMAIL_FROM`), a verified SES identity.
   * When given, the SES grant is scoped to that address and its domain.
   * @default - no sender: SES sends are allowed from this account's identities in this region
   */
  readonly emailFrom?: string;
}

/**
 * The worker: a `JobFunction` fed by each priority level's queue through an event source mapping
 * of its own, which reports partial batch failures, so one failing job never re-runs the others
 * in its batch. Each mapping's maximum concurrency is its level's share (`priorityConcurrency`):
 * a high job never waits behind normal or low ones, only for a poller of its own level.
 * It may read and write the table, consume the queue (receive, change visibility for the
 * backoff, delete) and send e-mail through SES; the DLQ is only named, never touched.
 */
export class JobWorkerConstruct extends Construct {
  readonly function: JobFunction;
  /** The event source mapping of each priority level. */
  readonly eventSources: Readonly<Record<JobPriority, SqsEventSource>>;
  /** The event source mapping of each type with a `maxConcurrency` limit. */
  readonly typeEventSources: Readonly<Record<string, SqsEventSource>>;

  constructor(scope: Construct, id: string, props: JobWorkerConstructProps) {
    super(scope, id);
    const config = props.environmentConfig;
    const worker = config.worker;

    this.function = new JobFunction(this, 'Function', {
      declaration: props.declaration,
      environmentConfig: config,
      environment: {
        WORKER_CONCURRENCY: String(worker.concurrencyPerBatch),
        WORKER_TIMEOUT_SECONDS: String(worker.timeoutSeconds),
        ...(props.emailFrom ? { EMAIL_FROM: props.emailFrom } : {}),
      },
    });
    bindJobPlatform(
      this.function,
      props.resources,
      // The DLQ URL is set because every function parses it, but the worker never reads the DLQ.
      { table: 'work', queue: 'consume', deadLetterQueue: 'send' },
      config,
    );

    const concurrency = priorityConcurrency(worker.maxConcurrency);
    const eventSourceOf = (priority: JobPriority) => {
      const eventSource = new SqsEventSource(props.resources.queues[priority], {
        batchSize: worker.batchSize,
        // AWS rejects a window of 0 given explicitly with a batch above 10, so 0 means "unset".
        maxBatchingWindow: worker.batchingWindowSeconds > 0 ? Duration.seconds(worker.batchingWindowSeconds) : undefined,
        maxConcurrency: concurrency[priority],
        reportBatchItemFailures: true,
      });
      this.function.addEventSource(eventSource);
      return eventSource;
    };
    this.eventSources = Object.fromEntries(JOB_PRIORITIES.map((priority) => [priority, eventSourceOf(priority)])) as Record<
      JobPriority,
      SqsEventSource
    >;
    // A concurrency-limited type's mapping hands over one record per invocation, so at most
    // `maxConcurrency` attempts of the type run at once, whichever worker runs them.
    this.typeEventSources = Object.fromEntries(
      concurrencyLimitedJobTypes().map(({ name, limits }) => {
        const eventSource = new SqsEventSource(props.resources.typeQueues[name] as sqs.IQueue, {
          batchSize: 1,
          maxConcurrency: limits.maxConcurrency,
          reportBatchItemFailures: true,
        });
        this.function.addEventSource(eventSource);
        return [name, eventSource];
      }),
    );

    this.grantSendEmail(props.emailFrom);
  }

  /** Lets the `email` job type send through SES (v2 `SendEmail` uses the `ses:SendEmail` action). */
  private grantSendEmail(emailFrom: string | undefined): void {
    const stack = Stack.of(this);
    const identityArn = (identity: string) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity });
    if (emailFrom) {
      const domain = emailFrom.slice(emailFrom.indexOf('@') + 1);
      this.function.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [identityArn(emailFrom), identityArn(domain)],
          conditions: { StringEquals: { 'ses:FromAddress': emailFrom } },
        }),
      );
      return;
    }
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources: [identityArn('*')] }));
    const { region, account } = nagArnParts(stack);
    Validations.of(this.function.serviceRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:${region}:${account}:identity/*]`,
      reason:
        'No emailFrom configured: the sender is whichever SES identity is verified in this account and region, so only ses:SendEmail on identity/* of this account and region is granted.',
    });
  }
}
