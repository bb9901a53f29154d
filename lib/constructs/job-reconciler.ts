import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.ts';
import type { FunctionDeclaration } from '../config/function-declarations.ts';
import { bindJobPlatform, type JobPlatformResources } from './job-function-environment.ts';
import { JobFunction } from './job-function.ts';
import type { JobSchedulingConstruct } from './job-scheduling.ts';

export interface JobReconcilerConstructProps {
  /** The reconciler function (its timeout stays under `interval`), from `functionDeclarations`. */
  readonly declaration: FunctionDeclaration;
  /** Log retention, tracing and retry defaults of this environment. */
  readonly environmentConfig: EnvironmentConfig;
  /** The table it updates and the dead-letter queue it reads. */
  readonly resources: JobPlatformResources;
  /** The schedules' dead-letter queue it reads; due jobs' messages go on to the job queue. */
  readonly scheduling: JobSchedulingConstruct;
  /**
   * How often the reconciler runs; SPEC §3 wants a dead-lettered job `failed` within minutes.
   * @default Duration.minutes(1)
   */
  readonly interval?: Duration;
}

/**
 * Marks `failed` the jobs whose message SQS dead-lettered on its own (crash or timeout loops),
 * so none stays `running` or `retrying` forever. Runs on an EventBridge schedule, reads the DLQ
 * (receive, change visibility; messages stay for the redrive) and writes the table.
 */
export class JobReconcilerConstruct extends Construct {
  readonly function: JobFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: JobReconcilerConstructProps) {
    super(scope, id);
    const config = props.environmentConfig;
    const interval = props.interval ?? Duration.minutes(1);

    this.function = new JobFunction(this, 'Function', { declaration: props.declaration, environmentConfig: config });
    bindJobPlatform(this.function, props.resources, { table: 'reconcile', queue: 'send', deadLetterQueue: 'consume' }, config);
    props.scheduling.bindDeadLetterReader(this.function);

    this.rule = new events.Rule(this, 'Schedule', {
      ruleName: `${props.declaration.functionName}-schedule`,
      description: 'Runs the job reconciler',
      schedule: events.Schedule.rate(interval),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}
