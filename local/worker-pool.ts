import type { FunctionProcess } from './function-process.ts';

/**
 * The worker function's execution environments, shared by all of its event source mappings as
 * Lambda shares a function's environments: a batch of any queue runs in an idle environment,
 * the most recently used first, so a level that was idle finds a warm one instead of paying a
 * cold start. Each mapping caps its own batches in flight, and the pool holds as many
 * environments as all of their caps together, so a batch never waits for one.
 */
export class WorkerPool {
  /** Idle environments; the last one is the most recently used (the warmest). */
  private readonly idle: FunctionProcess[];

  constructor(readonly environments: readonly FunctionProcess[]) {
    // The first environment is the one the platform warms at its start: handed out first.
    this.idle = [...environments].reverse();
  }

  async invoke<T>(event: unknown): Promise<T> {
    const environment = this.idle.pop();
    if (environment === undefined) throw new Error('No idle worker environment: the mappings asked for more batches than their caps allow');
    try {
      return await environment.invoke<T>(event);
    } finally {
      this.idle.push(environment);
    }
  }
}
