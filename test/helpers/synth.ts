import { Template } from 'aws-cdk-lib/assertions';
import { loadEnvironment, type EnvironmentConfig } from '../../lib/config/environments.ts';
import { createJobPlatformApp } from '../../lib/job-platform-app.ts';
import type { JobPlatformStack } from '../../lib/job-platform-stack.ts';
import type { LongJobStack } from '../../lib/long-jobs-stack.ts';

/** One environment's platform, built the way `bin/app.ts` builds it (cdk-nag included, the Control Tower rules left out). */
export interface SynthesizedPlatform {
  readonly config: EnvironmentConfig;
  readonly stack: JobPlatformStack;
  readonly template: Template;
  /** The long-job companion stack, where the environment has one. */
  readonly longJobs?: { readonly stack: LongJobStack; readonly template: Template };
}

/**
 * Skips esbuild: these tests read templates, not bundles (the bundle has its own test in
 * `job-function.test.ts`, and `cdk synth` bundles for real). CDK leaves a stack's assets
 * unbuilt when the stack is not in `aws:cdk:bundling-stacks`.
 */
export const SKIP_BUNDLING_CONTEXT = { 'aws:cdk:bundling-stacks': [] } as const;

const cache = new Map<string, SynthesizedPlatform>();

/** Synthesizes an environment once per test file and hands back the same result afterwards. */
export function synthesizePlatform(environmentName: string): SynthesizedPlatform {
  const cached = cache.get(environmentName);
  if (cached) return cached;
  const synthesized = synthesizeConfig(loadEnvironment(environmentName));
  cache.set(environmentName, synthesized);
  return synthesized;
}

/** Synthesizes one configuration, for tests of settings no kept environment has. */
export function synthesizeConfig(config: EnvironmentConfig): SynthesizedPlatform {
  // The Control Tower rules (seconds per synth) have their own test, control-tower.test.ts.
  const { stack, longJobs } = createJobPlatformApp(config, { context: { ...SKIP_BUNDLING_CONTEXT } }, { controlTower: false });
  return {
    config,
    stack,
    template: Template.fromStack(stack),
    ...(longJobs === undefined ? {} : { longJobs: { stack: longJobs, template: Template.fromStack(longJobs) } }),
  };
}

/** Every environment kept in the repository. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
