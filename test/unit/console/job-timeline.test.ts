import { describe, expect, it } from 'vitest';
import { errorsByRun, jobTimeline } from '../../../local/console/job-timeline.ts';
import { jobFactory } from '../../helpers/job-factory.ts';

describe('the job page timeline', () => {
  it('tells a redriven job oldest first: submission, the failed run, the redrive, the new attempt and the end', () => {
    // Prepare
    const job = jobFactory({
      status: 'completed',
      run: 2,
      attempts: 1,
      createdAt: '2030-01-01T00:00:00.000Z',
      runQueuedAt: '2030-01-01T00:10:00.000Z',
      startedAt: '2030-01-01T00:10:01.000Z',
      completedAt: '2030-01-01T00:10:02.000Z',
      errorHistory: [
        { message: 'SMTP refused', attempt: 1, at: '2030-01-01T00:00:01.000Z', run: 1 },
        { message: 'SMTP refused again', attempt: 2, at: '2030-01-01T00:00:05.000Z', run: 1 },
      ],
    });

    // Act
    const timeline = jobTimeline(job);
    const runs = errorsByRun(job);

    // Assess
    expect(timeline.map((entry) => [entry.run, entry.event])).toEqual([
      [1, 'submitted'],
      [1, 'attempt 1 failed'],
      [1, 'attempt 2 failed'],
      [2, 'redriven: run 2 queued'],
      [2, 'attempt 1 started'],
      [2, 'completed'],
    ]);
    expect(timeline[1]?.detail).toBe('SMTP refused');
    expect(runs.map((run) => [run.run, run.errors.length])).toEqual([
      [1, 2],
      [2, 0],
    ]);
  });

  it('shows when a retrying job tries next', () => {
    // Prepare
    const job = jobFactory({
      status: 'retrying',
      attempts: 1,
      startedAt: '2030-01-01T00:00:01.000Z',
      nextAttemptAt: '2030-01-01T00:00:09.000Z',
      errorHistory: [{ message: 'timeout', attempt: 1, at: '2030-01-01T00:00:04.000Z', run: 1 }],
    });

    // Act
    const events = jobTimeline(job).map((entry) => entry.event);

    // Assess
    expect(events).toEqual(['submitted', 'attempt 1 started', 'attempt 1 failed', 'attempt 2 due']);
  });
});
