import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FileJobOutcome } from '../../local/cli/submit-file.ts';
import { localDescriptorPath } from '../../local/platform.ts';
import { ApiClient } from './support/api-client.ts';
import { jobsCli as jobsCliOn } from './support/jobs-cli.ts';

const { apiUrl } = inject('platform');

/** Runs `jobs …` against the suite's shared platform. */
const jobsCli = (...args: string[]) => jobsCliOn(localDescriptorPath('itest'), ...args);

describe('jobs submit --file', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobs-file-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('submits every job of an NDJSON file in batches, and reports the lines it refused', async () => {
    // Prepare: 250 good jobs, a line that is not JSON, a job of no known type, and blank lines
    const caller = `file-${randomUUID()}`;
    const good = Array.from({ length: 250 }, (_, index) => JSON.stringify({ type: 'echo', payload: { index } }));
    const lines = [...good.slice(0, 100), '{not json', '', ...good.slice(100), JSON.stringify({ type: 'nope', payload: {} }), ''];
    const file = join(dir, 'jobs.ndjson');
    await writeFile(file, lines.join('\n'));

    // Act
    const { code, out } = await jobsCli('--caller', caller, 'submit', '--file', file, '--json');

    // Assess
    const outcomes = JSON.parse(out) as FileJobOutcome[];
    expect(code).toBe(2);
    expect(outcomes.filter((outcome) => outcome.status === 202)).toHaveLength(250);
    expect(outcomes.filter((outcome) => outcome.status >= 400).map(({ line, status, error }) => [line, status, error?.code])).toEqual([
      [101, 400, 'INVALID_JSON'],
      [253, 400, 'UNKNOWN_JOB_TYPE'],
    ]);
    const listed = await jobsCli('--caller', caller, 'list', '--all', '--limit', '100', '--json');
    expect(listed).toMatchObject({ code: 0, err: '' });
    expect((JSON.parse(listed.out) as { items: unknown[] }).items).toHaveLength(250);
  });

  it('replays a file whose jobs carry idempotency keys without making a second job of any', async () => {
    // Prepare
    const caller = `file-${randomUUID()}`;
    const file = join(dir, 'keyed.ndjson');
    await writeFile(
      file,
      Array.from({ length: 30 }, (_, index) => JSON.stringify({ type: 'echo', payload: { index }, idempotencyKey: `order-${index}` })).join(
        '\n',
      ),
    );

    // Act
    const first = await jobsCli('--caller', caller, 'submit', '--file', file);
    const again = await jobsCli('--caller', caller, 'submit', '--file', file);

    // Assess
    expect(first).toMatchObject({ code: 0, out: 'accepted 30, replayed 0, refused 0, unavailable 0\n' });
    expect(again).toMatchObject({ code: 0, out: 'accepted 0, replayed 30, refused 0, unavailable 0\n' });
    const api = new ApiClient(apiUrl, caller);
    const page = await api.request<{ items: unknown[] }>('GET', '/jobs?limit=100');
    expect(page.body.items).toHaveLength(30);
  });
});

describe('jobs submit, get, list and cancel (through the TypeScript client)', () => {
  it('submits, shows, lists and cancels a job, with the exit codes of a refusal, a conflict and an unknown id', async () => {
    // Prepare
    const caller = `cli-${randomUUID()}`;

    // Act
    const submitted = await jobsCli('--caller', caller, 'submit', 'echo', '{"n":1}', '--delay', '900', '--json');
    const job = JSON.parse(submitted.out) as { jobId: string; status: string };
    const shown = await jobsCli('--caller', caller, 'get', job.jobId, '--json');
    const listed = await jobsCli('--caller', caller, 'list', '--json');
    const cancelled = await jobsCli('--caller', caller, 'cancel', job.jobId, '--json');
    const again = await jobsCli('--caller', caller, 'cancel', job.jobId);
    const unknown = await jobsCli('--caller', caller, 'get', randomUUID());
    const invalid = await jobsCli('--caller', caller, 'submit', 'email', '{"to":"x"}');

    // Assess
    expect([submitted.code, shown.code, listed.code, cancelled.code]).toEqual([0, 0, 0, 0]);
    expect(job.status).toBe('queued');
    expect(JSON.parse(shown.out)).toMatchObject({ jobId: job.jobId });
    expect(listed.out).toContain(job.jobId);
    expect(JSON.parse(cancelled.out)).toMatchObject({ jobId: job.jobId, status: 'cancelled' });
    expect(again).toMatchObject({ code: 4 });
    expect(again.err).toMatch(/CONFLICT: .*cancelled/);
    expect(unknown).toMatchObject({ code: 3 });
    expect(unknown.err).toMatch(/NOT_FOUND/);
    expect(invalid).toMatchObject({ code: 2 });
    expect(invalid.err).toMatch(/VALIDATION_FAILED[\s\S]*payload\.to/);
  });
});
