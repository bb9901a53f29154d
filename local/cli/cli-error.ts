/**
 * Exit codes of the `jobs` CLI, so scripts can tell outcomes apart:
 * 0 done; 1 the job failed or was cancelled; 2 usage error; 3 not found; 4 conflict;
 * 5 the platform is unavailable; 6 aborted by the user.
 */
export const EXIT = { ok: 0, jobFailed: 1, usage: 2, notFound: 3, conflict: 4, unavailable: 5, aborted: 6 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI reports in one line with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Maps an API status to the CLI's exit code. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status >= 500) return EXIT.unavailable;
  return EXIT.usage;
}
