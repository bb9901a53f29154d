import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../functions/jobs/domain/job.ts';
import { lifecycleEventsOf, publishLifecycleEvents } from '../../../functions/jobs/adapters/job-lifecycle-events.ts';
import type { ItemChange } from '../../../functions/jobs/adapters/job-counts.ts';
import { toItem } from '../../../functions/jobs/adapters/job-repository.ts';
import { jobFactory } from '../../helpers/job-factory.ts';

/** A stream record of a job item going from `before` to `after` (undefined: inserted or deleted). */
function change(before: JobStatus | undefined, after: JobStatus | undefined): ItemChange {
  const image = (status: JobStatus | undefined) =>
    status === undefined ? undefined : (marshall(toItem(jobFactory({ jobId: 'job-1', status })), { removeUndefinedValues: true }) as never);
  return {
    dynamodb: { ...(before === undefined ? {} : { OldImage: image(before) }), ...(after === undefined ? {} : { NewImage: image(after) }) },
  };
}

describe('lifecycleEventsOf', () => {
  it('makes one event per change into retrying, completed, failed or cancelled, and none for any other change', () => {
    // Act
    const events = lifecycleEventsOf([
      change(undefined, 'queued'),
      change('queued', 'running'),
      change('running', 'retrying'),
      change('running', 'completed'),
      change('running', 'failed'),
      change('queued', 'cancelled'),
      change('completed', 'completed'),
      change('completed', undefined),
    ]);

    // Assess
    expect(events.map((event) => event.detailType)).toEqual(['Job Retrying', 'Job Completed', 'Job Failed', 'Job Cancelled']);
    expect(events[1]?.detail).toMatchObject({ jobId: 'job-1', status: 'completed' });
    expect(events[1]?.detail).not.toHaveProperty('payload');
  });
});

describe('publishLifecycleEvents', () => {
  it('throws when EventBridge refuses an entry, so the stream batch is retried', async () => {
    // Prepare
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const events = lifecycleEventsOf([change('running', 'completed')]);

    // Act
    const published = publishLifecycleEvents(new EventBridgeClient({ region: 'us-east-1' }), 'jobs-test-events', events);

    // Assess
    await expect(published).rejects.toThrow(/refused 1 of 1/);
    eventBridge.restore();
  });
});
