import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BENCH_PROCESS, cpuBetween, sampleCpu } from '../../../bench/process-cpu.ts';

describe('the bench CPU account', () => {
  it('names a function process by its function and counts the core it kept busy', async () => {
    // Prepare: a child that spins for 400 ms, then waits to be stopped
    const child = spawn(
      process.execPath,
      ['-e', 'const end = Date.now() + 400; while (Date.now() < end); console.log("done"); setInterval(() => {}, 1000);'],
      {
        env: { ...process.env, AWS_LAMBDA_FUNCTION_NAME: 'jobs-test-spinner' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const before = sampleCpu();

    // Act
    await once(child.stdout, 'data');
    const shares = cpuBetween(before, sampleCpu());
    child.kill();

    // Assess
    expect(shares.find((share) => share.part === 'jobs-test-spinner function')?.cores).toBeGreaterThan(0.2);
    expect(shares.map((share) => share.cores)).toEqual([...shares.map((share) => share.cores)].sort((a, b) => b - a));
  });

  it('counts a part first seen in the later sample from zero, and leaves out parts that used no CPU', () => {
    // Prepare
    const before = {
      at: 0,
      seconds: new Map([
        [BENCH_PROCESS, 10],
        ['idle', 3],
      ]),
    };
    const after = {
      at: 2_000,
      seconds: new Map([
        [BENCH_PROCESS, 11],
        ['idle', 3],
        ['DynamoDB Local (Java)', 1.5],
      ]),
    };

    // Act
    const shares = cpuBetween(before, after);

    // Assess
    expect(shares).toEqual([
      { part: 'DynamoDB Local (Java)', cores: 0.75 },
      { part: BENCH_PROCESS, cores: 0.5 },
    ]);
  });
});
