import type { JobStatus } from '../functions/jobs/domain/job.ts';

/** One submission of the mix and what must become of it. */
export interface MixedJob {
  readonly body: { type: string; payload: Record<string, unknown>; maxAttempts?: number; delaySeconds?: number; callbackUrl?: string };
  readonly kind: MixKind;
  /** The terminal status the job must reach. */
  readonly expectedStatus: Extract<JobStatus, 'completed' | 'failed'>;
  /** Attempts the job runs: once for echo and sleep, failTimes + 1 for flaky, maxAttempts for a job that fails for good. */
  readonly expectedAttempts: number;
}

export type MixKind = 'echo' | 'sleep' | 'flaky-recovers' | 'flaky-fails';

/**
 * The job mix the benchmark and the load tests offer, per 20 jobs: 9 echo, 6 sleep (20-100 ms),
 * 4 flaky that fail once and complete on their 2nd attempt, and 1 flaky that fails for good
 * (maxAttempts 2), so 5% of the jobs end `failed` with their message in the DLQ.
 */
export function mixedJob(index: number): MixedJob {
  const slot = index % 20;
  if (slot === 0) {
    return {
      body: { type: 'flaky', payload: { failTimes: 5, index }, maxAttempts: 2 },
      kind: 'flaky-fails',
      expectedStatus: 'failed',
      expectedAttempts: 2,
    };
  }
  if (slot <= 4) {
    return {
      body: { type: 'flaky', payload: { failTimes: 1, index } },
      kind: 'flaky-recovers',
      expectedStatus: 'completed',
      expectedAttempts: 2,
    };
  }
  if (slot <= 10) {
    // A spread of short waits, deterministic by index: 20, 36, ..., 100 ms.
    return {
      body: { type: 'sleep', payload: { ms: 20 + ((index * 16) % 96), index } },
      kind: 'sleep',
      expectedStatus: 'completed',
      expectedAttempts: 1,
    };
  }
  return echoJob(index);
}

/** An `echo` job: runs once and succeeds (the benchmark's log-size run offers only these). */
export function echoJob(index: number): MixedJob {
  return { body: { type: 'echo', payload: { index, note: 'load' } }, kind: 'echo', expectedStatus: 'completed', expectedAttempts: 1 };
}

/** An `echo` job whose end is POSTed to `callbackUrl` (the webhook cost row). */
export function echoJobWithWebhook(callbackUrl: string): (index: number) => MixedJob {
  return (index) => {
    const job = echoJob(index);
    return { ...job, body: { ...job.body, callbackUrl } };
  };
}

/** An `echo` job due in 16 minutes: past SQS's 15-minute delay, so it waits on a one-time EventBridge Scheduler schedule. */
export function scheduledEchoJob(index: number): MixedJob {
  const job = echoJob(index);
  return { ...job, body: { ...job.body, delaySeconds: 16 * 60 } };
}

/** The first `count` jobs of the mix. */
export function jobMix(count: number): MixedJob[] {
  return Array.from({ length: count }, (_, index) => mixedJob(index));
}
