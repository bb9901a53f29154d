import { readFile } from 'node:fs/promises';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { JobQueueUrls } from '../../functions/jobs/adapters/job-queue.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';
import { localDescriptorPath, type LocalPlatformDescriptor } from '../platform.ts';
import { localClientConfig } from '../services/local-aws.ts';
import { CliError, EXIT } from './cli-error.ts';

/** Where the CLI sends its requests: the local platform or a deployed stack. */
export interface Target {
  readonly description: string;
  readonly apiUrl: string;
  readonly region: string;
  readonly tableName: string;
  /** Each priority level's queue. */
  readonly queueUrls: JobQueueUrls;
  readonly deadLetterQueueUrl: string;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  /** Requests to a deployed API are signed with SigV4 (the API uses IAM authorization). */
  readonly signRequests: boolean;
  /** Local only: the caller identity the local gateway reads from `x-caller-id`. */
  readonly caller?: string;
  /** Local only: the local SQS server, which also answers what CloudWatch reports in AWS (`sqs-oldest-message-age.ts`). */
  readonly localSqsEndpoint?: string;
}

export interface TargetOptions {
  /** A deployed environment (`dev`, `prod`, …); absent means the local platform. */
  readonly env?: string;
  readonly caller?: string;
  /** The descriptor a running local platform wrote; defaults to the one `npm start` writes. */
  readonly platformFile?: string;
}

async function localTarget(options: TargetOptions): Promise<Target> {
  const path = options.platformFile ?? localDescriptorPath();
  let descriptor: LocalPlatformDescriptor;
  try {
    descriptor = JSON.parse(await readFile(path, 'utf8')) as LocalPlatformDescriptor;
  } catch {
    throw new CliError(
      `No local platform found (${path}): start it with 'npm start', or pass --env <name> for a deployed stack`,
      EXIT.unavailable,
    );
  }
  return targetOfLocalPlatform(descriptor, options.caller);
}

/** The target of a running local platform, from what it wrote (or hands over) about itself. */
export function targetOfLocalPlatform(descriptor: LocalPlatformDescriptor, caller?: string): Target {
  return {
    description: `local platform at ${descriptor.apiUrl}`,
    apiUrl: descriptor.apiUrl,
    region: 'us-east-1',
    tableName: descriptor.tableName,
    queueUrls: descriptor.queueUrls,
    deadLetterQueueUrl: descriptor.deadLetterQueueUrl,
    dynamodb: new DynamoDBClient(localClientConfig(descriptor.endpoints.dynamodb)),
    sqs: new SQSClient(localClientConfig(descriptor.endpoints.sqs)),
    signRequests: false,
    localSqsEndpoint: descriptor.endpoints.sqs,
    ...(caller === undefined ? {} : { caller }),
  };
}

/** Finds a deployed environment through its stack's outputs (`jobs-<env>`), with the caller's AWS credentials. */
async function deployedTarget(env: string): Promise<Target> {
  const stackName = resourceNames(env).stack;
  const cloudFormation = new CloudFormationClient({});
  let outputs: Record<string, string>;
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
  } catch (error) {
    throw new CliError(`Cannot read stack ${stackName}: ${(error as Error).message}`, EXIT.unavailable);
  } finally {
    cloudFormation.destroy();
  }
  const need = (key: string): string => {
    const value = outputs[key];
    if (value === undefined || value === '')
      throw new CliError(`Stack ${stackName} has no output ${key}; deploy it with 'npx cdk deploy -c env=${env}'`, EXIT.unavailable);
    return value;
  };
  const region = need('Region');
  return {
    description: `stack ${stackName} (${region})`,
    apiUrl: need('ApiUrl').replace(/\/$/, ''),
    region,
    tableName: need('TableName'),
    queueUrls: { normal: need('QueueUrl'), high: need('HighPriorityQueueUrl'), low: need('LowPriorityQueueUrl') },
    deadLetterQueueUrl: need('DeadLetterQueueUrl'),
    dynamodb: new DynamoDBClient({ region }),
    sqs: new SQSClient({ region }),
    signRequests: true,
  };
}

export function resolveTarget(options: TargetOptions): Promise<Target> {
  return options.env === undefined || options.env === 'local' ? localTarget(options) : deployedTarget(options.env);
}
