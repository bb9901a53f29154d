import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../lib/config/environments.ts';
import { ESM_REQUIRE_BANNER, JobFunction } from '../../lib/constructs/job-function.ts';
import { functionDeclarationFactory } from '../helpers/function-declaration-factory.ts';

describe('JobFunction bundle', () => {
  let bundle: string;

  beforeAll(() => {
    // Bundles for real with esbuild (about a second), once.
    const app = new App();
    const stack = new Stack(app, 'BundleTest');
    new JobFunction(stack, 'Fn', {
      declaration: functionDeclarationFactory({
        entry: fileURLToPath(new URL('./fixtures/sdk-handler.ts', import.meta.url)),
        functionName: 'jobs-test-fn',
        serviceName: 'jobs-test',
      }),
      environmentConfig: loadEnvironment('dev'),
    });
    const assembly = app.synth();
    const [assetDirectory] = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
    if (!assetDirectory) throw new Error('no bundled asset');
    bundle = readFileSync(join(assembly.directory, assetDirectory, 'index.mjs'), 'utf8');
  });

  it('is an ES module that can still require() CommonJS dependencies', () => {
    expect(bundle.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
  });

  it('carries the AWS SDK v3 inside instead of importing the runtime copy', () => {
    expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(bundle).toContain('GetQueueAttributes');
  });

  it('is minified with a source map', () => {
    expect(bundle).toContain('//# sourceMappingURL=index.mjs.map');
    const averageLineLength = bundle.length / bundle.split('\n').length;
    expect(averageLineLength).toBeGreaterThan(1000);
  });
});

/**
 * Module load is most of a Node cold start (REFERENCE.md: ~250 ms of a 375 ms init was loading
 * code), so each handler's bundle has a size budget, watched like a test result.
 */
describe.each([
  // The API's EventBridge Scheduler client (one-time and recurring schedules) adds about 10 KB past 1,000 KB.
  ['api', '../../functions/api/handler.ts', 1_050_000],
  ['worker', '../../functions/worker/handler.ts', 900_000],
])('the %s handler bundle', (name, entry, budgetBytes) => {
  let size: number;

  beforeAll(() => {
    const app = new App();
    const stack = new Stack(app, `Budget${name}`);
    new JobFunction(stack, 'Fn', {
      declaration: functionDeclarationFactory({
        entry: fileURLToPath(new URL(entry, import.meta.url)),
        functionName: `jobs-test-${name}`,
        serviceName: `jobs-${name}`,
      }),
      environmentConfig: loadEnvironment('dev'),
    });
    const assembly = app.synth();
    const [assetDirectory] = readdirSync(assembly.directory).filter((file) => file.startsWith('asset.'));
    if (!assetDirectory) throw new Error('no bundled asset');
    size = statSync(join(assembly.directory, assetDirectory, 'index.mjs')).size;
  });

  it(`stays within its budget of ${budgetBytes / 1000} KB`, () => {
    expect(size).toBeLessThan(budgetBytes);
  });
});
