import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../lib/config/environments.ts';
import { deniedCalls, roleOfFunction, type CfnTemplate, type RecordedCall } from '../helpers/iam-policy-check.ts';
import { synthesizeConfig } from '../helpers/synth.ts';

const context = { partition: 'aws', region: 'us-east-1', account: '000000000000' };
const TABLE = 'jobs-iamcheck-jobs';
const QUEUE_URL = 'http://127.0.0.1:4566/000000000000/jobs-iamcheck-queue';

/** A recorded call of the JSON protocol, as `aws-call-recorder.ts` writes it. */
function call(caller: string, target: string, body: Record<string, unknown>): RecordedCall {
  const service = target.startsWith('DynamoDB') ? 'dynamodb' : target.startsWith('AmazonSQS') ? 'sqs' : 'states';
  return { caller, service, target, method: 'POST', path: '/', body: JSON.stringify(body) };
}

/** The calls the API function makes for a submit, a listing and the health check. */
const apiCalls = [
  call('jobs-iamcheck-api', 'AmazonSQS.SendMessage', { QueueUrl: QUEUE_URL, MessageBody: '{}' }),
  call('jobs-iamcheck-api', 'DynamoDB_20120810.PutItem', { TableName: TABLE, Item: {} }),
  call('jobs-iamcheck-api', 'DynamoDB_20120810.Query', { TableName: TABLE, IndexName: 'byOwner' }),
  call('jobs-iamcheck-api', 'DynamoDB_20120810.BatchGetItem', { RequestItems: { [TABLE]: { Keys: [] } } }),
];

/** A deep copy of the template, for tests that take a grant away or add a key. */
const copyOf = (template: CfnTemplate): CfnTemplate => structuredClone(template);

describe('the IAM check of recorded AWS calls', () => {
  let template: CfnTemplate;
  let apiRole: string;

  beforeAll(() => {
    template = synthesizeConfig({ ...loadEnvironment('dev'), name: 'iamcheck' }).template.toJSON() as CfnTemplate;
    apiRole = roleOfFunction(template, 'jobs-iamcheck-api') ?? '';
  });

  it('allows every call the API function makes under its synthesized policy', () => {
    // Act
    const denied = deniedCalls(apiCalls, template, apiRole, context);

    // Assess
    expect(apiRole).not.toBe('');
    expect(denied).toEqual([]);
  });

  it('fails when one grant is removed: the API policy without dynamodb:PutItem refuses the submit write', () => {
    // Prepare
    const withoutPut = copyOf(template);
    for (const resource of Object.values(withoutPut.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      for (const statement of resource.Properties?.PolicyDocument.Statement ?? []) {
        if (Array.isArray(statement.Action)) statement.Action = statement.Action.filter((action: string) => action !== 'dynamodb:PutItem');
      }
    }

    // Act
    const denied = deniedCalls(apiCalls, withoutPut, apiRole, context);

    // Assess
    expect(denied).toEqual([`dynamodb:PutItem on arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}`]);
  });

  it('checks each call by action and resource: the worker may update jobs, but not batch-write or query them', () => {
    // Prepare
    const calls = [
      call('jobs-iamcheck-worker', 'DynamoDB_20120810.UpdateItem', { TableName: TABLE, Key: {} }),
      call('jobs-iamcheck-worker', 'DynamoDB_20120810.BatchWriteItem', { RequestItems: { [TABLE]: [] } }),
      call('jobs-iamcheck-worker', 'DynamoDB_20120810.Query', { TableName: TABLE }),
    ];

    // Act
    const denied = deniedCalls(calls, template, roleOfFunction(template, 'jobs-iamcheck-worker') ?? '', context);

    // Assess
    expect(denied).toEqual(
      ['dynamodb:BatchWriteItem', 'dynamodb:Query'].map((action) => `${action} on arn:aws:dynamodb:us-east-1:000000000000:table/${TABLE}`),
    );
  });

  it('requires the KMS actions on a customer-managed key that encrypts the table', () => {
    // Prepare
    const encrypted = copyOf(template);
    encrypted.Resources.TableKey = { Type: 'AWS::KMS::Key', Properties: {} };
    const table = Object.values(encrypted.Resources).find((resource) => resource.Type === 'AWS::DynamoDB::Table');
    if (table?.Properties === undefined) throw new Error('no table');
    table.Properties.SSESpecification = { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': ['TableKey', 'Arn'] } };

    // Act
    const denied = deniedCalls(apiCalls.slice(2), encrypted, apiRole, context);

    // Assess
    expect(denied).toEqual(['kms:Decrypt on arn:aws:kms:us-east-1:000000000000:key/TableKey']);
  });
});
