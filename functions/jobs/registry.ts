import type { JobTypeDefinition } from './job-type.ts';
import type { RetryPolicy } from './retry-delay.ts';
import { crashJob } from './types/crash.ts';
import { echoJob } from './types/echo.ts';
import { emailJob } from './types/email.ts';
import { flakyJob } from './types/flaky.ts';
import { sleepJob } from './types/sleep.ts';

/**
 * Every job type the platform knows, in one place: the API validates payloads against these
 * schemas and the worker dispatches to these handlers. Adding a type is one module plus one line.
 */
const JOB_TYPES: readonly JobTypeDefinition[] = [echoJob, sleepJob, flakyJob, emailJob, crashJob];

const byName = new Map<string, JobTypeDefinition>(
  JOB_TYPES.map((definition) => [definition.name, definition]),
);

export function findJobType(name: string): JobTypeDefinition | undefined {
  return byName.get(name);
}

export function jobTypeNames(): string[] {
  return [...byName.keys()];
}

/** The type's retry policy: its own settings over the environment's defaults. */
export function retryPolicyOf(definition: JobTypeDefinition, defaults: RetryPolicy): RetryPolicy {
  return { ...defaults, ...definition.retry };
}
