import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeControlTowerRule } from './control-tower-rules.ts';

export interface LongJobNetworkConstructProps {
  /**
   * NAT gateways. With none (no hourly NAT charge) the chunk tasks run in public subnets with
   * a public IP and no inbound rule; with some, in private subnets behind them.
   * @default 0
   */
  readonly natGateways?: number;
  /**
   * Availability zones; ElastiCache Multi-AZ needs two.
   * @default 2
   */
  readonly maxAzs?: number;
  /** Port the cache listens on; the only port tasks may open towards it. */
  readonly cachePort: number;
  /** Retention of the VPC flow logs. */
  readonly flowLogRetention: logs.RetentionDays;
  /**
   * What happens to the flow log group when the stack goes.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The long-job VPC: public subnets (tasks, when there is no NAT), isolated subnets (Redis),
 * free gateway endpoints for S3 and DynamoDB (their traffic never needs a NAT or the internet),
 * flow logs, and the two security groups: tasks may reach Redis and HTTPS; Redis accepts only tasks.
 */
export class LongJobNetworkConstruct extends Construct {
  readonly vpc: ec2.Vpc;
  readonly taskSecurityGroup: ec2.SecurityGroup;
  readonly cacheSecurityGroup: ec2.SecurityGroup;
  /** Where chunk tasks run. */
  readonly taskSubnets: ec2.SelectedSubnets;
  /** Whether chunk tasks need a public IP (no NAT gateway to reach ECR, CloudWatch Logs and Secrets Manager). */
  readonly assignPublicIp: boolean;

  constructor(scope: Construct, id: string, props: LongJobNetworkConstructProps) {
    super(scope, id);
    const natGateways = props.natGateways ?? 0;
    const maxAzs = props.maxAzs ?? 2;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs,
      natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        ...(natGateways > 0 ? [{ name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 }] : []),
        { name: 'cache', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogGroup', {
          retention: props.flowLogRetention,
          removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
        }),
      ),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    for (const subnet of this.vpc.publicSubnets) {
      acknowledgeControlTowerRule(
        subnet,
        'subnet_auto_assign_public_ip_disabled_check',
        natGateways === 0
          ? 'Without a NAT gateway (over $32 a month each) chunk tasks reach ECR, CloudWatch Logs and Secrets Manager through a public IP in these subnets; their security group allows no inbound traffic.'
          : 'The public subnets hold only the NAT gateways, which need public addresses; chunk tasks run in the private subnets without one.',
      );
    }
    this.assignPublicIp = natGateways === 0;
    this.taskSubnets = this.vpc.selectSubnets({
      subnetType: natGateways === 0 ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS,
    });

    this.taskSecurityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Long-job chunk tasks: no inbound; outbound HTTPS (AWS APIs, ECR) and the cache port only',
      allowAllOutbound: false,
    });
    this.cacheSecurityGroup = new ec2.SecurityGroup(this, 'CacheSecurityGroup', {
      vpc: this.vpc,
      description: 'Long-job progress store: inbound from chunk tasks on the cache port only',
      allowAllOutbound: false,
    });
    this.taskSecurityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs and ECR over HTTPS');
    this.taskSecurityGroup.addEgressRule(this.cacheSecurityGroup, ec2.Port.tcp(props.cachePort), 'Redis (TLS)');
    this.cacheSecurityGroup.addIngressRule(this.taskSecurityGroup, ec2.Port.tcp(props.cachePort), 'Chunk tasks');
  }
}
