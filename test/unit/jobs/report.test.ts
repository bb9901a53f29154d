import { describe, expect, it } from 'vitest';
import { findJobType } from '../../../functions/jobs/domain/registry.ts';
import { MAX_REPORT_CHUNKS, reportJob, reportRow } from '../../../functions/jobs/domain/types/report.ts';

const context = { jobId: 'job-1', signal: new AbortController().signal };

describe('report job type', () => {
  it('is registered as a fargate type writing reports/<jobId>.csv', () => {
    // Act
    const definition = findJobType('report');

    // Assess
    expect(definition).toBe(reportJob);
    expect(reportJob).toMatchObject({ runtime: 'fargate', output: { prefix: 'reports', extension: 'csv' } });
  });

  it.each([
    [{ rows: 10_000, chunkSize: 1_000 }, 10],
    [{ rows: 10_001, chunkSize: 1_000 }, 11],
    [{ rows: 1, chunkSize: 100 }, 1],
  ])('plans %o into %i chunks', (payload, chunks) => {
    // Act
    const planned = reportJob.planChunks(payload);

    // Assess
    expect(planned).toBe(chunks);
  });

  it.each([
    [{ rows: 0, chunkSize: 100 }, 'payload.rows'],
    [{ rows: 1_000_001, chunkSize: 100_000 }, 'payload.rows'],
    [{ rows: 1_000, chunkSize: 99 }, 'payload.chunkSize'],
    [{ rows: 1_000_000, chunkSize: 100 }, 'payload.chunkSize'],
  ])('refuses %o', (payload) => {
    // Act
    const checked = reportJob.payloadSchema.safeParse(payload);

    // Assess
    expect(checked.success).toBe(false);
  });

  it(`allows at most ${MAX_REPORT_CHUNKS} chunks`, () => {
    // Act
    const checked = reportJob.payloadSchema.safeParse({ rows: 100_000, chunkSize: 100 });

    // Assess
    expect(checked.success).toBe(true);
  });

  it('gives the last chunk only the remaining rows', async () => {
    // Act
    const part = await reportJob.runChunk({ rows: 2_500, chunkSize: 1_000 }, 2, context);

    // Assess
    const lines = part.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(500);
    expect(lines[0]).toBe(reportRow(2_001).trimEnd());
    expect(lines.at(-1)).toBe(reportRow(2_500).trimEnd());
  });

  it('produces the same part when a chunk runs twice', async () => {
    // Act
    const [first, second] = await Promise.all([
      reportJob.runChunk({ rows: 300, chunkSize: 100 }, 1, context),
      reportJob.runChunk({ rows: 300, chunkSize: 100 }, 1, context),
    ]);

    // Assess
    expect(first).toBe(second);
  });

  it('stops generating when its signal is aborted', async () => {
    // Prepare
    const stop = new AbortController();
    stop.abort(new Error('SIGTERM'));

    // Act
    const run = reportJob.runChunk({ rows: 100_000, chunkSize: 100_000 }, 0, { jobId: 'job-1', signal: stop.signal });

    // Assess
    await expect(run).rejects.toThrow('SIGTERM');
  });

  it('assembles the header once, then every part in order', () => {
    // Act
    const { body, summary } = reportJob.assemble({ rows: 3, chunkSize: 100 }, ['1,a\n', '2,b\n', '3,c\n']);

    // Assess
    expect(body).toBe('row,value,label\n1,a\n2,b\n3,c\n');
    expect(summary).toEqual({ rows: 3 });
  });
});
