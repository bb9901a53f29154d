/** The console's own API, beside the page (`/console/api/…`). */
const API = '/console/api';

export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  const body = (await response.json()) as T & { error?: { message: string; details?: { path: string; message: string }[] } };
  if (!response.ok) {
    const details = body.error?.details?.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
    throw new ApiRefusal(response.status, `${body.error?.message ?? response.statusText}${details ? ` (${details})` : ''}`);
  }
  return body;
}

export async function getJson<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
  const search = new URLSearchParams(
    Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  return answer<T>(await fetch(`${API}${path}${search.size > 0 ? `?${search}` : ''}`));
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return answer<T>(
    await fetch(`${API}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  );
}

// The shapes the console's API answers with, from the server code that builds them (types only: nothing of it reaches the page).
export type { ConsoleConfig, JobDetail, JobsPage, MoveTaskSummary as MoveTask } from '../console-api.ts';
export type { DeadLetterGroup, DeadLetterPage, DeadLetterRow } from '../dead-letter-browser.ts';
export type { QueueFigures, QueuesFigures } from '../queue-statistics.ts';
export type { JobResource as Job } from '../../../functions/jobs/domain/job.ts';
