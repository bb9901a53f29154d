import { App } from 'aws-cdk-lib';
import { loadEnvironment, type EnvironmentConfig } from '../lib/config/environments.ts';
import { addJobPlatform } from '../lib/job-platform-app.ts';

// `cdk synth|deploy -c env=<name>`: the environment is validated here, once, before any construct.
const app = new App();
let config: EnvironmentConfig;
try {
  config = loadEnvironment(app.node.tryGetContext('env') as string | undefined);
} catch (error) {
  // A configuration mistake is the user's to fix: the message is enough, a stack trace is noise.
  console.error((error as Error).message);
  process.exit(1);
}
addJobPlatform(app, config);
