import type { TestProject } from 'vitest/node';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../../local/platform.ts';
import { COUNTED_COMPLETIONS_ENV } from './debug-logs.ts';
import { recordingFunctionEnv, startRecordingAwsCalls, uncoveredAwsCalls } from './iam-coverage.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    platform: {
      apiUrl: string;
      endpoints: { dynamodb: string; sqs: string };
      tableName: string;
      queueUrl: string;
      deadLetterQueueUrl: string;
      outboxDir: string;
    };
  }
}

let platform: LocalPlatform | undefined;
let awsCalls: string | undefined;

/** Starts one local platform for the integration suite; files that need other settings start their own. */
export async function setup(project: TestProject): Promise<void> {
  // Every AWS call of every function process is recorded, to be held against its IAM policy at the end.
  awsCalls = startRecordingAwsCalls();
  platform = await startLocalPlatform({
    environment: localEnvironment({ name: 'itest' }),
    functionEnv: { ...COUNTED_COMPLETIONS_ENV, ...recordingFunctionEnv() },
    onError: (error) => console.error('event source error', error),
  });
  const { apiUrl, endpoints, tableName, queueUrl, deadLetterQueueUrl, outboxDir } = platform;
  project.provide('platform', { apiUrl, endpoints, tableName, queueUrl, deadLetterQueueUrl, outboxDir });
}

/**
 * Stops the platform, then fails the run if any function made an AWS call that its synthesized
 * IAM policy would refuse: DynamoDB Local and fauxqs accept any call, AWS would answer AccessDenied.
 */
export async function teardown(): Promise<void> {
  await platform?.stop();
  if (awsCalls === undefined) return;
  const uncovered = uncoveredAwsCalls(awsCalls);
  if (uncovered.length > 0) {
    throw new Error(`AWS calls the functions' IAM policies do not allow (AccessDenied in AWS):\n  ${uncovered.join('\n  ')}`);
  }
}
