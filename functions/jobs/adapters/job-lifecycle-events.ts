import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { toJobResource, type JobResource, type JobStatus } from '../domain/job.ts';
import { chunksOf } from './chunks.ts';
import { statusOf, type ItemChange } from './job-counts.ts';
import { jobFromItem } from './job-repository.ts';

/** The `source` of every lifecycle event, for EventBridge rules to match on. */
export const JOB_EVENT_SOURCE = 'job-platform';

/** The statuses that make an event, and its `detail-type`. */
export const JOB_EVENT_TYPES: Partial<Record<JobStatus, string>> = {
  retrying: 'Job Retrying',
  completed: 'Job Completed',
  failed: 'Job Failed',
  cancelled: 'Job Cancelled',
};

/**
 * The events the webhook rule sends to the deliverer's queue (SPEC §11): every terminal status of
 * a job that has a `callbackUrl`, `retrying` not included. An EventBridge event pattern, so the
 * CDK rule and the local bus (local/services/event-pattern.ts) match the same events.
 */
export const WEBHOOK_EVENT_PATTERN = {
  source: [JOB_EVENT_SOURCE],
  'detail-type': [JOB_EVENT_TYPES.completed, JOB_EVENT_TYPES.failed, JOB_EVENT_TYPES.cancelled] as string[],
  detail: { callbackUrl: [{ exists: true }] },
} as const;

/**
 * What an event carries: the job resource without its payload (consumers dedupe on jobId +
 * status + run), its caller, and its `callbackUrl` when it has one, for the webhook rule to match on.
 */
export type JobEventDetail = Omit<JobResource, 'payload'> & { readonly owner: string; readonly callbackUrl?: string };

export interface JobLifecycleEvent {
  readonly detailType: string;
  readonly detail: JobEventDetail;
}

/**
 * The lifecycle events of a run of table changes: one per job item whose status changed to
 * `retrying`, `completed`, `failed` or `cancelled`. Read from the stream, every committed
 * transition makes its event whichever function wrote it, and none is made for a write that failed.
 */
export function lifecycleEventsOf(changes: readonly ItemChange[]): JobLifecycleEvent[] {
  return changes.flatMap((change) => {
    const after = change.dynamodb?.NewImage;
    const status = statusOf(after);
    const detailType = status === undefined ? undefined : JOB_EVENT_TYPES[status];
    if (after === undefined || detailType === undefined || statusOf(change.dynamodb?.OldImage) === status) return [];
    // The event leaves the payload out, so its JSON is never parsed.
    const { payloadJson: _inline, ...item } = unmarshall(after as Record<string, AttributeValue>);
    const { payload: _payload, ...resource } = toJobResource(jobFromItem(item, '{}'));
    const callbackUrl = resource.callback?.url;
    return [{ detailType, detail: { ...resource, owner: item.owner as string, ...(callbackUrl === undefined ? {} : { callbackUrl }) } }];
  });
}

/** PutEvents takes 10 entries per request. */
const PUT_EVENTS_MAX = 10;

/**
 * Puts events on the bus, ten to a request; throws when EventBridge refused any, so the stream
 * batch is retried (at least once: a consumer may see an event twice, never miss one).
 */
export async function publishLifecycleEvents(
  client: EventBridgeClient,
  busName: string,
  events: readonly JobLifecycleEvent[],
): Promise<void> {
  const entries: PutEventsRequestEntry[] = events.map(({ detailType, detail }) => ({
    EventBusName: busName,
    Source: JOB_EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    Time: new Date(detail.updatedAt),
  }));
  const results = await Promise.all(
    chunksOf(entries, PUT_EVENTS_MAX).map((chunk) => client.send(new PutEventsCommand({ Entries: chunk }))),
  );
  const failed = results.reduce((sum, result) => sum + (result.FailedEntryCount ?? 0), 0);
  if (failed > 0) throw new Error(`EventBridge refused ${failed} of ${entries.length} lifecycle events; the batch is retried`);
}
