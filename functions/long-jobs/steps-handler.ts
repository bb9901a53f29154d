import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { JobRepository } from '../jobs/job-repository.ts';
import type { LongJobStep } from '../jobs/long-job-state-machine.ts';
import { confirmCompleted, markFailed, markRunning, planChunks, type LongJobStepDependencies } from '../jobs/long-job-steps.ts';
import { logger } from '#powertools';
import { longJobStepsConfig } from './long-job-config.ts';

const config = longJobStepsConfig();
const dependencies: LongJobStepDependencies = {
  repository: new JobRepository(new DynamoDBClient({}), config.tableName),
  retentionDays: config.jobRetentionDays,
};

/** The payload the state machine's Lambda tasks send (`Parameters.Payload`). */
export type LongJobStepEvent =
  | { readonly step: 'markRunning'; readonly jobId: string; readonly executionStartTime: string }
  | { readonly step: 'planChunks' | 'confirmCompleted'; readonly jobId: string }
  | { readonly step: 'markFailed'; readonly jobId: string; readonly error?: { readonly Error?: string; readonly Cause?: string } };

const steps: Record<LongJobStep, (event: LongJobStepEvent) => Promise<unknown>> = {
  markRunning: (event) => markRunning(dependencies, event as Extract<LongJobStepEvent, { step: 'markRunning' }>),
  planChunks: (event) => planChunks(dependencies, event),
  confirmCompleted: (event) => confirmCompleted(dependencies, event),
  markFailed: (event) => markFailed(dependencies, event as Extract<LongJobStepEvent, { step: 'markFailed' }>),
};

/** Runs one step of the long-job state machine; a thrown error's name is what its Retry and Catch match. */
export async function main(event: LongJobStepEvent): Promise<unknown> {
  logger.appendKeys({ jobId: event.jobId, step: event.step });
  const step = steps[event.step];
  if (step === undefined) throw new Error(`Unknown long-job step '${String(event.step)}'`);
  const result = await step(event);
  logger.info(`long-job step ${event.step}`, { result });
  return result;
}

export const handler = middy(main).use(injectLambdaContext(logger, { clearState: true }));
