import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { localEnvironment, startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from '../../local/platform.ts';
import { ApiClient, eventually } from './support/api-client.ts';

/** A platform with its own DynamoDB Local and SQS server, keeping their state in `dataDir`. */
function startPersistentPlatform(dataDir: string, name: string): Promise<LocalPlatform> {
  const options: LocalPlatformOptions = {
    environment: localEnvironment({ name }),
    dataDir,
    persist: true,
    longJobs: false,
  };
  return startLocalPlatform(options);
}

describe('a local platform stopped mid-run and started again on the same state', () => {
  let dataDir: string | undefined;
  let platform: LocalPlatform | undefined;

  afterAll(async () => {
    await platform?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('still has every accepted job, its idempotency key and its delayed job, and runs them all to a terminal status', async () => {
    // Prepare
    dataDir = await mkdtemp(join(tmpdir(), 'jobs-persist-'));
    const name = `persist${Date.now() % 100_000}`;
    platform = await startPersistentPlatform(dataDir, name);
    let api = new ApiClient(platform.apiUrl);
    const accepted: JobResource[] = [];
    for (let index = 0; index < 20; index += 1) {
      const { status, body } = await api.submit({ type: 'sleep', payload: { ms: 1500, index } });
      expect(status).toBe(202);
      accepted.push(body);
    }
    const keyed = await api.submit({ type: 'echo', payload: { keyed: true } }, { 'Idempotency-Key': 'persist-key' });
    const delayed = await api.submit({ type: 'echo', payload: { delayed: true }, delaySeconds: 4 });
    accepted.push(keyed.body, delayed.body);
    // Mid-run: some jobs are running while the others still wait in the queue.
    await eventually('a job to be running', async () =>
      (await Promise.all(accepted.map((job) => api.get(job.jobId)))).some((job) => job.status === 'running') ? true : undefined,
    );

    // Act
    await platform.stop();
    platform = await startPersistentPlatform(dataDir, name);
    api = new ApiClient(platform.apiUrl, api.caller);

    // Assess
    const again = await api.submit({ type: 'echo', payload: { keyed: true } }, { 'Idempotency-Key': 'persist-key' });
    expect(again.status).toBe(200);
    expect(again.body.jobId).toBe(keyed.body.jobId);
    for (const job of accepted) {
      const { job: finished } = await api.waitFor(job.jobId, undefined, 75_000);
      expect(finished.status).toBe('completed');
    }
  }, 150_000);
});
