import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { JOB_TABLE_SCHEMA } from '../../functions/jobs/adapters/job-table-schema.ts';

export interface JobTableConstructProps {
  /** Physical table name; carries the environment (`jobs-dev-jobs`). */
  readonly tableName: string;
  /**
   * `retain` keeps the table when the stack is deleted and turns on point-in-time recovery;
   * `destroy` is for throw-away environments.
   */
  readonly removalPolicy: 'destroy' | 'retain';
  /**
   * Customer-managed key to encrypt the table with.
   * @default - the AWS-managed key `aws/dynamodb`
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The job state table, laid out by `JOB_TABLE_SCHEMA` (the same definition the local runtime
 * creates its table from): on-demand, partition and sort key, TTL on `expiresAt`, the sparse
 * `byCallerStatus` index with keys only, a stream of new and old images for the per-caller
 * counts, encrypted at rest.
 */
export class JobTableConstruct extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: JobTableConstructProps) {
    super(scope, id);
    const retain = props.removalPolicy === 'retain';

    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: JOB_TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: JOB_TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType[JOB_TABLE_SCHEMA.streamView],
      // On-demand: job traffic is bursty, and a new table absorbs 4,000 WCU at once (DynamoDB docs).
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: JOB_TABLE_SCHEMA.timeToLiveAttribute,
      ...(props.encryptionKey
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: dynamodb.TableEncryption.AWS_MANAGED }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: retain },
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    for (const index of Object.values(JOB_TABLE_SCHEMA.indexes)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        // Keys only: an entry costs one write unit, not a copy of the job; the API batch-gets
        // the items after querying the index.
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      });
    }

    if (!retain) {
      Validations.of(this.table).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason:
          'Throw-away environment (removalPolicy destroy): its jobs are test data; retained environments turn point-in-time recovery on.',
      });
    }
  }
}
