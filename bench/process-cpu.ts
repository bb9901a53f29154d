import { readdirSync, readFileSync } from 'node:fs';

/** The CPU one part of the local platform used over a stretch, in cores (1.0 = one core busy throughout). */
export interface CpuShare {
  readonly part: string;
  readonly cores: number;
}

/** CPU seconds used so far by each part of the platform: this process and every process under it. */
export type CpuSample = { readonly at: number; readonly seconds: ReadonlyMap<string, number> };

/** Linux counts process CPU time in clock ticks of 1/100 s (USER_HZ, fixed at 100 for user space). */
const TICKS_PER_SECOND = 100;

/** What this process is: the bench itself runs the local API gateway, fauxqs and the event sources in-process. */
export const BENCH_PROCESS = 'bench process (client, API gateway, fauxqs, event sources, stream reader)';

interface ProcessStat {
  readonly pid: number;
  readonly parent: number;
  readonly ticks: number;
}

function readStat(pid: number): ProcessStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // gone between the listing and the read
  }
}

/** The part a process plays: its Lambda function's name, DynamoDB Local, or its program's name. */
function partOf(pid: number): string {
  if (pid === process.pid) return BENCH_PROCESS;
  try {
    const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const functionName = environment.find((entry) => entry.startsWith('AWS_LAMBDA_FUNCTION_NAME='));
    if (functionName !== undefined) return `${functionName.slice('AWS_LAMBDA_FUNCTION_NAME='.length)} function`;
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (command.some((arg) => arg.includes('DynamoDBLocal'))) return 'DynamoDB Local (Java)';
    return command[0]?.split('/').pop() ?? 'other';
  } catch {
    return 'other';
  }
}

/** CPU seconds so far of this process and all its descendants, by part; empty where there is no /proc (not Linux). */
export function sampleCpu(): CpuSample {
  const seconds = new Map<string, number>();
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return { at: performance.now(), seconds };
  }
  const stats = pids.flatMap((pid) => readStat(pid) ?? []);
  const children = new Map<number, ProcessStat[]>();
  for (const stat of stats) children.set(stat.parent, [...(children.get(stat.parent) ?? []), stat]);
  const own = stats.find((stat) => stat.pid === process.pid);
  const pending = own === undefined ? [] : [own];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const part = partOf(next.pid);
    seconds.set(part, (seconds.get(part) ?? 0) + next.ticks / TICKS_PER_SECOND);
    pending.push(...(children.get(next.pid) ?? []));
  }
  return { at: performance.now(), seconds };
}

/**
 * The cores each part used between two samples, busiest first. A process that started in
 * between counts from its start; one that ended in between is missed.
 */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuShare[] {
  const wallSeconds = (after.at - before.at) / 1000;
  if (wallSeconds <= 0) return [];
  return [...after.seconds]
    .map(([part, seconds]) => ({ part, cores: Math.max(0, seconds - (before.seconds.get(part) ?? 0)) / wallSeconds }))
    .filter((share) => share.cores >= 0.005)
    .sort((a, b) => b.cores - a.cores);
}
