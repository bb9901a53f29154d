import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, loadEnvironment, validateEnvironment, type EnvironmentConfig } from '../../../lib/config/environments.ts';

/** A copy of dev with `change` applied, as the one environment of a test's own table. */
function environmentsWith(change: (config: EnvironmentConfig) => EnvironmentConfig): Record<string, EnvironmentConfig> {
  const dev = ENVIRONMENTS.dev;
  if (dev === undefined) throw new Error('the dev environment is missing');
  return { broken: change({ ...structuredClone(dev), name: 'broken' }) };
}

describe('loadEnvironment', () => {
  it.each(['dev', 'staging', 'prod'])('loads the %s environment', (name) => {
    // Act
    const config = loadEnvironment(name);

    // Assess
    expect(config.name).toBe(name);
    expect(config).toEqual(ENVIRONMENTS[name]);
  });

  it('retains the table only in prod', () => {
    // Act
    const policies = ['dev', 'staging', 'prod'].map((name) => loadEnvironment(name).removalPolicy);

    // Assess
    expect(policies).toEqual(['destroy', 'destroy', 'retain']);
  });

  it('refuses an unknown environment and lists the valid ones', () => {
    // Act
    const load = () => loadEnvironment('qa');

    // Assess
    expect(load).toThrow("Unknown environment 'qa': valid environments are dev, staging, prod");
  });

  it.each([undefined, ''])('asks for an environment when none is given (%j)', (name) => {
    // Act
    const load = () => loadEnvironment(name);

    // Assess
    expect(load).toThrow('No environment given: pass -c env=<name>, one of: dev, staging, prod');
  });

  it.each([
    [
      'a batch size above 10 without a batching window',
      (config: EnvironmentConfig) => ({ ...config, worker: { ...config.worker, batchSize: 20, batchingWindowSeconds: 0 } }),
      'worker.batchingWindowSeconds',
      "'0' given",
    ],
    [
      'a retry base above the cap',
      (config: EnvironmentConfig) => ({ ...config, retry: { ...config.retry, baseSeconds: 120, capSeconds: 60 } }),
      'retry.capSeconds',
      "'60' given",
    ],
    [
      'worker memory below the Lambda minimum',
      (config: EnvironmentConfig) => ({ ...config, worker: { ...config.worker, memoryMb: 64 } }),
      'worker.memoryMb',
      "'64' given",
    ],
    [
      'a job retention shorter than the DLQ keeps messages',
      (config: EnvironmentConfig) => ({ ...config, jobRetentionDays: 7 }),
      'jobRetentionDays',
      "'7' given",
    ],
    [
      'a log retention CloudWatch does not offer',
      (config: EnvironmentConfig) => ({ ...config, logRetentionDays: 10 as EnvironmentConfig['logRetentionDays'] }),
      'logRetentionDays',
      "'10' given",
    ],
  ])('refuses %s, naming the key and the value given', (_, change, key, given) => {
    // Prepare
    const environments = environmentsWith(change);

    // Act
    const load = () => loadEnvironment('broken', environments);

    // Assess
    expect(load).toThrow("Invalid configuration for environment 'broken'");
    expect(load).toThrow(`'${key}'`);
    expect(load).toThrow(given);
  });

  it('names every invalid key at once', () => {
    // Prepare
    const environments = environmentsWith((config) => ({
      ...config,
      worker: { ...config.worker, memoryMb: 64, timeoutSeconds: 1000 },
      retry: { ...config.retry, maxAttempts: 0 },
    }));

    // Act
    const load = () => loadEnvironment('broken', environments);

    // Assess
    expect(load).toThrow(/'worker\.memoryMb'.*'64' given.*'worker\.timeoutSeconds'.*'1000' given.*'retry\.maxAttempts'.*'0' given/);
  });
});

describe('validateEnvironment', () => {
  it('refuses something that is not an environment object', () => {
    // Act
    const validate = () => validateEnvironment(null);

    // Assess
    expect(validate).toThrow("Invalid configuration for environment 'undefined'");
  });
});
