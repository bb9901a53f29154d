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
      schedulerEndpoint: string;
      scheduleDeadLetterQueueUrl: string;
    };
  }
}

/** How much faster the shared platform's local EventBridge Scheduler runs each schedule's clock. */
export const SCHEDULER_CLOCK_SCALE = 120;

let platform: LocalPlatform | undefined;
let awsCalls: string | undefined;

/** Starts one local platform for the integration suite; files that need other settings start their own. */
export async function setup(project: TestProject): Promise<void> {
  // Every AWS call of every function process is recorded, to be held against its IAM policy at the end.
  awsCalls = startRecordingAwsCalls();
  platform = await startLocalPlatform({
    // Webhook tries 1-2 s apart instead of 30 s to an hour, and a rotated secret in use within a
    // second, so a flaky receiver's story and a rotation fit in a test.
    environment: localEnvironment({
      name: 'itest',
      webhooks: { ...localEnvironment().webhooks, retry: { baseSeconds: 1, capSeconds: 2 }, secretCacheSeconds: 1 },
    }),
    functionEnv: { ...COUNTED_COMPLETIONS_ENV, ...recordingFunctionEnv() },
    // Schedules run 120 times faster: a job due in 16 minutes fires after 8 s, rate(1 minute) every 0.5 s.
    schedulerClockScale: SCHEDULER_CLOCK_SCALE,
    onError: (error) => console.error('event source error', error),
  });
  const { apiUrl, endpoints, tableName, queueUrl, deadLetterQueueUrl, outboxDir, schedulerEndpoint, scheduleDeadLetterQueueUrl } = platform;
  project.provide('platform', {
    apiUrl,
    endpoints,
    tableName,
    queueUrl,
    deadLetterQueueUrl,
    outboxDir,
    schedulerEndpoint,
    scheduleDeadLetterQueueUrl,
  });
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
