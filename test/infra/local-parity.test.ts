import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment, type EnvironmentConfig } from '../../lib/config/environments.ts';
import type { PlatformFunctionId } from '../../lib/config/function-declarations.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { localFunctionSpecs, type LocalFunctionSpec } from '../../local/function-environment.ts';
import { localEnvironment } from '../../local/platform.ts';
import { synthesizeConfig } from '../helpers/synth.ts';

interface TemplateFunction {
  readonly FunctionName: string;
  readonly Timeout: number;
  readonly MemorySize: number;
  readonly Architectures: string[];
  readonly Environment: { readonly Variables: Record<string, unknown> };
}

const FUNCTION_IDS: readonly PlatformFunctionId[] = [
  'api',
  'worker',
  'reconciler',
  'counts',
  'events',
  'longJobSteps',
  'longJobExecutionEnded',
  'scheduleFiring',
  'webhooks',
  'webhookSecretRotation',
];

describe('the local runtime against the synthesized templates of the same environment', () => {
  let config: EnvironmentConfig;
  let deployed: Map<string, TemplateFunction>;
  let local: Readonly<Record<PlatformFunctionId, LocalFunctionSpec>>;

  beforeAll(() => {
    // The local environment with everything a variable depends on turned on: long jobs, a sender,
    // and tracing (which cdk-nag wants wherever there is a state machine).
    config = localEnvironment({ longJobs: loadEnvironment('staging').longJobs, emailFrom: 'jobs@example.com', tracing: true });
    const { template, longJobs } = synthesizeConfig(config);
    const functions = [template, longJobs?.template].flatMap((stackTemplate) =>
      Object.values(stackTemplate?.findResources('AWS::Lambda::Function') ?? {}).map(
        (resource: any) => resource.Properties as TemplateFunction,
      ),
    );
    const prefix = `${resourceNames(config.name).stack}-`;
    deployed = new Map(
      functions
        .filter((fn) => typeof fn.FunctionName === 'string' && fn.FunctionName.startsWith(prefix))
        .map((fn) => [fn.FunctionName, fn]),
    );
    local = localFunctionSpecs(
      config,
      {
        endpoints: { dynamodb: 'http://127.0.0.1:8000', sqs: 'http://127.0.0.1:4566' },
        tableName: 'table',
        queueUrls: { high: 'queue-high', normal: 'queue', low: 'queue-low' },
        deadLetterQueueUrl: 'dlq',
        scheduler: {
          endpoint: 'http://127.0.0.1:4567',
          queueArns: {
            high: 'arn:aws:sqs:us-east-1:000000000000:queue-high',
            normal: 'arn:aws:sqs:us-east-1:000000000000:queue',
            low: 'arn:aws:sqs:us-east-1:000000000000:queue-low',
          },
          deadLetterQueueUrl: 'schedule-dlq',
          deadLetterQueueArn: 'arn:aws:sqs:us-east-1:000000000000:schedule-dlq',
          roleArn: 'arn:aws:iam::000000000000:role/scheduler',
          firingFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:firing',
        },
        webhooks: {
          queueUrl: 'webhooks',
          deadLetterQueueUrl: 'webhooks-dlq',
          secretId: 'webhook-signing',
          secretsManagerEndpoint: 'http://127.0.0.1:4568',
        },
      },
      { STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:local' },
    );
  });

  it('runs exactly the functions the stacks deploy', () => {
    expect(FUNCTION_IDS.map((id) => local[id].name).sort()).toEqual([...deployed.keys()].sort());
  });

  it.each(FUNCTION_IDS)('runs the %s function with the timeout, memory, architecture and variable names AWS gets', (id) => {
    // Prepare
    const spec = local[id];
    const fn = deployed.get(spec.name);

    // Assess
    expect(fn, `${spec.name} in the templates`).toBeDefined();
    expect({
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
      architecture: spec.architecture,
      variables: Object.keys(spec.variables).sort(),
    }).toEqual({
      timeoutSeconds: fn?.Timeout,
      memoryMb: fn?.MemorySize,
      architecture: fn?.Architectures[0],
      variables: Object.keys(fn?.Environment.Variables ?? {}).sort(),
    });
  });
});
