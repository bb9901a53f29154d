import type { JobResource } from '../../functions/jobs/domain/job.ts';

/** `3m 12s`, `2h 5m`, `4d 1h`: an age a person reads at a glance. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** Parses `--since`: a duration back from now (`90s`, `30m`, `2h`, `7d`) or an ISO-8601 time. */
export function parseSince(value: string, now = Date.now()): number {
  const duration = /^(\d+)(s|m|h|d)$/.exec(value);
  if (duration !== null) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(duration[1]) * unit;
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new Error(`'${value}' is neither a duration (30m, 2h, 7d) nor an ISO-8601 time`);
  return time;
}

/** Left-aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows.reduce<number[]>((max, row) => row.map((cell, index) => Math.max(max[index] ?? 0, cell.length)), []);
  return rows
    .map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  '))
    .join('\n');
}

export function truncate(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}

export function jobLine(job: JobResource): string[] {
  return [job.jobId, job.type, job.status, `${job.attempts}/${job.maxAttempts}`, job.createdAt, truncate(job.lastError?.message ?? '', 60)];
}

/** `[##########----------] 512/1024` */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total <= 0 ? 0 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}
