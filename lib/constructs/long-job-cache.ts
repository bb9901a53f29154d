import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Not the engine's default 6379: cdk-nag AwsSolutions-AEC5, and scanners probing the default port find nothing. */
export const LONG_JOB_CACHE_PORT = 6380;

export interface LongJobCacheConstructProps {
  readonly vpc: ec2.IVpc;
  /** The cache's security group (inbound from the chunk tasks only). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Node type, for example `cache.t4g.micro`. */
  readonly nodeType: string;
  /**
   * Read replicas; one or more turns on Multi-AZ with automatic failover.
   * @default 0
   */
  readonly replicas?: number;
  /**
   * Port the cache listens on.
   * @default LONG_JOB_CACHE_PORT
   */
  readonly port?: number;
  /**
   * What happens to the AUTH token secret when the stack goes.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The long jobs' progress store (SPEC §6): an ElastiCache Valkey (Redis OSS compatible)
 * replication group in the isolated subnets, encrypted at rest and in transit, with an AUTH
 * token kept in Secrets Manager. Jobs' keys are short-lived (deleted on assembly, 24 h TTL),
 * so no backups are kept.
 */
export class LongJobCacheConstruct extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;
  readonly authToken: secretsmanager.Secret;
  readonly port: number;

  constructor(scope: Construct, id: string, props: LongJobCacheConstructProps) {
    super(scope, id);
    const replicas = props.replicas ?? 0;
    this.port = props.port ?? LONG_JOB_CACHE_PORT;

    // ElastiCache AUTH tokens: 16-128 printable characters without @, " or /.
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'AUTH token of the long-job progress store',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
    Validations.of(this.authToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating an ElastiCache AUTH token needs a ROTATE/SET modification of the replication group and a task restart; the token never leaves the VPC and the security group admits only chunk tasks.',
    });

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Isolated subnets of the long-job progress store',
      subnetIds: props.vpc.isolatedSubnets.map((subnet) => subnet.subnetId),
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Long-job progress and partial results',
      engine: 'valkey',
      engineVersion: '8.0',
      cacheNodeType: props.nodeType,
      numCacheClusters: 1 + replicas,
      automaticFailoverEnabled: replicas > 0,
      multiAzEnabled: replicas > 0,
      port: this.port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [props.securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      // The template holds a dynamic reference; CloudFormation resolves it at deploy time.
      authToken: this.authToken.secretValue.unsafeUnwrap(),
    });
    if (replicas === 0) {
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason:
          'This environment runs one node: a lost node fails the running long jobs (their chunks retry, then the job fails and can be resubmitted); prod sets cacheReplicas for Multi-AZ.',
      });
    }
  }

  /** The URL chunk tasks connect to: `rediss://` because transit encryption is on. */
  get url(): string {
    return `rediss://${this.replicationGroup.attrPrimaryEndPointAddress}:${this.replicationGroup.attrPrimaryEndPointPort}`;
  }
}
