import {
  Aspects,
  RemovalPolicy,
  Validations,
  type IPolicyValidationContextBeta1,
  type IPolicyValidationPluginBeta1,
  type PolicyValidationPluginReportBeta1,
  type Stack,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IConstruct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.ts';

/** The namespace under which CDK matches acknowledgements to the cfn-guard plugin's findings (its plugin name). */
const CFN_GUARD_NAMESPACE = 'cdk-validator-cfnguard';

/**
 * The AWS Control Tower proactive controls (cfn-guard rules shipped with
 * `@cdklabs/cdk-validator-cfnguard`) that this platform deliberately differs from somewhere.
 * Each acknowledgement names the resource and the reason; any other finding fails `cdk synth`.
 */
export type ControlTowerRule =
  | 'cloudwatch_log_group_retention_period_check'
  | 'cloudwatch_log_group_encrypted_check'
  | 'dynamodb_table_pitr_enabled_check'
  | 'lambda_inside_vpc_check'
  | 'lambda_function_public_access_prohibited_check'
  | 'subnet_auto_assign_public_ip_disabled_check'
  | 's3_bucket_default_encryption_kms_check'
  | 's3_bucket_logging_enabled_check'
  | 'sqs_dlq_check'
  | 's3_event_notifications_enabled_check'
  | 's3_bucket_object_lock_enabled_check';

/**
 * The Control Tower proactive controls as a policy-validation plugin: an unacknowledged finding
 * stops synth. The cfn-guard plugin leaves each violation's severity unset, and CDK, once it has
 * removed the acknowledged ones, counts only errors as failures: without the severity, one
 * acknowledgement would let every other finding through.
 */
export function controlTowerChecks(): IPolicyValidationPluginBeta1 {
  const guard = new CfnGuardValidator({ controlTowerRulesEnabled: true });
  return {
    name: guard.name,
    ...(guard.version === undefined ? {} : { version: guard.version }),
    ...(guard.ruleIds === undefined ? {} : { ruleIds: guard.ruleIds }),
    validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
      const report = guard.validate(context);
      return { ...report, violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })) };
    },
  };
}

/** Acknowledges a Control Tower rule for `scope` and everything under it, with the reason (as for cdk-nag). */
export function acknowledgeControlTowerRule(scope: IConstruct, rule: ControlTowerRule, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${CFN_GUARD_NAMESPACE}::${rule}`, reason });
}

/**
 * Applies the environment's log settings to every log group of a stack, for the Control Tower
 * log controls: with `logs.customerManagedKey` one rotating KMS key per stack encrypts them all
 * (CT.CLOUDWATCH.PR.3), otherwise CloudWatch Logs' own encryption is acknowledged; a retention
 * under a year (CT.CLOUDWATCH.PR.2) is acknowledged where the environment chose it.
 */
export function applyLogGroupControls(stack: Stack, config: EnvironmentConfig): void {
  if (config.logRetentionDays < 365) {
    acknowledgeControlTowerRule(
      stack,
      'cloudwatch_log_group_retention_period_check',
      `Environment '${config.name}' keeps logs ${config.logRetentionDays} days on purpose: it holds no audit record, and prod keeps a year.`,
    );
  }
  if (!config.customerManagedLogKey) {
    acknowledgeControlTowerRule(
      stack,
      'cloudwatch_log_group_encrypted_check',
      `CloudWatch Logs encrypts environment '${config.name}' logs at rest with its own keys; the customer-managed key (and its monthly cost) is kept for prod.`,
    );
    return;
  }
  const key = new kms.Key(stack, 'LogsKey', {
    description: `Encrypts the log groups of ${stack.stackName}`,
    enableKeyRotation: true,
    removalPolicy: config.removalPolicy === 'retain' ? undefined : RemovalPolicy.DESTROY,
  });
  // CloudWatch Logs uses the key on behalf of the log groups of this account and region only
  // (CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS").
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
      },
    }),
  );
  // Grants only for AWS services acting on AWS resources (AWS Control Tower CT.KMS.PR.3).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }),
  );
  Aspects.of(stack).add({
    visit(node: IConstruct) {
      if (node instanceof logs.CfnLogGroup && node.kmsKeyId === undefined) node.kmsKeyId = key.keyArn;
    },
  });
}
