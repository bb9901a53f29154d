import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, loadEnvironment, validateEnvironment } from '../../lib/config/environments.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('environment selection', () => {
  it('rejects an unknown environment with a message listing the valid ones', () => {
    expect(() => loadEnvironment('nope')).toThrow("Unknown environment 'nope': valid environments are dev, staging, prod");
  });

  it('asks for an environment when none is given', () => {
    expect(() => loadEnvironment(undefined)).toThrow(/pass -c env=<name>, one of: dev, staging, prod/);
  });

  it.each(Object.keys(ENVIRONMENTS))('accepts the %s config kept in the repository', (name) => {
    expect(loadEnvironment(name).name).toBe(name);
  });

  it('exits non-zero from `cdk synth -c env=nope` with the message and no stack trace', () => {
    // The CDK CLI hands `-c` values to the app through CDK_CONTEXT_JSON.
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: repositoryRoot,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ env: 'nope' }) },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Unknown environment 'nope': valid environments are dev, staging, prod");
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('environment validation', () => {
  it('names the key and the value when a batch above 10 has no batching window', () => {
    const invalid = { ...ENVIRONMENTS.dev, worker: { ...ENVIRONMENTS.dev!.worker, batchSize: 20, batchingWindowSeconds: 0 } };
    expect(() => validateEnvironment(invalid)).toThrow(
      "'worker.batchingWindowSeconds' must be at least 1 when worker.batchSize is above 10, '0' given",
    );
  });

  it('names the key, the value given and what is allowed for an out-of-range number', () => {
    const invalid = { ...ENVIRONMENTS.dev, worker: { ...ENVIRONMENTS.dev!.worker, maxConcurrency: 1 } };
    expect(() => validateEnvironment(invalid)).toThrow(/'worker\.maxConcurrency' .*2.*'1' given/);
  });
});
