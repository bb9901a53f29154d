import { App, ArnFormat, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { EnvironmentConfig } from './config/environments.ts';
import { controlTowerChecks } from './constructs/control-tower-rules.ts';
import { resourceNames } from './config/resource-names.ts';
import { bindLongJobStateMachine } from './constructs/job-function-environment.ts';
import { JobPlatformStack, jobPlatformStackName } from './job-platform-stack.ts';
import { LongJobStack } from './long-jobs-stack.ts';

/** What `addJobPlatform` created. */
export interface JobPlatform {
  readonly stack: JobPlatformStack;
  /** The long-job companion stack, where the environment has one. */
  readonly longJobs?: LongJobStack;
}

/** Which policy-validation plugins check the app at synth; `bin/app.ts` runs them all. */
export interface PlatformChecks {
  /**
   * AWS Control Tower's rules through cfn-guard (default true). They cost seconds of synth per
   * environment, so the tests of templates leave them to their own test (control-tower.test.ts).
   */
  readonly controlTower?: boolean;
}

/**
 * Adds one environment's stacks to an app, checked by cdk-nag's AwsSolutions rules and the
 * Control Tower rules. `bin/app.ts` and the infrastructure tests both build the platform
 * through this function.
 */
export function addJobPlatform(app: App, config: EnvironmentConfig, checks: PlatformChecks = {}): JobPlatform {
  // cdk-nag v3 is a policy-validation plugin: it checks every stack of the app and an
  // unacknowledged finding stops `cdk synth` in any environment.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  // AWS Control Tower's proactive controls (cfn-guard), the same way: each deliberate difference
  // is acknowledged next to its resource (`acknowledgeControlTowerRule`), anything new fails synth.
  if (checks.controlTower ?? true) Validations.of(app).addPlugins(controlTowerChecks());

  const env = {
    account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT,
    region: config.region ?? process.env.CDK_DEFAULT_REGION,
  };
  const stack = new JobPlatformStack(app, jobPlatformStackName(config.name), { environmentConfig: config, env });

  if (config.longJobs) {
    // The long-job companion stack (Step Functions + Fargate + ElastiCache + S3, SPEC §6).
    const names = resourceNames(config.name);
    const longJobs = new LongJobStack(app, names.longJobStack, {
      environmentConfig: config,
      settings: config.longJobs,
      table: stack.jobTable.table,
      env,
    });
    // The API finds the state machine by its fixed name rather than through a reference, which
    // would make the main stack depend on the companion that already depends on it (the table).
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: names.longJobStateMachine,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    bindLongJobStateMachine(stack.api.function, stateMachineArn);
    // A released waiting job of a long type starts its execution as a submitted one does.
    bindLongJobStateMachine(stack.events.function, stateMachineArn);
    return { stack, longJobs };
  }

  return { stack };
}

/** A new app with the platform of one environment; `appProps` lets tests pass context. */
export function createJobPlatformApp(
  config: EnvironmentConfig,
  appProps?: AppProps,
  checks?: PlatformChecks,
): JobPlatform & { readonly app: App } {
  const app = new App(appProps);
  return { app, ...addJobPlatform(app, config, checks) };
}
