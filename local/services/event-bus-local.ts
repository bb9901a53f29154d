/**
 * A local stand-in for the environment's EventBridge bus: it takes `PutEvents` in the AWS JSON
 * protocol (as the SDK sends it to `AWS_ENDPOINT_URL_EVENTBRIDGE`), keeps every event in memory
 * for `GET /events` of the local API, and appends it to `events.ndjson` so a developer can
 * `tail -f` the bus. Rules and targets are AWS's part: consumers subscribe there.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AwsJsonError, startAwsJsonServer } from './aws-json-server.ts';
import type { RunningService } from './dynamodb-local.ts';
import { matchesEventPattern, type EventPattern } from './event-pattern.ts';

/** An event as EventBridge delivers it to a rule's target. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: unknown;
}

interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Time?: number | string;
}

/** The events the bus holds in memory at most, about 60 MB (the file keeps all). */
const KEPT_EVENTS = 100_000;

export interface LocalEventBus extends RunningService {
  /** Every event put on the bus so far (the latest 100,000), oldest first. */
  readonly events: readonly BusEvent[];
}

/** A rule of the bus: events matching its pattern go to its target, as an EventBridge rule's do. */
export interface LocalBusRule {
  readonly pattern: EventPattern;
  /** Delivers one matched event (for the webhook rule: sends it to the deliveries' queue). */
  readonly target: (event: BusEvent) => Promise<void>;
}

export async function startLocalEventBus(options: {
  file: string;
  region: string;
  account: string;
  rules?: readonly LocalBusRule[];
  /** Receives a target's failure (EventBridge would retry it, then dead-letter it). */
  onError?: (error: unknown) => void;
}): Promise<LocalEventBus> {
  const events: BusEvent[] = [];
  mkdirSync(dirname(options.file), { recursive: true });
  const service = await startAwsJsonServer(async (target, request) => {
    if (target !== 'AWSEvents.PutEvents') throw new AwsJsonError('UnknownOperationException', 'The local bus serves PutEvents only');
    const entries = (request as { Entries?: PutEventsEntry[] }).Entries ?? [];
    const results = await Promise.all(
      entries.map(async (entry) => {
        let detail: unknown;
        try {
          detail = JSON.parse(entry.Detail ?? '');
        } catch {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON.' };
        }
        const time = entry.Time === undefined ? new Date() : new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time);
        const event: BusEvent = {
          version: '0',
          id: randomUUID(),
          'detail-type': entry.DetailType ?? '',
          source: entry.Source ?? '',
          account: options.account,
          time: time.toISOString(),
          region: options.region,
          resources: [],
          detail,
        };
        events.push(event);
        if (events.length > KEPT_EVENTS) events.shift();
        appendFileSync(options.file, `${JSON.stringify(event)}\n`);
        // EventBridge retries a target for 24 h; here an entry whose target failed is reported
        // failed, so the events function retries its batch and nothing is lost.
        try {
          await Promise.all(
            (options.rules ?? []).filter((rule) => matchesEventPattern(rule.pattern, event)).map((rule) => rule.target(event)),
          );
        } catch (error) {
          options.onError?.(error);
          return { ErrorCode: 'InternalException', ErrorMessage: `A rule's target failed: ${String(error)}` };
        }
        return { EventId: event.id };
      }),
    );
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  });
  return { ...service, events };
}
