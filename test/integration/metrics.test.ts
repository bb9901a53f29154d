import { describe, expect, inject, it } from 'vitest';
import { ApiClient, eventually } from './support/api-client.ts';
import { sample } from './support/prometheus.ts';

const { apiUrl } = inject('platform');

describe('GET /metrics on the local platform', () => {
  it('serves the functions’ EMF metrics as Prometheus counters and percentiles per job type', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const before = await (await fetch(`${apiUrl}/metrics`)).text();
    const completedBefore = sample(before, 'jobs_job_completed_total', { job_type: 'sleep' }) ?? 0;
    const { body } = await api.submit({ type: 'sleep', payload: { ms: 20 } });
    await api.waitFor(body.jobId, 'completed');

    // Act
    const text = await eventually('the completion to be counted', async () => {
      const current = await (await fetch(`${apiUrl}/metrics`)).text();
      return (sample(current, 'jobs_job_completed_total', { job_type: 'sleep' }) ?? 0) > completedBefore ? current : undefined;
    });

    // Assess
    expect(sample(text, 'jobs_job_submitted_total', { job_type: 'sleep' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'jobs_job_duration_milliseconds', { job_type: 'sleep', quantile: '0.99' })).toBeGreaterThanOrEqual(20);
    expect(sample(text, 'jobs_job_queue_wait_milliseconds_count', { job_type: 'sleep' })).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^# TYPE jobs_job_duration_milliseconds summary$/m);
    // Each function's first invocation reports a cold start, as in Lambda.
    expect(text).toMatch(/^jobs_cold_start_total\{[^}]*service="jobs-worker"[^}]*\} [1-9]/m);
    expect(text).toMatch(/^jobs_cold_start_total\{[^}]*service="jobs-api"[^}]*\} [1-9]/m);
  });
});
