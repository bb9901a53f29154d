import type { FargateJobTypeDefinition, JobTypeDefinition } from './job-type.ts';
import { MIN_MAPPING_CONCURRENCY } from './priority.ts';
import type { RetryPolicy } from './retry-delay.ts';
import { crashJob } from './types/crash.ts';
import { echoJob } from './types/echo.ts';
import { emailJob } from './types/email.ts';
import { flakyJob } from './types/flaky.ts';
import { pacedJob } from './types/paced.ts';
import { serialJob } from './types/serial.ts';
import { reportJob } from './types/report.ts';
import { sleepJob } from './types/sleep.ts';

/**
 * Every job type the platform knows, in one place: the API validates payloads against these
 * schemas and the worker dispatches to these handlers. Adding a type is one module plus one line.
 */
const JOB_TYPES: readonly JobTypeDefinition[] = [echoJob, sleepJob, flakyJob, emailJob, crashJob, pacedJob, serialJob, reportJob];

/** What is wrong with a type's `limits`, if anything: checked when the registry loads, so a bad one fails every synth and test. */
export function limitsProblem(definition: JobTypeDefinition): string | undefined {
  const { maxConcurrency, perSecond } = definition.limits ?? {};
  if (definition.limits !== undefined && definition.runtime !== 'lambda') return 'limits apply to the lambda runtime only';
  if (
    maxConcurrency !== undefined &&
    !(Number.isInteger(maxConcurrency) && maxConcurrency >= MIN_MAPPING_CONCURRENCY && maxConcurrency <= 1000)
  ) {
    return `limits.maxConcurrency must be an integer from ${MIN_MAPPING_CONCURRENCY} (Lambda's lowest MaximumConcurrency of an SQS mapping) to 1000, ${maxConcurrency} given`;
  }
  // One bucket item takes a write per attempt; a partition key serves about 1,000 a second.
  if (perSecond !== undefined && !(perSecond > 0 && perSecond <= 500))
    return `limits.perSecond must be above 0 and at most 500, ${perSecond} given`;
  return undefined;
}

for (const definition of JOB_TYPES) {
  const problem = limitsProblem(definition);
  if (problem !== undefined) throw new Error(`Job type '${definition.name}': ${problem}`);
}

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

/**
 * The types with a `maxConcurrency` limit: each gets a queue of its own, whose event source
 * mapping runs at most that many attempts at once.
 */
export function concurrencyLimitedJobTypes(): (JobTypeDefinition & { limits: { maxConcurrency: number } })[] {
  return JOB_TYPES.filter(
    (definition): definition is JobTypeDefinition & { limits: { maxConcurrency: number } } =>
      definition.limits?.maxConcurrency !== undefined,
  );
}

/** The long-running types (SPEC §6), which go to the state machine instead of the queue. */
export function fargateJobTypes(): FargateJobTypeDefinition[] {
  return JOB_TYPES.filter((definition): definition is FargateJobTypeDefinition => definition.runtime === 'fargate');
}
