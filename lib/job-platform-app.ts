import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { EnvironmentConfig } from './config/environments.ts';
import { JobPlatformStack, jobPlatformStackName } from './job-platform-stack.ts';

/** What `addJobPlatform` created. */
export interface JobPlatform {
  readonly stack: JobPlatformStack;
}

/**
 * Adds one environment's stacks to an app, checked by cdk-nag's AwsSolutions rules.
 * `bin/app.ts` and the infrastructure tests both build the platform through this function.
 */
export function addJobPlatform(app: App, config: EnvironmentConfig): JobPlatform {
  // cdk-nag v3 is a policy-validation plugin: it checks every stack of the app and an
  // unacknowledged finding stops `cdk synth` in any environment.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

  const stack = new JobPlatformStack(app, jobPlatformStackName(config.name), {
    environmentConfig: config,
    env: {
      account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: config.region ?? process.env.CDK_DEFAULT_REGION,
    },
  });

  if (config.longJobs) {
    // The long-job companion stack (Step Functions + Fargate + ElastiCache + S3, SPEC §6)
    // is added here: `new LongJobStack(app, `${jobPlatformStackName(config.name)}-long-jobs`, { ... stack.jobTable.table })`.
  }

  return { stack };
}

/** A new app with the platform of one environment; `appProps` lets tests pass context. */
export function createJobPlatformApp(config: EnvironmentConfig, appProps?: AppProps): JobPlatform & { readonly app: App } {
  const app = new App(appProps);
  return { app, ...addJobPlatform(app, config) };
}
