import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../lib/config/environments.ts';
import { ENVIRONMENT_NAMES, synthesizeConfig, synthesizePlatform } from '../helpers/synth.ts';

/** Every acknowledgement recorded under a construct: rule id and reason. */
function acknowledgements(root: IConstruct): { id: string; reason: string }[] {
  return root.node
    .findAll()
    .flatMap((construct) => construct.node.metadata)
    .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ id, reason })));
}

describe.each(ENVIRONMENT_NAMES)('cdk-nag AwsSolutions checks in %s', (environmentName) => {
  beforeAll(() => synthesizePlatform(environmentName));

  it('finds no unacknowledged error or warning', () => {
    const { stack } = synthesizePlatform(environmentName);
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map(
      (violation) => `${violation.ruleName} at ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('gives every acknowledged finding a specific reason', () => {
    const { stack } = synthesizePlatform(environmentName);
    const acknowledged = acknowledgements(stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledged) {
      expect(id).toMatch(/AwsSolutions-|cdk-validator-cfnguard::/);
      expect(reason.length, `reason of ${id}`).toBeGreaterThan(40);
    }
  });
});

describe('cdk-nag with the account and region known at synth', () => {
  it('still finds nothing unacknowledged, as findings then name the real region and account', () => {
    // Prepare
    const config = { ...loadEnvironment('staging'), region: 'eu-west-1', account: '123456789012' };

    // Act
    const { stack, longJobs } = synthesizeConfig(config);

    // Assess
    for (const scope of [stack, longJobs?.stack]) {
      expect(scope).toBeDefined();
      const report = new AwsSolutionsChecks().validateScope(scope as IConstruct);
      expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    }
  });
});
