import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { bindJobTable } from './job-function-environment.ts';
import { acknowledgeStreamListing, JobFunction } from './job-function.ts';

export interface JobCountsConstructProps {
  /** The counts function as `functionDeclarations` declares it (entry, name, timeout, memory, variables). */
  readonly declaration: FunctionDeclaration;
  /** Log retention and tracing of this environment. */
  readonly environmentConfig: EnvironmentConfig;
  /** The job table: its stream is read, its counts items written. */
  readonly table: dynamodb.ITable;
  /**
   * Records per invocation; the more, the fewer count writes per job.
   * @default 1000
   */
  readonly batchSize?: number;
  /**
   * Seconds to gather records before invoking: `/stats` lags the jobs by about this much.
   * @default Duration.seconds(5)
   */
  readonly batchingWindow?: Duration;
}

/**
 * Keeps each caller's counts per status (`GET /stats`) from the job table's stream: a batch of
 * changes becomes one write per caller, so counting costs a small fraction of a write unit per
 * job, puts no caller's traffic on one key, and needs no index that moves on every status change.
 */
export class JobCountsConstruct extends Construct {
  readonly function: JobFunction;

  constructor(scope: Construct, id: string, props: JobCountsConstructProps) {
    super(scope, id);
    const config = props.environmentConfig;
    const batchSize = props.batchSize ?? 1_000;
    const batchingWindow = props.batchingWindow ?? Duration.seconds(5);

    this.function = new JobFunction(this, 'Function', { declaration: props.declaration, environmentConfig: config });
    // Counts items are written by UpdateItem inside TransactWriteItems (authorized per action).
    bindJobTable(this.function, props.table, 'transition');
    this.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize,
        maxBatchingWindow: batchingWindow,
        // A failing batch is retried as a whole (its transaction token makes a retry count once);
        // past these tries it is skipped, so one poison batch cannot stop the counts for a day.
        retryAttempts: 10,
        parallelizationFactor: 1,
      }),
    );
    acknowledgeStreamListing(this.function);
  }
}
