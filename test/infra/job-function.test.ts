import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../lib/config/environments.ts';
import { ESM_REQUIRE_BANNER, JobFunction } from '../../lib/constructs/job-function.ts';

describe('JobFunction bundle', () => {
  let bundle: string;

  beforeAll(() => {
    // Bundles for real with esbuild (about a second), once.
    const app = new App();
    const stack = new Stack(app, 'BundleTest');
    new JobFunction(stack, 'Fn', {
      entry: fileURLToPath(new URL('./fixtures/sdk-handler.ts', import.meta.url)),
      functionName: 'jobs-test-fn',
      serviceName: 'jobs-test',
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
