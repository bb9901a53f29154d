import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface LongJobOutputBucketConstructProps {
  /** Days an output is kept before the lifecycle rule deletes it. */
  readonly retentionDays: number;
  /**
   * What happens to the bucket when the stack goes (a bucket that still holds objects is kept by CloudFormation).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The long jobs' outputs (`reports/<jobId>.csv`): encrypted (SSE-S3), TLS only, never public,
 * each object expiring after `retentionDays`, and unfinished multipart uploads after a day.
 */
export class LongJobOutputBucketConstruct extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LongJobOutputBucketConstructProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-outputs', expiration: Duration.days(props.retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the chunk tasks write here and only the owning account reads; CloudTrail data events can audit it without a second bucket of access logs that itself needs a lifecycle.',
    });
  }
}
