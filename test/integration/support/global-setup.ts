import type { TestProject } from 'vitest/node';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../../local/platform.ts';
import { COUNTED_COMPLETIONS_ENV } from './debug-logs.ts';

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

/** Starts one local platform for the integration suite; files that need other settings start their own. */
export async function setup(project: TestProject): Promise<void> {
  platform = await startLocalPlatform({
    environment: localEnvironment({ name: 'itest' }),
    functionEnv: COUNTED_COMPLETIONS_ENV,
    onError: (error) => console.error('event source error', error),
  });
  const { apiUrl, endpoints, tableName, queueUrl, deadLetterQueueUrl, outboxDir } = platform;
  project.provide('platform', { apiUrl, endpoints, tableName, queueUrl, deadLetterQueueUrl, outboxDir });
}

export async function teardown(): Promise<void> {
  await platform?.stop();
}
