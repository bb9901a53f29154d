import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { acknowledgeControlTowerRule } from './control-tower-rules.ts';

export interface LongJobOutputBucketConstructProps {
  /** Days an output is kept before the lifecycle rule deletes it. */
  readonly retentionDays: number;
  /**
   * Days the server access logs of the output bucket are kept.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
  /**
   * What happens to the buckets when the stack goes (a bucket that still holds objects is kept by CloudFormation).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Settings both buckets share: encrypted, TLS only, never public, owner-enforced, versioned. */
const PRIVATE_BUCKET: s3.BucketProps = {
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  versioned: true,
};

/**
 * The long jobs' outputs (`reports/<jobId>.csv`): encrypted (SSE-S3), TLS only, never public,
 * versioned (a re-assembled output keeps the earlier one for a day), with server access logs in
 * a second bucket, each object expiring after `retentionDays`, and unfinished multipart uploads
 * after a day.
 */
export class LongJobOutputBucketConstruct extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LongJobOutputBucketConstructProps) {
    super(scope, id);
    // Log delivery through a bucket policy: the ACL CDK grants otherwise needs object ACLs,
    // which BUCKET_OWNER_ENFORCED turns off (S3 user guide, "Permissions for log delivery").
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const accessLogRetentionDays = props.accessLogRetentionDays ?? 90;

    // Server access log delivery supports SSE-S3 on its target bucket, not SSE-KMS (S3 user guide,
    // "Enabling Amazon S3 server access logging").
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...PRIVATE_BUCKET,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(accessLogRetentionDays), noncurrentVersionExpiration: Duration.days(1) },
      ],
      removalPolicy,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...PRIVATE_BUCKET,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'outputs/',
      lifecycleRules: [
        {
          id: 'expire-outputs',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });
    this.acknowledgeDeliberateDifferences();
  }

  private acknowledgeDeliberateDifferences(): void {
    for (const bucket of [this.bucket, this.accessLogsBucket]) {
      acknowledgeControlTowerRule(
        bucket,
        's3_event_notifications_enabled_check',
        'Nothing consumes object events: the job record carries each output’s location, and access is logged in the access-logs bucket.',
      );
      acknowledgeControlTowerRule(
        bucket,
        's3_bucket_object_lock_enabled_check',
        'Objects expire by lifecycle after their retention, and a re-assembled output overwrites its key; Object Lock would keep both from working.',
      );
    }
    acknowledgeControlTowerRule(
      this.bucket,
      's3_bucket_default_encryption_kms_check',
      'Outputs are derived, regenerable reports encrypted with SSE-S3; SSE-KMS would add a KMS request to every chunk write and every read.',
    );
    acknowledgeControlTowerRule(
      this.accessLogsBucket,
      's3_bucket_default_encryption_kms_check',
      'S3 server access log delivery supports only SSE-S3 on its target bucket.',
    );
    acknowledgeControlTowerRule(
      this.accessLogsBucket,
      's3_bucket_logging_enabled_check',
      'This bucket holds the output bucket’s access logs; logging it too would only log the log delivery.',
    );
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket holds the output bucket’s access logs; logging it too would only log the log delivery.',
    });
  }
}
