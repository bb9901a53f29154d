import { DeadLetterQueue, type DeadLetter } from '../../functions/jobs/adapters/dead-letter-queue.ts';
import { lastErrorOf, type Job } from '../../functions/jobs/domain/job.ts';
import { JobRepository, StaleJobError } from '../../functions/jobs/adapters/job-repository.ts';
import { requeueForRedrive } from '../../functions/jobs/domain/lifecycle.ts';
import type { Target } from './target.ts';

/** A dead letter with the job it belongs to (undefined when the record is gone or was never written). */
export interface DeadLetterEntry {
  readonly letter: DeadLetter;
  readonly job: Job | undefined;
}

/**
 * What a redrive can do with a dead letter. `redrive`: its job exists and is `failed`, so a new
 * run starts. `poison`: nothing can run (the body is not a job message, no job record, or the job
 * already finished otherwise): a redrive would only send it back. `pending`: its job is still
 * queued, retrying or running, and the reconciler needs the letter to mark it failed.
 */
export type DeadLetterVerdict =
  { readonly kind: 'redrive' } | { readonly kind: 'poison'; readonly reason: string } | { readonly kind: 'pending' };

export function deadLetterVerdict({ letter, job }: DeadLetterEntry): DeadLetterVerdict {
  if (letter.job === undefined) return { kind: 'poison', reason: 'not a job message' };
  if (job === undefined) return { kind: 'poison', reason: 'no job record' };
  if (job.status === 'failed') return { kind: 'redrive' };
  if (job.status === 'completed' || job.status === 'cancelled') return { kind: 'poison', reason: `job ${job.status}` };
  return { kind: 'pending' };
}

/** Epoch ms the entry's job failed (its letter's send time when the record says nothing). */
export function failedAtOf({ letter, job }: DeadLetterEntry): number {
  return job?.completedAt === undefined ? letter.sentAt : Date.parse(job.completedAt);
}

/** A dead letter as `jobs dlq list --json` prints it and the console shows it. */
export function describeDeadLetter(entry: DeadLetterEntry) {
  const verdict = deadLetterVerdict(entry);
  return {
    jobId: entry.letter.job?.jobId ?? null,
    owner: entry.letter.job?.owner ?? null,
    type: entry.job?.type ?? entry.letter.job?.type ?? null,
    status: entry.job?.status ?? null,
    attempts: entry.job?.attempts ?? null,
    maxAttempts: entry.job?.maxAttempts ?? null,
    run: entry.job?.run ?? null,
    lastError: (entry.job === undefined ? undefined : lastErrorOf(entry.job)) ?? null,
    failedAt: entry.job?.completedAt ?? null,
    messageId: entry.letter.messageId,
    sentAt: new Date(entry.letter.sentAt).toISOString(),
    receiveCount: entry.letter.receiveCount,
    verdict: verdict.kind,
    poison: verdict.kind === 'poison',
    poisonReason: verdict.kind === 'poison' ? verdict.reason : null,
  };
}

/** What a redrive of some dead letters does with each. */
export interface RedrivePlan {
  /** One letter per failed job: sent back, and the job queued for a new run. */
  readonly selected: DeadLetterEntry[];
  /** Further copies of a selected job's message: deleted, so the job runs once. */
  readonly staleCopies: DeadLetterEntry[];
  /** Letters no redrive can run (the reason is in their verdict): left in the DLQ. */
  readonly poison: DeadLetterEntry[];
}

/** Plans the redrive of the `wanted` entries: only a failed job can run again, and only once. */
export function planRedrive(entries: readonly DeadLetterEntry[], wanted: (entry: DeadLetterEntry) => boolean = () => true): RedrivePlan {
  const selected: DeadLetterEntry[] = [];
  const staleCopies: DeadLetterEntry[] = [];
  const chosenJobs = new Set<string>();
  // A poison letter sent back would only come back here.
  const poison = entries.filter((entry) => deadLetterVerdict(entry).kind === 'poison');
  for (const entry of entries) {
    if (deadLetterVerdict(entry).kind !== 'redrive' || !wanted(entry)) continue;
    const jobId = entry.letter.job?.jobId ?? entry.letter.messageId;
    if (chosenJobs.has(jobId)) staleCopies.push(entry);
    else {
      chosenJobs.add(jobId);
      selected.push(entry);
    }
  }
  return { selected, staleCopies, poison };
}

/** The most messages one CLI command reads from the DLQ; a bigger backlog is handled in rounds. */
export const DLQ_READ_LIMIT = 1_000;

/** The DLQ and the job table of a target, read together, as an on-call engineer needs them. */
export class DeadLetters {
  readonly queue: DeadLetterQueue;
  private readonly repository: JobRepository;

  constructor(target: Target) {
    this.queue = new DeadLetterQueue(target.sqs, target.deadLetterQueueUrl, target.queueUrls);
    this.repository = new JobRepository(target.dynamodb, target.tableName);
  }

  /**
   * Reads the DLQ's messages with their jobs. They stay hidden for `holdSeconds` so a command can
   * act on exactly this set; `release` shows them again.
   */
  async read(holdSeconds: number, limit = DLQ_READ_LIMIT): Promise<DeadLetterEntry[]> {
    const letters = await this.queue.peek(limit, holdSeconds);
    return Promise.all(
      letters.map(async (letter) => ({ letter, job: letter.job === undefined ? undefined : await this.repository.get(letter.job) })),
    );
  }

  release(entries: readonly DeadLetterEntry[]): Promise<void> {
    return this.queue.release(entries.map((entry) => entry.letter));
  }

  /** Carries out a plan over the `entries` read: the ones it does not touch become visible again at once. */
  async carryOut(plan: Pick<RedrivePlan, 'selected' | 'staleCopies'> & { readonly entries: readonly DeadLetterEntry[] }): Promise<void> {
    await this.release(plan.entries.filter((entry) => !plan.selected.includes(entry) && !plan.staleCopies.includes(entry)));
    await this.redrive(plan.selected);
    await this.queue.delete(plan.staleCopies.map((entry) => entry.letter));
  }

  /**
   * Sends each entry's message back to the job queue, then moves its failed job to `queued`
   * for a new run (SPEC §3). The message goes first: if the status write is lost, the worker
   * still recognizes the redrive by the message's enqueue time. A job the worker already
   * picked up is left as the worker wrote it.
   */
  async redrive(entries: readonly DeadLetterEntry[]): Promise<void> {
    await this.queue.redrive(entries.map((entry) => entry.letter));
    for (const { job } of entries) {
      if (job?.status !== 'failed') continue;
      try {
        await this.repository.transition(job, requeueForRedrive(job, Date.now()));
      } catch (error) {
        if (!(error instanceof StaleJobError)) throw error;
      }
    }
  }
}
