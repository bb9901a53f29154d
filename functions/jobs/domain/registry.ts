import type { FargateJobTypeDefinition, JobTypeDefinition } from './job-type.ts';
import type { RetryPolicy } from './retry-delay.ts';
import { crashJob } from './types/crash.ts';
import { echoJob } from './types/echo.ts';
import { emailJob } from './types/email.ts';
import { flakyJob } from './types/flaky.ts';
import { reportJob } from './types/report.ts';
import { sleepJob } from './types/sleep.ts';

/**
 * Every job type the platform knows, in one place: the API validates payloads against these
 * schemas and the worker dispatches to these handlers. Adding a type is one module plus one line.
 */
const JOB_TYPES: readonly JobTypeDefinition[] = [echoJob, sleepJob, flakyJob, emailJob, crashJob, reportJob];

const byName = new Map<string, JobTypeDefinition>(JOB_TYPES.map((definition) => [definition.name, definition]));

export function findJobType(name: string): JobTypeDefinition | undefined {
  return byName.get(name);
}

export function jobTypeNames(): string[] {
  return [...byName.keys()];
}

/** Whether drill types (`crash`, `flaky`) may be submitted: the environment config decides. */
export interface SubmittableTypes {
  readonly drillJobTypes: boolean;
}

/** A type a caller may submit here; a drill type where drills are not allowed is unknown. */
export function findSubmittableJobType(name: string, { drillJobTypes }: SubmittableTypes): JobTypeDefinition | undefined {
  const definition = byName.get(name);
  return definition?.drill === true && !drillJobTypes ? undefined : definition;
}

/** The names of the types a caller may submit here. */
export function submittableJobTypeNames(allowed: SubmittableTypes): string[] {
  return jobTypeNames().filter((name) => findSubmittableJobType(name, allowed) !== undefined);
}

/** The type's retry policy: its own settings over the environment's defaults. */
export function retryPolicyOf(definition: JobTypeDefinition, defaults: RetryPolicy): RetryPolicy {
  return { ...defaults, ...definition.retry };
}

/** The long-running types (SPEC §6), which go to the state machine instead of the queue. */
export function fargateJobTypes(): FargateJobTypeDefinition[] {
  return JOB_TYPES.filter((definition): definition is FargateJobTypeDefinition => definition.runtime === 'fargate');
}
