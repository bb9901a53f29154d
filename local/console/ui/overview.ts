import { getJson, type QueueFigures, type QueuesFigures } from './api.ts';
import { age } from './format.ts';
import { html } from './html.ts';
import { Link, usePolling } from './router.ts';

/** Seconds between two reads of the queue figures. */
const REFRESH_MS = 5_000;

function QueueRow({ figures, kind }: { figures: QueueFigures; kind: 'queue' | 'DLQ' }) {
  const alarm = kind === 'DLQ' && figures.depth + figures.inFlight > 0;
  return html`<tr class=${alarm ? 'alarm' : ''} data-testid=${`queue-${figures.name}`}>
    <td>${kind === 'DLQ' ? html`<${Link} href="/console/dlq">${figures.name}<//>` : figures.name}</td>
    <td>${kind}</td>
    <td class="number" data-testid="depth">${figures.depth}</td>
    <td class="number">${figures.inFlight}</td>
    <td class="number">${figures.delayed}</td>
    <td class="number">${age(figures.oldestMessageAgeSeconds)}</td>
  </tr>`;
}

/** Queue depth, in-flight count, DLQ depth and the oldest message's age of every queue, read again every 5 s. */
export function Overview() {
  const { value, error, at } = usePolling(() => getJson<QueuesFigures>('/overview'), REFRESH_MS, []);
  return html`<section>
    <h2>Overview</h2>
    <p class="muted">
      Approximate figures, as SQS reports them; refreshed every ${REFRESH_MS / 1000}
      s${at === undefined ? '' : ` (last ${at.toLocaleTimeString()})`}.
      ${error === undefined ? '' : html`<span class="error">${error}</span>`}
    </p>
    <table>
      <thead>
        <tr>
          <th>queue</th>
          <th></th>
          <th>depth</th>
          <th>in flight</th>
          <th>delayed</th>
          <th>oldest message</th>
        </tr>
      </thead>
      <tbody>
        ${(value?.jobQueues ?? []).map((figures) => html`<${QueueRow} figures=${figures} kind="queue" />`)}
        ${(value?.deadLetterQueues ?? []).map((figures) => html`<${QueueRow} figures=${figures} kind="DLQ" />`)}
      </tbody>
    </table>
  </section>`;
}
