import type { Context } from 'aws-lambda';
import { vi } from 'vitest';

export const apiContext = { functionName: 'jobs-test-api', awsRequestId: 'request-1' } as Context;

/** The API handler's `main`, imported with the environment a deployed function has (undo with `vi.unstubAllEnvs()`). */
export async function loadApiHandler(): Promise<(typeof import('../../functions/api/handler.ts'))['main']> {
  for (const [name, value] of Object.entries({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TABLE_NAME: 'jobs-test-jobs',
    QUEUE_URL: 'https://sqs.test/jobs',
    HIGH_PRIORITY_QUEUE_URL: 'https://sqs.test/jobs-high',
    LOW_PRIORITY_QUEUE_URL: 'https://sqs.test/jobs-low',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.test/jobs-dlq',
    RETRY_MAX_ATTEMPTS: '3',
    RETRY_BASE_SECONDS: '2',
    RETRY_CAP_SECONDS: '60',
    JOB_RETENTION_DAYS: '15',
    SCHEDULE_GROUP_NAME: 'jobs-test',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/jobs-test-scheduler',
    QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:jobs-test-queue',
    HIGH_PRIORITY_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:jobs-test-queue-high',
    LOW_PRIORITY_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:jobs-test-queue-low',
    SCHEDULE_DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:jobs-test-schedule-dlq',
    SCHEDULE_FIRING_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:jobs-test-schedule-firing',
    // The failures these tests provoke are logged at ERROR; the assertions are on the answers.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  })) {
    vi.stubEnv(name, value);
  }
  return (await import('../../functions/api/handler.ts')).main;
}
