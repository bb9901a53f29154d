import { describe, expect, inject, it } from 'vitest';
import type { BusEvent } from '../../local/services/event-bus-local.ts';
import { ApiClient, eventually } from './support/api-client.ts';

const { apiUrl } = inject('platform');

/** The local bus's events about `jobIds`, as `[jobId, detail-type]`. */
async function eventsOf(jobIds: readonly string[]): Promise<[string, string][]> {
  const events = (await (await fetch(`${apiUrl}/events`)).json()) as BusEvent[];
  return events
    .filter((event) => jobIds.includes((event.detail as { jobId: string }).jobId))
    .map((event) => [(event.detail as { jobId: string }).jobId, event['detail-type']]);
}

describe('job lifecycle events on the local bus', () => {
  it('puts Job Completed, Job Retrying, Job Failed and Job Cancelled on the bus, once per transition, without the payload', async () => {
    // Prepare
    const api = new ApiClient(apiUrl);
    const completed = (await api.submit({ type: 'echo', payload: { hello: 'events' } })).body;
    const failed = (await api.submit({ type: 'flaky', payload: { failTimes: 9 }, maxAttempts: 2 })).body;
    const cancelled = (await api.submit({ type: 'echo', payload: {}, delaySeconds: 900 })).body;

    // Act
    expect((await api.request('POST', `/jobs/${cancelled.jobId}/cancel`)).status).toBe(200);
    await api.waitFor(completed.jobId, 'completed');
    await api.waitFor(failed.jobId, 'failed');

    // Assess
    const ids = [completed.jobId, failed.jobId, cancelled.jobId];
    const seen = await eventually('the events of all three jobs', async () => {
      const events = await eventsOf(ids);
      return events.length >= 4 ? events : undefined;
    });
    expect(seen.sort()).toEqual(
      [
        [completed.jobId, 'Job Completed'],
        [failed.jobId, 'Job Retrying'],
        [failed.jobId, 'Job Failed'],
        [cancelled.jobId, 'Job Cancelled'],
      ].sort(),
    );
    const events = (await (await fetch(`${apiUrl}/events`)).json()) as BusEvent[];
    const completion = events.find((event) => (event.detail as { jobId: string }).jobId === completed.jobId);
    expect(completion).toMatchObject({ source: 'job-platform', detail: { status: 'completed', run: 1, attempts: 1 } });
    // The result is there (echo's result is its payload); the payload itself is not.
    expect(completion?.detail).not.toHaveProperty('payload');
  });
});
