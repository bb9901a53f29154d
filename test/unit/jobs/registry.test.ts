/// <reference types="vite/client" />
import { describe, expect, it } from 'vitest';
import type { JobTypeDefinition } from '../../../functions/jobs/domain/job-type.ts';
import {
  concurrencyLimitedJobTypes,
  findJobType,
  jobTypeNames,
  limitsProblem,
  retryPolicyOf,
} from '../../../functions/jobs/domain/registry.ts';
import { ENVIRONMENTS } from '../../../lib/config/environments.ts';

/** Room an attempt leaves inside the worker's own timeout for the claim and the final write. */
const SPARE_SECONDS = 5;

// Every job type module, found by the bundler rather than by the registry, so a type that was
// written but never registered (or registered under a name another type already uses) shows up.
const modules = import.meta.glob<Record<string, unknown>>('../../../functions/jobs/domain/types/*.ts', { eager: true });

const isJobType = (value: unknown): value is JobTypeDefinition =>
  typeof value === 'object' && value !== null && 'name' in value && 'payloadSchema' in value && 'runtime' in value;

const definitions = Object.values(modules).flatMap((exports) => Object.values(exports).filter(isJobType));
const registered = jobTypeNames().map((name) => findJobType(name) as JobTypeDefinition);
const lambdaTypes = registered.filter((definition) => definition.runtime === 'lambda');
const environments = Object.values(ENVIRONMENTS);

describe('job type registry', () => {
  it('registers the built-in types', () => {
    // Act
    const names = jobTypeNames();

    // Assess
    expect(names).toEqual(expect.arrayContaining(['echo', 'sleep', 'flaky', 'email']));
  });

  it.each(definitions.map((definition) => [definition.name, definition] as const))(
    'registers the %s module under its own name',
    (name, definition) => {
      // Act
      const found = findJobType(name);

      // Assess
      expect(found).toBe(definition);
    },
  );

  it('gives every job type a unique name', () => {
    // Act
    const names = definitions.map((definition) => definition.name);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    expect(jobTypeNames()).toHaveLength(names.length);
  });

  it('finds nothing for an unknown name', () => {
    // Act
    const found = findJobType('no-such-type');

    // Assess
    expect(found).toBeUndefined();
  });

  it.each(
    lambdaTypes.flatMap((definition) =>
      environments.map(
        (environment) => [definition.name, definition.timeoutSeconds, environment.name, environment.worker.timeoutSeconds] as const,
      ),
    ),
  )(
    `runs %s (%i s) inside the %s worker's timeout (%i s) with at least ${SPARE_SECONDS} s to spare`,
    (_, timeoutSeconds, __, workerTimeoutSeconds) => {
      // Assess
      expect(timeoutSeconds + SPARE_SECONDS).toBeLessThanOrEqual(workerTimeoutSeconds);
    },
  );

  it.each(registered.map((definition) => [definition.name, definition] as const))(
    'gives %s a positive timeout and a known runtime',
    (_, definition) => {
      // Assess
      expect(definition.timeoutSeconds).toBeGreaterThan(0);
      expect(['lambda', 'fargate']).toContain(definition.runtime);
    },
  );

  it("overrides the environment's retry defaults only where a type sets its own", () => {
    // Prepare
    const defaults = { maxAttempts: 5, baseSeconds: 5, capSeconds: 300 };

    // Act
    const flaky = retryPolicyOf(findJobType('flaky') as JobTypeDefinition, defaults);
    const echo = retryPolicyOf(findJobType('echo') as JobTypeDefinition, defaults);

    // Assess
    expect(flaky).toEqual({ maxAttempts: 5, baseSeconds: 1, capSeconds: 2 });
    expect(echo).toEqual(defaults);
  });

  it('gives the rate drill a token bucket and the concurrency drill a queue of its own', () => {
    expect(findJobType('paced')?.limits).toEqual({ perSecond: 4 });
    expect(concurrencyLimitedJobTypes().map(({ name, limits }) => [name, limits.maxConcurrency])).toEqual([['serial', 2]]);
  });

  it('refuses limits that Lambda or DynamoDB cannot hold, naming the bound', () => {
    const echo = findJobType('echo') as JobTypeDefinition;
    expect(limitsProblem({ ...echo, limits: { maxConcurrency: 1 } })).toMatch(/maxConcurrency must be an integer from 2 .* 1 given/);
    expect(limitsProblem({ ...echo, limits: { perSecond: 0 } })).toMatch(/perSecond must be above 0 and at most 500, 0 given/);
    expect(limitsProblem({ ...(findJobType('report') as JobTypeDefinition), limits: { perSecond: 1 } })).toBe(
      'limits apply to the lambda runtime only',
    );
    expect(limitsProblem({ ...echo, limits: { maxConcurrency: 2, perSecond: 0.5 } })).toBeUndefined();
  });
});
