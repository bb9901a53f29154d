import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizePlatform, type SynthesizedPlatform } from '../helpers/synth.ts';

/** Every action any policy of the stack grants on the job table (statements naming its ARN). */
function tableActions(platform: SynthesizedPlatform): string[] {
  const tableId = Object.keys(platform.template.findResources('AWS::DynamoDB::Table'))[0] ?? '';
  return Object.values(platform.template.findResources('AWS::IAM::Policy'))
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
    .filter((statement: any) => JSON.stringify(statement.Resource).includes(tableId))
    .flatMap((statement: any) => [statement.Action].flat());
}

describe('least privilege on the job table (prod)', () => {
  let platform: SynthesizedPlatform;

  beforeAll(() => {
    platform = synthesizePlatform('prod');
  });

  it('grants only the item actions the repository issues, a scan to the reconciler alone', () => {
    expect([...new Set(tableActions(platform))].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      // Reading the table's stream, for the counts function's event source.
      'dynamodb:DescribeStream',
      'dynamodb:GetItem',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:PutItem',
      'dynamodb:Query',
      // The reconciler's stale-job sweep, and no other function.
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ]);
  });

  it('lets no function but the reconciler scan the table', () => {
    const scanners = Object.entries(platform.template.findResources('AWS::IAM::Policy'))
      .filter(([, policy]: [string, any]) => JSON.stringify(policy.Properties.PolicyDocument).includes('dynamodb:Scan'))
      .map(([id]) => id);
    expect(scanners).toEqual([expect.stringMatching(/^ReconcilerFunctionServiceRole/)]);
  });
});
