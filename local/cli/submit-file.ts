import { readFile } from 'node:fs/promises';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { CliError, EXIT, type ExitCode } from './cli-error.ts';
import { progressBar } from './format.ts';
import type { BatchItemResult, JobsApi } from './jobs-api.ts';

/** Jobs per `POST /jobs/batch` (the API's maximum). */
const BATCH_SIZE = 100;
/** Batches in flight at once. */
const CONCURRENT_BATCHES = 2;
/** Tries of a job answered 503 (nothing was accepted for it, so sending it again is safe). */
const UNAVAILABLE_TRIES = 3;

/** One job of the file and what became of it. */
export interface FileJobOutcome {
  /** 1-based line of the file. */
  readonly line: number;
  readonly status: number;
  readonly job?: JobResource;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: readonly { path: string; message: string }[] };
}

export interface FileSubmission {
  readonly outcomes: FileJobOutcome[];
  readonly exitCode: ExitCode;
}

interface Entry {
  readonly line: number;
  readonly body: unknown;
}

/** The file's jobs: one `POST /jobs` body (plus an optional `idempotencyKey`) per non-empty line. */
async function readEntries(path: string): Promise<{ entries: Entry[]; unreadable: FileJobOutcome[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${path}: ${(error as Error).message}`, EXIT.usage);
  }
  const entries: Entry[] = [];
  const unreadable: FileJobOutcome[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    try {
      entries.push({ line: index + 1, body: JSON.parse(raw) as unknown });
    } catch (error) {
      unreadable.push({ line: index + 1, status: 400, error: { code: 'INVALID_JSON', message: `not JSON: ${(error as Error).message}` } });
    }
  });
  return { entries, unreadable };
}

/**
 * Submits every job of an NDJSON file through `POST /jobs/batch`, 100 per request and a few
 * requests at once, sending again the jobs answered 503 (nothing was accepted for them).
 * `onProgress` hears how many jobs have an answer.
 */
export async function submitFile(api: JobsApi, path: string, onProgress: (done: number, total: number) => void): Promise<FileSubmission> {
  const { entries, unreadable } = await readEntries(path);
  const outcomes: FileJobOutcome[] = [...unreadable];
  const total = entries.length + unreadable.length;
  let done = unreadable.length;
  onProgress(done, total);
  const batches = Array.from({ length: Math.ceil(entries.length / BATCH_SIZE) }, (_, index) =>
    entries.slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE),
  );
  let next = 0;
  const worker = async () => {
    for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
      let pending = batch;
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const items: BatchItemResult[] = (await api.submitBatch(pending.map((entry) => entry.body))).items;
        const retry: Entry[] = [];
        items.forEach((item) => {
          const entry = pending[item.index] as Entry;
          if (item.status === 503 && attempt < UNAVAILABLE_TRIES) return retry.push(entry);
          outcomes.push({
            line: entry.line,
            status: item.status,
            ...(item.job === undefined ? {} : { job: item.job }),
            ...(item.error === undefined ? {} : { error: item.error }),
          });
          done += 1;
          return undefined;
        });
        onProgress(done, total);
        pending = retry;
        if (retry.length > 0) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENT_BATCHES, batches.length) }, worker));
  outcomes.sort((a, b) => a.line - b.line);
  const exitCode = outcomes.some((outcome) => outcome.status >= 500)
    ? EXIT.unavailable
    : outcomes.some((outcome) => outcome.status >= 400)
      ? EXIT.usage
      : EXIT.ok;
  return { outcomes, exitCode };
}

/** `accepted 98, replayed 1, refused 1` and a line per refused job. */
export function describeFileSubmission({ outcomes }: FileSubmission): string {
  const count = (test: (status: number) => boolean) => outcomes.filter((outcome) => test(outcome.status)).length;
  const lines = [
    `accepted ${count((status) => status === 202)}, replayed ${count((status) => status === 200)}, refused ${count((status) => status >= 400 && status < 500)}, unavailable ${count((status) => status >= 500)}`,
  ];
  for (const outcome of outcomes) {
    if (outcome.error === undefined) continue;
    const details = outcome.error.details?.map((detail) => `; ${detail.path}: ${detail.message}`).join('') ?? '';
    lines.push(`line ${outcome.line}: ${outcome.status} ${outcome.error.code}: ${outcome.error.message}${details}`);
  }
  return lines.join('\n');
}

/** A progress line: `[#####.....] 500/1000 jobs`. */
export function fileProgress(done: number, total: number): string {
  return `${progressBar(done, Math.max(total, 1))} jobs`;
}
