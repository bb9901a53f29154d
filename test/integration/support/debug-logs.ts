/**
 * Function variables for platforms whose tests count each job's completion line: the worker
 * logs a completed job at DEBUG only (logs are billed per byte), so these tests turn it on.
 */
export const COUNTED_COMPLETIONS_ENV = { POWERTOOLS_LOG_LEVEL: 'DEBUG' } as const;
