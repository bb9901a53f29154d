import { afterEach, describe, expect, it, vi } from 'vitest';

async function loadPowertools(tracing: 'true' | 'false') {
  vi.resetModules();
  vi.stubEnv('POWERTOOLS_TRACE_ENABLED', tracing);
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'test');
  // The tracer switches itself off outside a Lambda execution environment.
  vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
  return import('../../../functions/observability/powertools.ts');
}

describe('the Powertools module', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('creates no tracer and leaves clients untouched where tracing is off', async () => {
    // Prepare
    const { tracer, tracingMiddleware, traced } = await loadPowertools('false');
    const client = { send: () => undefined };

    // Assess
    expect(tracer).toBeUndefined();
    expect(tracingMiddleware).toBeUndefined();
    expect(traced(client)).toBe(client);
  });

  it('creates the tracer and its handler middleware where tracing is on', async () => {
    // Prepare
    const { tracer, tracingMiddleware } = await loadPowertools('true');

    // Assess
    expect(tracer?.isTracingEnabled()).toBe(true);
    expect(typeof tracingMiddleware?.before).toBe('function');
  });
});
