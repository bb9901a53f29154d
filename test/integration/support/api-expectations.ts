import { expect } from 'vitest';
import type { JobResource } from '../../../functions/jobs/domain/job.ts';
import type { ApiClient, ApiResponse } from './api-client.ts';

/** The error code the API must give with each 4xx status (SPEC §2). */
const CODES_BY_STATUS: Record<number, readonly string[]> = {
  400: ['INVALID_JSON', 'VALIDATION_FAILED', 'UNKNOWN_JOB_TYPE'],
  404: ['NOT_FOUND'],
  409: ['CONFLICT'],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
};

interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string };
  /** The gateway's own answers (no route, malformed path, body over 10 MB) carry only a message. */
  readonly message?: string;
}

/**
 * Asserts an answer is a success from `allowed` or a specific 4xx: a known status whose body
 * names the matching error code (or, for what the gateway itself refuses, its message). Never a 5xx.
 */
export function expectSuccessOrSpecific4xx(response: ApiResponse<unknown>, allowed: readonly number[], context: string): void {
  const { status } = response;
  if (allowed.includes(status)) return;
  const body = response.body as ErrorBody | undefined;
  const codes = CODES_BY_STATUS[status];
  expect(codes, `${context}: unexpected status ${status} ${JSON.stringify(body)?.slice(0, 300)}`).toBeDefined();
  const fromGateway = body?.error === undefined && typeof body?.message === 'string' && [400, 404, 413].includes(status);
  if (!fromGateway)
    expect(codes, `${context}: status ${status} with body ${JSON.stringify(body)?.slice(0, 300)}`).toContain(body?.error?.code);
}

/** Every job of the caller, through the paginated listing. */
export async function listAllJobs(api: ApiClient): Promise<JobResource[]> {
  const jobs: JobResource[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '?limit=100' : `?limit=100&cursor=${encodeURIComponent(cursor)}`;
    const page = await api.request<{ items: JobResource[]; nextCursor: string | null }>('GET', `/jobs${query}`);
    expect(page.status).toBe(200);
    jobs.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor !== null);
  return jobs;
}
