import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { finishedDependenciesOf } from '../../../functions/jobs/adapters/finished-dependencies.ts';
import {
  allDependenciesReleased,
  cancelForFailedDependency,
  dependencyOutcome,
  refsOnCycle,
  releaseWaitingJob,
  releasesDependent,
} from '../../../functions/jobs/domain/dependencies.ts';
import { ValidationError } from '../../../functions/jobs/domain/errors.ts';
import type { JobStatus } from '../../../functions/jobs/domain/job.ts';
import { parseSubmission, submissionHash } from '../../../functions/jobs/domain/submission.ts';
import { FACTORY_NOW, jobFactory } from '../../helpers/job-factory.ts';

const waitingJob = (dependsOn: string[], releasedDependencies: string[] = []) =>
  jobFactory({ status: 'waiting', dependsOn, releasedDependencies, onDependencyFailure: 'cancel' });

describe('dependency outcomes', () => {
  it.each<[JobStatus, 'completed' | 'failed' | undefined]>([
    ['waiting', undefined],
    ['queued', undefined],
    ['running', undefined],
    ['retrying', undefined],
    ['completed', 'completed'],
    ['failed', 'failed'],
    ['cancelled', 'failed'],
  ])('a %s dependency means %s for its waiting jobs', (status, outcome) => {
    expect(dependencyOutcome(status)).toBe(outcome);
  });

  it('lets a waiting job go on after a failed dependency only when its policy is run', () => {
    expect(releasesDependent('failed', 'cancel')).toBe(false);
    expect(releasesDependent('cancelled', 'run')).toBe(true);
    expect(releasesDependent('completed', 'cancel')).toBe(true);
    expect(releasesDependent('running', 'run')).toBe(false);
  });
});

describe('releaseWaitingJob', () => {
  it('queues a waiting job once every dependency released it, its queue wait counted from the release', () => {
    // Prepare
    const job = waitingJob(['a', 'b'], ['a', 'b']);

    // Act
    const released = releaseWaitingJob(job, FACTORY_NOW + 5_000);

    // Assess
    expect(released).toMatchObject({
      status: 'queued',
      runQueuedAt: new Date(FACTORY_NOW + 5_000).toISOString(),
      version: job.version + 1,
    });
  });

  it('keeps the end of a submission delay that is later than the release', () => {
    const later = new Date(FACTORY_NOW + 60_000).toISOString();
    expect(releaseWaitingJob({ ...waitingJob(['a'], ['a']), runQueuedAt: later }, FACTORY_NOW)?.runQueuedAt).toBe(later);
  });

  it('leaves a job with a dependency still to finish, or one no longer waiting, as it is', () => {
    expect(allDependenciesReleased(waitingJob(['a', 'b'], ['b']))).toBe(false);
    expect(releaseWaitingJob(waitingJob(['a', 'b'], ['b']), FACTORY_NOW)).toBeUndefined();
    expect(releaseWaitingJob({ ...waitingJob(['a'], ['a']), status: 'cancelled' }, FACTORY_NOW)).toBeUndefined();
  });
});

describe('cancelForFailedDependency', () => {
  it('cancels a waiting job with the failed dependency as its reason', () => {
    expect(cancelForFailedDependency(waitingJob(['a']), 'a', FACTORY_NOW, 7)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'dependency a failed',
      expiresAt: Math.floor(FACTORY_NOW / 1000) + 7 * 86_400,
    });
  });

  it('leaves a job that no longer waits (released, or cancelled by its caller) alone', () => {
    expect(cancelForFailedDependency({ ...waitingJob(['a']), status: 'queued' }, 'a', FACTORY_NOW, 7)).toBeUndefined();
  });
});

describe('refsOnCycle', () => {
  it('finds no cycle in a diamond', () => {
    const graph = new Map([
      ['a', []],
      ['b', ['a']],
      ['c', ['a']],
      ['d', ['b', 'c']],
    ]);
    expect(refsOnCycle(graph)).toEqual([]);
  });

  it('names the refs of a cycle, and of a ref that waits on itself', () => {
    expect(
      refsOnCycle(
        new Map([
          ['x', ['z']],
          ['y', ['x']],
          ['z', ['y', 'job-id-outside-the-batch']],
        ]),
      ).sort(),
    ).toEqual(['x', 'y', 'z']);
    expect(refsOnCycle(new Map([['self', ['self']]]))).toEqual(['self']);
  });
});

describe('parseSubmission with dependsOn', () => {
  it('takes up to 20 dependencies, cancel by default', () => {
    const submission = parseSubmission({ type: 'echo', payload: {}, dependsOn: ['a', 'b'] });
    expect(submission).toMatchObject({ dependsOn: ['a', 'b'], onDependencyFailure: 'cancel' });
  });

  it.each([
    [{ dependsOn: Array.from({ length: 21 }, (_, index) => `job-${index}`) }, 'dependsOn'],
    [{ dependsOn: ['a', 'a'] }, 'dependsOn'],
    [{ onDependencyFailure: 'run' }, 'onDependencyFailure'],
    [{ dependsOn: ['a'], onDependencyFailure: 'ignore' }, 'onDependencyFailure'],
  ])('refuses %j with a problem at %s', (fields, path) => {
    const parse = () => parseSubmission({ type: 'echo', payload: {}, ...fields });
    expect(parse).toThrow(ValidationError);
    try {
      parse();
    } catch (error) {
      expect((error as ValidationError).details?.map((problem) => problem.path)).toContain(path);
    }
  });

  it('fingerprints a job without dependencies as before, and one with them differently', () => {
    const plain = parseSubmission({ type: 'echo', payload: { n: 1 } });
    const chained = parseSubmission({ type: 'echo', payload: { n: 1 }, dependsOn: ['a'] });
    // What an idempotency key stored before chaining existed remembers for this body.
    const before = createHash('sha256').update('{"delaySeconds":0,"payload":{"n":1},"type":"echo"}').digest('base64url');
    expect(submissionHash(plain)).toBe(before);
    expect(submissionHash(chained)).not.toBe(submissionHash(plain));
  });
});

describe('finishedDependenciesOf', () => {
  const change = (oldStatus: string | undefined, newStatus: string, extra: Record<string, unknown> = {}) => ({
    dynamodb: {
      ...(oldStatus === undefined ? {} : { OldImage: marshall({ status: oldStatus }) as Record<string, AttributeValue> }),
      NewImage: marshall({ pk: 'k#01', sk: 'job-1', owner: 'me', status: newStatus, ...extra }) as Record<string, AttributeValue>,
    },
  });

  it('picks jobs that others wait on and that just finished', () => {
    expect(finishedDependenciesOf([change('running', 'completed', { hasDependents: true })])).toEqual([
      { jobId: 'job-1', owner: 'me', status: 'completed' },
    ]);
    expect(finishedDependenciesOf([change('waiting', 'cancelled', { hasDependents: true })])).toHaveLength(1);
  });

  it('skips jobs nobody waits on, unfinished statuses and writes that kept the status', () => {
    expect(
      finishedDependenciesOf([
        change('running', 'completed'),
        change('running', 'retrying', { hasDependents: true }),
        change('failed', 'failed', { hasDependents: true }),
      ]),
    ).toEqual([]);
  });
});
