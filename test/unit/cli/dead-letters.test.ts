import { describe, expect, it } from 'vitest';
import { planRedrive, type DeadLetterEntry } from '../../../local/cli/dead-letters.ts';
import type { Job } from '../../../functions/jobs/domain/job.ts';
import { jobFactory } from '../../helpers/job-factory.ts';

let messages = 0;
function letterOf(job: Job | undefined, body?: string): DeadLetterEntry {
  messages += 1;
  return {
    letter: {
      messageId: `m${messages}`,
      receiptHandle: `r${messages}`,
      body: body ?? '{}',
      job: job === undefined ? undefined : { jobId: job.jobId, owner: job.owner, type: job.type },
      sentAt: 0,
      receiveCount: 1,
    },
    job,
  };
}

describe('planning a DLQ redrive (the CLI and the console alike)', () => {
  it('sends one copy per failed job back, drops its other copies, and leaves poison and pending letters alone', () => {
    // Prepare
    const failed = jobFactory({ status: 'failed' });
    const first = letterOf(failed);
    const copy = letterOf(failed);
    const completed = letterOf(jobFactory({ status: 'completed' }));
    const running = letterOf(jobFactory({ status: 'running' }));
    const garbage = letterOf(undefined, 'not a job');

    // Act
    const plan = planRedrive([first, copy, completed, running, garbage]);

    // Assess
    expect(plan.selected).toEqual([first]);
    expect(plan.staleCopies).toEqual([copy]);
    expect(plan.poison).toEqual([completed, garbage]);
  });

  it('selects only the letters the filter wants', () => {
    // Prepare
    const email = letterOf(jobFactory({ status: 'failed', type: 'email' }));
    const echo = letterOf(jobFactory({ status: 'failed', type: 'echo' }));

    // Act
    const plan = planRedrive([email, echo], (entry) => entry.job?.type === 'email');

    // Assess
    expect(plan.selected).toEqual([email]);
    expect(plan.staleCopies).toEqual([]);
  });
});
