import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventually } from './support/api-client.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Parent pid of every live process (Linux /proc; zombies count as gone). */
async function processTable(): Promise<Map<number, number>> {
  const table = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') table.set(Number(entry), Number(parent));
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

/** Every descendant of `pid` alive now. */
async function descendants(pid: number): Promise<number[]> {
  const table = await processTable();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [child, of] of table) {
      if (of === parent) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

async function alive(pids: readonly number[]): Promise<number[]> {
  const table = await processTable();
  return pids.filter((pid) => table.has(pid));
}

async function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// The two signals run side by side, each with its own platform, ports and state directory.
describe('npm start stopped by a signal', () => {
  it.concurrent.each(['SIGTERM', 'SIGHUP'] as const)(
    'leaves no listener and no child process 5 s after %s to the npm process',
    async (signal) => {
      // Prepare
      const dataDir = await mkdtemp(join(tmpdir(), 'jobs-stop-'));
      const npm = spawn('npm', ['start', '--', '--data-dir', dataDir], {
        cwd: root,
        env: { ...process.env, PORT: '0', DYNAMODB_PORT: '0', SQS_PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let children: number[] = [];
      try {
        let output = '';
        npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        await eventually('the banner', async () => (output.includes('Job platform running locally') ? true : undefined), 60_000);
        const urls = [...output.matchAll(/(?:API|DynamoDB|SQS) +(http:\/\/[\d.]+:\d+)/g)].map((match) => match[1] as string);
        expect(urls).toHaveLength(3);
        const pid = npm.pid as number;
        children = await descendants(pid);
        expect(children.length).toBeGreaterThan(2);

        // Act
        process.kill(pid, signal);
        await sleep(5_000);

        // Assess
        expect(await alive(children)).toEqual([]);
        for (const url of urls) expect(await listening(url), url).toBe(false);
      } finally {
        // What a failing run left behind, by pid: re-parented children are no longer npm's descendants.
        for (const pid of await alive(children)) process.kill(pid, 'SIGKILL');
        npm.kill('SIGKILL');
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
