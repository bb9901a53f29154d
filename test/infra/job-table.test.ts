import { beforeAll, describe, expect, it } from 'vitest';
import { JOB_TABLE_SCHEMA } from '../../functions/jobs/adapters/job-table-schema.ts';
import { ENVIRONMENT_NAMES, synthesizePlatform } from '../helpers/synth.ts';

function tableResource(environmentName: string): { Properties: Record<string, any>; DeletionPolicy?: string } {
  const { template } = synthesizePlatform(environmentName);
  const [table] = Object.values(template.findResources('AWS::DynamoDB::Table')) as any[];
  if (!table) throw new Error('no table');
  return table;
}

describe.each(ENVIRONMENT_NAMES)('job table in %s', (environmentName) => {
  beforeAll(() => synthesizePlatform(environmentName));

  it('is an on-demand table named after the environment, keyed as JOB_TABLE_SCHEMA says', () => {
    const { Properties } = tableResource(environmentName);
    expect(Properties.TableName).toBe(`jobs-${environmentName}-jobs`);
    expect(Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Properties.KeySchema).toEqual([
      { AttributeName: JOB_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: JOB_TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ]);
  });

  it('streams new and old images, which keep the per-caller counts', () => {
    expect(tableResource(environmentName).Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('expires items through TTL on expiresAt', () => {
    expect(tableResource(environmentName).Properties.TimeToLiveSpecification).toEqual({
      AttributeName: JOB_TABLE_SCHEMA.timeToLiveAttribute,
      Enabled: true,
    });
  });

  it('has only the sparse byCallerStatus index, projecting keys only', () => {
    const indexes = tableResource(environmentName).Properties.GlobalSecondaryIndexes;
    expect(indexes).toEqual(
      Object.values(JOB_TABLE_SCHEMA.indexes).map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      })),
    );
  });

  it('is encrypted at rest with a KMS key', () => {
    expect(tableResource(environmentName).Properties.SSESpecification).toEqual({ SSEEnabled: true });
  });
});

describe('job table lifetime per environment', () => {
  it('retains the prod table, with point-in-time recovery and deletion protection', () => {
    const table = tableResource('prod');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
  });

  it.each(['dev', 'staging'])('destroys the %s table with its stack, without point-in-time recovery', (environmentName) => {
    const table = tableResource(environmentName);
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
  });
});
