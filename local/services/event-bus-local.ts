/**
 * A local stand-in for the environment's EventBridge bus: it takes `PutEvents` in the AWS JSON
 * protocol (as the SDK sends it to `AWS_ENDPOINT_URL_EVENTBRIDGE`), keeps every event in memory
 * for `GET /events` of the local API, and appends it to `events.ndjson` so a developer can
 * `tail -f` the bus. Rules and targets are AWS's part: consumers subscribe there.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { RunningService } from './dynamodb-local.ts';

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

export async function startLocalEventBus(options: { file: string; region: string; account: string }): Promise<LocalEventBus> {
  const events: BusEvent[] = [];
  mkdirSync(dirname(options.file), { recursive: true });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return answer(400, { __type: 'UnknownOperationException', message: 'The local bus serves PutEvents only' });
      }
      let entries: PutEventsEntry[];
      try {
        entries = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: PutEventsEntry[] }).Entries ?? [];
      } catch {
        return answer(400, { __type: 'SerializationException', message: 'The request body is not JSON' });
      }
      const results = entries.map((entry) => {
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
        return { EventId: event.id };
      });
      answer(200, { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    events,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
