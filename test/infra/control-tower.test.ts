import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../lib/config/environments.ts';
import { createJobPlatformApp } from '../../lib/job-platform-app.ts';
import { ENVIRONMENT_NAMES, SKIP_BUNDLING_CONTEXT } from '../helpers/synth.ts';

interface GuardViolation {
  readonly ruleName: string;
  readonly violatingConstructs: readonly { readonly constructPath: string }[];
}

const outdirs: string[] = [];

/**
 * Synthesizes one environment's app as `cdk synth` does, with both policy-validation plugins
 * (cdk-nag and the Control Tower cfn-guard rules); `addExtra` may add a resource first. Returns
 * the unacknowledged Control Tower findings as `rule at construct path`, empty when synth passed.
 */
function controlTowerFindings(environmentName: string, addExtra?: (stack: Stack) => void): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'jobs-guard-'));
  outdirs.push(outdir);
  const { app, stack } = createJobPlatformApp(loadEnvironment(environmentName), { outdir, context: { ...SKIP_BUNDLING_CONTEXT } });
  addExtra?.(stack);
  try {
    app.synth();
    return [];
  } catch (error) {
    expect((error as Error).message).toMatch(/cdk-validator-cfnguard|AwsSolutions/);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: GuardViolation[] }[];
    };
    return report.pluginReports
      .filter((plugin) => plugin.pluginName === 'cdk-validator-cfnguard')
      .flatMap((plugin) => plugin.violations)
      .flatMap((violation) => violation.violatingConstructs.map((resource) => `${violation.ruleName} at ${resource.constructPath}`));
  }
}

afterAll(() => {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
});

// prod is checked by the next test: every finding there must be the added bucket's. (Each run
// of the rules takes seconds; `cdk synth` runs them for every environment as well.)
describe.each(ENVIRONMENT_NAMES.filter((name) => name !== 'prod'))('AWS Control Tower proactive controls in %s', (environmentName) => {
  it('finds no unacknowledged finding, so cdk synth passes', () => {
    // Act
    const findings = controlTowerFindings(environmentName);

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('AWS Control Tower proactive controls on a new resource', () => {
  it('fail cdk synth on a new unacknowledged finding, and only on it: a bucket added to prod without versioning', () => {
    // Act
    const findings = controlTowerFindings('prod', (stack) => {
      new s3.Bucket(stack, 'Unacknowledged', { enforceSSL: true });
    });

    // Assess
    expect(findings).toContain('s3_bucket_versioning_enabled_check at jobs-prod/Unacknowledged/Resource');
    expect(findings.every((finding) => finding.endsWith('jobs-prod/Unacknowledged/Resource'))).toBe(true);
  });
});
