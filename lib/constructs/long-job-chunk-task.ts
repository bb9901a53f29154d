import { fileURLToPath } from 'node:url';
import { Duration, IgnoreMode, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { fargateJobTypes } from '../../functions/jobs/domain/registry.ts';

/** The repository root: the image's build context. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The chunk task's Dockerfile, relative to the repository root. */
export const CHUNK_TASK_DOCKERFILE = 'containers/chunk-task/Dockerfile';

/**
 * What the long-job code does with the job table: read a job, record progress (UpdateItem),
 * write a transition (conditional PutItem). On the table only: no index, no scan, no delete.
 */
export const LONG_JOB_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem'] as const;

/** The user the container runs as: `node` of the `node:24-alpine` image (`USER node` in the Dockerfile). */
export const CHUNK_TASK_USER = '1000:1000';

/** What the image build needs from the repository; everything else stays out of the asset (and its hash). */
const BUILD_CONTEXT = ['package.json', 'package-lock.json', 'tsconfig.json', 'functions', 'containers'];

export interface LongJobChunkTaskConstructProps {
  readonly vpc: ec2.IVpc;
  /** Physical cluster name (`jobs-<env>-long-jobs`). */
  readonly clusterName: string;
  /** Fargate CPU units of one task (1024 = 1 vCPU). */
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  /** The job table: the task reads the job, writes its progress and its completion. */
  readonly table: dynamodb.ITable;
  /** Where the assembled outputs go. */
  readonly outputBucket: s3.IBucket;
  /** `rediss://host:port` of the progress store. */
  readonly redisUrl: string;
  /** The progress store's AUTH token, injected as REDIS_AUTH_TOKEN. */
  readonly redisAuthToken: secretsmanager.ISecret;
  readonly jobRetentionDays: number;
  readonly logRetention: logs.RetentionDays;
  /**
   * What happens to the log group when the stack goes.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Seconds between ECS's SIGTERM and its SIGKILL: time to finish a chunk whose part is being stored.
   * @default Duration.seconds(30)
   */
  readonly stopTimeout?: Duration;
}

/**
 * The chunk task: an ECS cluster and an arm64 (Graviton) Fargate task definition whose image
 * is built from `containers/chunk-task/Dockerfile` at deploy time (a CDK asset; synth needs no
 * Docker). Its role may read and update jobs, and put objects under the fargate types' prefixes.
 */
export class LongJobChunkTaskConstruct extends Construct {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: LongJobChunkTaskConstructProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const stopTimeout = props.stopTimeout ?? Duration.seconds(30);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: props.clusterName,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: `${props.clusterName}-chunk`,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryLimitMiB,
      // Graviton: about 20% cheaper per vCPU-hour than x86 on Fargate.
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy });
    this.container = this.taskDefinition.addContainer('chunk', {
      image: ecs.ContainerImage.fromAsset(REPOSITORY_ROOT, {
        file: CHUNK_TASK_DOCKERFILE,
        platform: Platform.LINUX_ARM64,
        ignoreMode: IgnoreMode.DOCKER,
        exclude: ['*', ...BUILD_CONTEXT.map((path) => `!${path}`), '**/node_modules', '**/*.test.ts'],
      }),
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'chunk', logGroup }),
      readonlyRootFilesystem: true,
      // The image's own non-root user (node, uid 1000) and the task's memory as the container's
      // hard limit, stated in the task definition too (AWS Control Tower CT.ECS.PR.3, CT.ECS.PR.7).
      user: CHUNK_TASK_USER,
      memoryLimitMiB: props.memoryLimitMiB,
      stopTimeout,
      environment: {
        TABLE_NAME: props.table.tableName,
        JOB_RETENTION_DAYS: String(props.jobRetentionDays),
        OUTPUT_BUCKET: props.outputBucket.bucketName,
        REDIS_URL: props.redisUrl,
        POWERTOOLS_SERVICE_NAME: 'jobs-chunk-task',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      secrets: { REDIS_AUTH_TOKEN: ecs.Secret.fromSecretsManager(props.redisAuthToken) },
    });

    const taskRole = this.taskDefinition.taskRole;
    taskRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...LONG_JOB_TABLE_ACTIONS], resources: [props.table.tableArn] }));
    const prefixes = [...new Set(fargateJobTypes().map((type) => type.output.prefix))];
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: prefixes.map((prefix) => props.outputBucket.arnForObjects(`${prefix}/*`)),
      }),
    );

    const bucketLogicalId = Stack.of(this).resolve((props.outputBucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    Validations.of(taskRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${prefixes[0]}/*]`,
      reason:
        'Each job writes its own object, <prefix>/<jobId>.<extension>, whose name is known only at run time; the grant covers PutObject under the fargate types’ prefixes only.',
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        'The plain variables are resource names and settings, none secret; the one secret (the Redis AUTH token) comes from Secrets Manager through `secrets`.',
    });
    const executionRole = this.taskDefinition.obtainExecutionRole();
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken supports no resource-level permission; the image pull itself is limited to the asset repository by CDK.',
    });
  }
}
