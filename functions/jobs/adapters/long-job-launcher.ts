import type { Job } from '../domain/job.ts';

/** What a long job's state machine execution starts from: the record holds everything else. */
export interface LongJobExecutionInput {
  readonly jobId: string;
  /** The job's caller, which with the id keys its record. */
  readonly owner: string;
  /** Seconds the execution waits before it marks the job running (the submission's `delaySeconds`). */
  readonly delaySeconds: number;
}

/**
 * Starts the execution of a long-running job (SPEC §6). The execution is named after the job,
 * so starting it twice is harmless: Step Functions refuses or returns the existing one.
 */
export interface LongJobLauncher {
  start(job: Pick<Job, 'jobId' | 'owner'>, delaySeconds: number): Promise<void>;
}

/** Step Functions `StartExecution`; the SDK client loads on the first long job, not at cold start. */
export class StepFunctionsLauncher implements LongJobLauncher {
  private client: Promise<{ start: (input: LongJobExecutionInput) => Promise<void> }> | undefined;

  constructor(private readonly stateMachineArn: string) {}

  private async load() {
    const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
    const sfn = new SFNClient({});
    return {
      start: async (input: LongJobExecutionInput) => {
        try {
          await sfn.send(
            new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: input.jobId, input: JSON.stringify(input) }),
          );
        } catch (error) {
          // An execution of this name exists already: an earlier start of the same job got through.
          if ((error as Error).name === 'ExecutionAlreadyExists') return;
          throw error;
        }
      },
    };
  }

  async start(job: Pick<Job, 'jobId' | 'owner'>, delaySeconds: number): Promise<void> {
    this.client ??= this.load();
    const client = await this.client.catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    await client.start({ jobId: job.jobId, owner: job.owner, delaySeconds });
  }
}
