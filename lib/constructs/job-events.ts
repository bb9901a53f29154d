import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { bindJobPlatform, type JobPlatformResources } from './job-function-environment.ts';
import { acknowledgeStreamListing, JobFunction } from './job-function.ts';

export interface JobEventsConstructProps {
  /** The events function as `functionDeclarations` declares it. */
  readonly declaration: FunctionDeclaration;
  readonly environmentConfig: EnvironmentConfig;
  /** The job table (whose stream says when a job changed status) and the queues a released job is sent to. */
  readonly resources: JobPlatformResources;
  /** The bus's name (`jobs-<env>-events`). */
  readonly eventBusName: string;
}

/** The statuses that make a lifecycle event (functions/jobs/adapters/job-lifecycle-events.ts). */
const EVENT_STATUSES = ['retrying', 'completed', 'failed', 'cancelled'];

/**
 * The environment's event bus and the function that puts a lifecycle event on it for every job
 * that became retrying, completed, failed or cancelled. It reads the table's stream (a second
 * consumer beside the counts), so an event follows every committed transition, whichever function
 * wrote it, and never one that failed. Consumers subscribe with rules on the bus. The same
 * function releases the jobs waiting on a finished one (SPEC §11): a third reader of the stream
 * would pass the two readers per shard DynamoDB Streams advises.
 */
export class JobEventsConstruct extends Construct {
  readonly bus: events.EventBus;
  readonly function: JobFunction;

  constructor(scope: Construct, id: string, props: JobEventsConstructProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName });
    this.function = new JobFunction(this, 'Function', { declaration: props.declaration, environmentConfig: props.environmentConfig });
    this.function.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
    this.bus.grantPutEventsTo(this.function);
    bindJobPlatform(this.function, props.resources, { table: 'release', queue: 'send', deadLetterQueue: 'none' }, props.environmentConfig);
    this.function.addEventSource(
      new DynamoEventSource(props.resources.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        // Only writes that leave a job in an event's status invoke the function (it checks the
        // status changed); the rest of the stream costs nothing here.
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('MODIFY'),
            dynamodb: { NewImage: { status: { S: lambda.FilterRule.or(...EVENT_STATUSES) } } },
          }),
        ],
        // A failing batch is halved until the bad record stands alone, then skipped past these tries.
        bisectBatchOnError: true,
        retryAttempts: 10,
        parallelizationFactor: 1,
      }),
    );
    acknowledgeStreamListing(this.function);
  }
}
