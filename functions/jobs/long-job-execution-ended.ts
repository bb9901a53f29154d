import { markFailed, type LongJobStepDependencies, type MarkFailedResult } from './long-job-steps.ts';

/** How a Step Functions execution can end without the state machine's own MarkFailed having run. */
export type EndedExecutionStatus = 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/**
 * The `detail` of EventBridge's "Step Functions Execution Status Change" event, as far as it is
 * read here (Step Functions user guide, "Automating Step Functions event delivery with EventBridge").
 */
export interface ExecutionStatusChange {
  /** The execution's name: the job's id (the launcher names executions after their jobs). */
  readonly name: string;
  readonly status: string;
  /** The execution's input as JSON text: `{jobId, owner, delaySeconds}` (LongJobExecutionInput). */
  readonly input?: string | null;
  readonly error?: string | null;
  readonly cause?: string | null;
}

/** The job's caller, from the execution's input. */
function ownerOf(input: string | null | undefined): string | undefined {
  try {
    const { owner } = JSON.parse(input ?? '{}') as { owner?: unknown };
    return typeof owner === 'string' && owner !== '' ? owner : undefined;
  } catch {
    return undefined;
  }
}

const ENDED: readonly string[] = ['FAILED', 'TIMED_OUT', 'ABORTED'] satisfies EndedExecutionStatus[];

/**
 * An execution stopped, timed out or failed outside the state machine's Catch (or MarkFailed
 * itself failed): the job becomes failed with the reason, unless it already finished. Safe to
 * receive twice, and for executions whose own MarkFailed already ran.
 */
export async function failEndedExecution(dependencies: LongJobStepDependencies, detail: ExecutionStatusChange): Promise<MarkFailedResult> {
  if (!ENDED.includes(detail.status)) return { status: 'ignored', failedNow: false };
  const reason = `the Step Functions execution ended ${detail.status} before the job finished`;
  const owner = ownerOf(detail.input);
  if (owner === undefined) return { status: 'no owner in the execution input', failedNow: false };
  return markFailed(dependencies, {
    jobId: detail.name,
    owner,
    error: {
      Error: `Execution${detail.status}`,
      Cause: detail.error || detail.cause ? `${reason}: ${[detail.error, detail.cause].filter(Boolean).join(': ')}` : reason,
    },
  });
}
