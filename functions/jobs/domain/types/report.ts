import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as z from 'zod/mini';
import { defineJobType } from '../job-type.ts';

/** Chunks one report may split into: each is a Map iteration and a Fargate task (SPEC §6). */
export const MAX_REPORT_CHUNKS = 1_000;

/** Rows generated between two looks at the stop signal, so SIGTERM is noticed within milliseconds. */
const ROWS_PER_SLICE = 5_000;

const CSV_HEADER = 'row,value,label\n';

/** Row `n` (1-based) of every report: deterministic, so a chunk run twice yields the same text. */
export function reportRow(n: number): string {
  return `${n},${(n * 7919) % 10_007},item-${n}\n`;
}

const reportPayload = z
  .object({
    rows: z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000)),
    chunkSize: z.number().check(z.int(), z.minimum(100), z.maximum(100_000)),
  })
  .check(
    z.refine((payload) => Math.ceil(payload.rows / payload.chunkSize) <= MAX_REPORT_CHUNKS, {
      message: `rows / chunkSize must make at most ${MAX_REPORT_CHUNKS} chunks`,
      path: ['chunkSize'],
    }),
  );

/**
 * Builds a CSV of `rows` records in chunks of `chunkSize` on the long-job path: each chunk
 * generates its rows, the last one to finish writes `reports/<jobId>.csv` to S3.
 */
export const reportJob = defineJobType({
  name: 'report',
  description: 'Builds a CSV of {rows} records in chunks of {chunkSize} on Fargate and stores it in S3.',
  payloadSchema: reportPayload,
  runtime: 'fargate',
  // One chunk of at most 100,000 rows takes well under a second; the rest is margin for a slow start.
  timeoutSeconds: 300,
  output: { prefix: 'reports', extension: 'csv', contentType: 'text/csv; charset=utf-8' },
  planChunks: ({ rows, chunkSize }) => Math.ceil(rows / chunkSize),
  runChunk: async ({ rows, chunkSize }, chunkIndex, { signal }) => {
    const first = chunkIndex * chunkSize + 1;
    const last = Math.min(rows, first + chunkSize - 1);
    const lines: string[] = [];
    for (let n = first; n <= last; n += 1) {
      lines.push(reportRow(n));
      if ((n - first + 1) % ROWS_PER_SLICE === 0) {
        await yieldToEventLoop();
        signal.throwIfAborted();
      }
    }
    signal.throwIfAborted();
    return lines.join('');
  },
  assemble: ({ rows }, parts) => ({ body: CSV_HEADER + parts.join(''), summary: { rows } }),
});
