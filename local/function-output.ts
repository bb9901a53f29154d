/** Turns a function's Powertools JSON log line into one readable terminal line; EMF documents are skipped. */
export function formatFunctionOutput(line: string, functionName: string): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${functionName} | ${line}`;
  }
  if (typeof entry !== 'object' || entry === null) return `${functionName} | ${line}`;
  if ('_aws' in entry) return undefined;
  const { level, message, timestamp, jobId, type, attempt, outcome, reason, error } = entry as Record<string, unknown>;
  const job =
    jobId === undefined
      ? ''
      : ` job=${String(jobId)}${type === undefined ? '' : ` type=${String(type)}`}${attempt === undefined ? '' : ` attempt=${String(attempt)}`}`;
  const extra = [outcome, reason, typeof error === 'string' ? error : error === undefined ? undefined : JSON.stringify(error)]
    .filter((part) => part !== undefined)
    .map(String)
    .join(' · ');
  const time = typeof timestamp === 'string' ? timestamp.slice(11, 23) : '';
  return `${time} ${String(level ?? 'INFO').padEnd(5)} ${functionName} ${String(message)}${job}${extra === '' ? '' : ` (${extra})`}`;
}
