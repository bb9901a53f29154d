import { readdir, readFile } from 'node:fs/promises';

/**
 * Process ids of this process's children that run the local function `functionName` (the
 * local runtime gives each execution environment AWS_LAMBDA_FUNCTION_NAME, as Lambda does).
 * Reads /proc, so it works on Linux only, which is what CI runs on.
 */
export async function functionProcessIds(functionName: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; the command name (field 2) may hold spaces, so split after it.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      const environ = await readFile(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').includes(`AWS_LAMBDA_FUNCTION_NAME=${functionName}`)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
