import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LocalFunctionSpec } from './function-environment.ts';

export type HostRequest = { id: string; event: unknown; timeoutMs: number; requestId?: string };
export type HostReply =
  { ready: true } | { ready: false; error: string } | { id: string; ok: true; result: unknown } | { id: string; ok: false; error: string };

/** The invocation did not return: the function threw, timed out or its process died. */
export class InvocationError extends Error {
  constructor(
    message: string,
    readonly reason: 'error' | 'timeout' | 'crash',
  ) {
    super(message);
    this.name = 'InvocationError';
  }
}

export interface FunctionProcessOptions {
  readonly name: string;
  /** Absolute path of the handler module (exports `handler`). */
  readonly modulePath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutSeconds: number;
  /** Receives every line the function writes to stdout or stderr (its logs and EMF metrics). */
  readonly onOutput: (line: string, functionName: string) => void;
}

const hostPath = fileURLToPath(new URL('./function-host.ts', import.meta.url));

/**
 * One local Lambda execution environment in its own Node process, so a handler that crashes
 * or hangs takes down only its environment, as in AWS. Started lazily; killed on timeout.
 */
export class FunctionProcess {
  private child: ChildProcess | undefined;
  /** The process being started: `stop` ends it at once rather than waiting for its handler to load. */
  private forked: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private readonly pending = new Map<
    string,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(private readonly options: FunctionProcessOptions) {}

  /** An execution environment of a declared function (`localFunctionSpec`), with local-only variables added. */
  static fromSpec(
    spec: LocalFunctionSpec,
    onOutput: FunctionProcessOptions['onOutput'],
    extraEnv: NodeJS.ProcessEnv = {},
  ): FunctionProcess {
    return new FunctionProcess({
      name: spec.name,
      modulePath: spec.modulePath,
      env: { ...spec.env, ...extraEnv },
      timeoutSeconds: spec.timeoutSeconds,
      onOutput,
    });
  }

  private start(): Promise<ChildProcess> {
    this.starting ??= new Promise<ChildProcess>((resolve, reject) => {
      const child = fork(hostPath, [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...this.options.env,
          LOCAL_HANDLER_MODULE: this.options.modulePath,
          // What Lambda sets in every execution environment (Powertools reads them, e.g. for ColdStart).
          AWS_LAMBDA_FUNCTION_NAME: this.options.name,
          AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      this.forked = child;
      for (const stream of [child.stdout, child.stderr]) {
        if (stream !== null) createInterface({ input: stream }).on('line', (line) => this.options.onOutput(line, this.options.name));
      }
      child.on('message', (reply: HostReply) => {
        if ('ready' in reply) {
          if (reply.ready) resolve(child);
          else reject(new Error(`${this.options.name} failed to start: ${reply.error}`));
          return;
        }
        const waiter = this.pending.get(reply.id);
        if (waiter === undefined) return;
        this.pending.delete(reply.id);
        clearTimeout(waiter.timer);
        if (reply.ok) waiter.resolve(reply.result);
        else waiter.reject(new InvocationError(reply.error, 'error'));
      });
      child.on('exit', (code, signal) => {
        reject(new Error(`${this.options.name} exited during start (code ${code}, signal ${signal})`));
        this.forget(child, new InvocationError(`${this.options.name} process exited (code ${code}, signal ${signal})`, 'crash'));
      });
    });
    const starting = this.starting;
    starting.then(
      (child) => {
        this.child = child;
      },
      () => {
        if (this.starting === starting) this.starting = undefined;
      },
    );
    return starting;
  }

  private forget(child: ChildProcess, error: InvocationError): void {
    if (this.child !== undefined && this.child !== child) return;
    this.child = undefined;
    this.starting = undefined;
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
      this.pending.delete(id);
    }
  }

  /** Runs one invocation; a timeout kills the environment, like Lambda's. */
  async invoke<T>(event: unknown): Promise<T> {
    const child = await this.start();
    const id = randomUUID();
    const timeoutMs = this.options.timeoutSeconds * 1000;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new InvocationError(`${this.options.name} timed out after ${this.options.timeoutSeconds} s`, 'timeout'));
        child.kill('SIGKILL');
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      // The environment may have died since it was started (killed, crashed): its channel is
      // closed, and the invocation fails as a crash instead of throwing out of the runtime.
      child.send({ id, event, timeoutMs } satisfies HostRequest, (error) => {
        if (error === null || !this.pending.has(id)) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new InvocationError(`${this.options.name} could not be invoked: ${error.message}`, 'crash'));
      });
    });
  }

  /** Starts the environment ahead of the first invocation (a provisioned cold start). */
  async warm(): Promise<void> {
    await this.start();
  }

  async stop(): Promise<void> {
    const child = this.child ?? this.forked;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
