import { CfnOutput, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { EnvironmentConfig, LongJobSettings } from './config/environments.ts';
import { functionDeclarations } from './config/function-declarations.ts';
import { resourceNames } from './config/resource-names.ts';
import { applyLogGroupControls } from './constructs/control-tower-rules.ts';
import { LONG_JOB_CACHE_PORT, LongJobCacheConstruct } from './constructs/long-job-cache.ts';
import { LongJobChunkTaskConstruct } from './constructs/long-job-chunk-task.ts';
import { LongJobNetworkConstruct } from './constructs/long-job-network.ts';
import { LongJobOutputBucketConstruct } from './constructs/long-job-output-bucket.ts';
import { LongJobStateMachineConstruct } from './constructs/long-job-state-machine.ts';

export interface LongJobStackProps extends StackProps {
  readonly environmentConfig: EnvironmentConfig;
  /** The environment's `longJobs` settings. */
  readonly settings: LongJobSettings;
  /** The job table of the environment's main stack. */
  readonly table: dynamodb.ITable;
}

/**
 * The long-job companion stack (SPEC §6), `jobs-<env>-long-jobs`: VPC, ElastiCache progress
 * store, output bucket, ECS cluster and arm64 chunk task, and the state machine that runs them.
 * It depends on the main stack (the table); the main stack's API finds the state machine by its name.
 */
export class LongJobStack extends Stack {
  readonly network: LongJobNetworkConstruct;
  readonly cache: LongJobCacheConstruct;
  readonly outputs: LongJobOutputBucketConstruct;
  readonly chunkTask: LongJobChunkTaskConstruct;
  readonly stateMachine: LongJobStateMachineConstruct;

  constructor(scope: Construct, id: string, props: LongJobStackProps) {
    super(scope, id, { description: `Long-running jobs of the job platform (${props.environmentConfig.name})`, ...props });
    const config = props.environmentConfig;
    const settings = props.settings;
    const names = resourceNames(config.name);
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    Tags.of(this).add('environment', config.name);
    Tags.of(this).add('application', 'job-platform');
    applyLogGroupControls(this, config);

    this.network = new LongJobNetworkConstruct(this, 'Network', {
      natGateways: settings.natGateways,
      cachePort: LONG_JOB_CACHE_PORT,
      flowLogRetention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    this.cache = new LongJobCacheConstruct(this, 'Cache', {
      vpc: this.network.vpc,
      securityGroup: this.network.cacheSecurityGroup,
      nodeType: settings.cacheNodeType,
      replicas: settings.cacheReplicas,
      port: LONG_JOB_CACHE_PORT,
      removalPolicy,
    });
    this.outputs = new LongJobOutputBucketConstruct(this, 'Outputs', { retentionDays: settings.outputRetentionDays, removalPolicy });
    this.chunkTask = new LongJobChunkTaskConstruct(this, 'ChunkTask', {
      vpc: this.network.vpc,
      clusterName: names.longJobCluster,
      cpu: settings.taskCpu,
      memoryLimitMiB: settings.taskMemoryMb,
      table: props.table,
      outputBucket: this.outputs.bucket,
      redisUrl: this.cache.url,
      redisAuthToken: this.cache.authToken,
      jobRetentionDays: config.jobRetentionDays,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    this.stateMachine = new LongJobStateMachineConstruct(this, 'StateMachine', {
      stateMachineName: names.longJobStateMachine,
      stepsDeclaration: functionDeclarations(config).longJobSteps,
      executionEndedDeclaration: functionDeclarations(config).longJobExecutionEnded,
      environmentConfig: config,
      settings,
      table: props.table,
      cluster: this.chunkTask.cluster,
      taskDefinition: this.chunkTask.taskDefinition,
      container: this.chunkTask.container,
      taskSubnets: this.network.taskSubnets,
      taskSecurityGroup: this.network.taskSecurityGroup,
      assignPublicIp: this.network.assignPublicIp,
    });

    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachine.stateMachineArn,
      description: 'Long-job state machine',
    });
    new CfnOutput(this, 'OutputBucketName', { value: this.outputs.bucket.bucketName, description: 'Bucket of long-job outputs' });
  }
}
