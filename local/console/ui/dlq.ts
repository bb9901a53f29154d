import { useState } from 'preact/hooks';
import { getJson, postJson, type ConsoleConfig, type DeadLetterGroup, type DeadLetterPage, type MoveTask } from './api.ts';
import { age, truncate } from './format.ts';
import { html } from './html.ts';
import { Link, usePolling } from './router.ts';
import { jobHref, StatusBadge } from './jobs.ts';

/** A running move task is followed this often. */
const TASK_POLL_MS = 1_000;

function Groups({ title, groups, select }: { title: string; groups: DeadLetterGroup[]; select: (ids: readonly string[]) => void }) {
  return html`<div class="group">
    <h3>${title}</h3>
    <table>
      <tbody>
        ${groups.map(
          (group) =>
            html`<tr>
              <td class="number">${group.count}</td>
              <td class="error-text">${truncate(group.key, 100)}</td>
              <td><button class="small" onClick=${() => select(group.messageIds)}>select</button></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function MoveTasks({ name }: { name: string }) {
  const { value } = usePolling(() => getJson<MoveTask[]>(`/dlq/${name}/move-tasks`), TASK_POLL_MS, [name]);
  const task = value?.[0];
  if (task === undefined) return html`<p class="muted">No redrive of this DLQ yet.</p>`;
  return html`<p data-testid="move-task">
    Latest "Redrive all": <strong>${task.status}</strong>, ${task.moved}${task.toMove === null ? '' : ` of ${task.toMove}`} messages moved
    ${task.toMove ? html` <progress max=${task.toMove} value=${task.moved}></progress>` : ''}
    ${task.failureReason === null ? '' : html` <span class="error">${task.failureReason}</span>`}
  </p>`;
}

function Purge({ name, done }: { name: string; done: (message: string) => void }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  if (!open) return html`<button class="danger" onClick=${() => setOpen(true)}>Purge…</button>`;
  const purge = () =>
    postJson(`/dlq/${name}/purge`, { confirm: typed }).then(
      () => done(`Purged ${name}.`),
      (error: Error) => done(error.message),
    );
  return html`<span class="confirm">
    Deletes every message of the DLQ; nothing can bring them back. Type <strong class="mono">${name}</strong> to confirm:
    <input
      data-testid="purge-confirm"
      value=${typed}
      onInput=${(event: InputEvent) => setTyped((event.target as HTMLInputElement).value)}
    />
    <button class="danger" disabled=${typed !== name} onClick=${purge}>Purge</button>
    <button onClick=${() => setOpen(false)}>Cancel</button>
  </span>`;
}

/**
 * One DLQ, a page at a time (SQS can only be read forward: the pages read stay hidden for a few
 * minutes), grouped by job type and by error, with "Redrive selected", "Redrive all" and purge.
 */
export function DeadLetters({ config }: { config: ConsoleConfig }) {
  const [queue, setQueue] = useState(config.deadLetterQueues[0] ?? '');
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<string | undefined>();
  const { value, error, reload } = usePolling(() => getJson<DeadLetterPage>(`/dlq/${queue}`, { page: String(page) }), undefined, [
    queue,
    page,
  ]);
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const after = (message: string) => {
    setNotice(message);
    setSelected(new Set());
    setPage(0);
    reload();
  };
  const redriveSelected = () =>
    postJson<{ redriven: string[]; skipped: number; notFound: number }>(`/dlq/${queue}/redrive`, { messageIds: [...selected] }).then(
      (result) =>
        after(
          `Redrove ${result.redriven.length} job(s)${result.skipped > 0 ? `; ${result.skipped} letter(s) cannot run again and stay` : ''}${result.notFound > 0 ? `; ${result.notFound} no longer held (refresh)` : ''}.`,
        ),
      (failure: Error) => setNotice(failure.message),
    );
  const redriveAll = () =>
    postJson(`/dlq/${queue}/redrive-all`).then(
      () => after('Started a message move task: every message goes back to the queue it came from.'),
      (failure: Error) => setNotice(failure.message),
    );
  const refresh = () =>
    postJson(`/dlq/${queue}/refresh`).then(
      () => after('Read the DLQ again from the start.'),
      (failure: Error) => setNotice(failure.message),
    );
  const rows = value?.rows ?? [];
  return html`<section>
    <h2>Dead-letter queue</h2>
    ${
      config.deadLetterQueues.length > 1
        ? html`<p>
            ${config.deadLetterQueues.map((name) => html`<button class=${name === queue ? 'active' : ''} onClick=${() => (setQueue(name), setPage(0))}>${name}</button> `)}
          </p>`
        : html`<p class="mono">${queue}</p>`
    }
    <${MoveTasks} name=${queue} />
    <div class="actions">
      ${
        config.writable
          ? html`<button data-testid="redrive-selected" disabled=${selected.size === 0} onClick=${redriveSelected}>
                Redrive selected (${selected.size})
              </button>
              <button onClick=${redriveAll}>Redrive all</button>
              <${Purge} name=${queue} done=${after} />`
          : html`<span class="muted">read-only: start the console with --allow-writes to redrive or purge</span>`
      }
      <button onClick=${refresh}>Refresh</button>
    </div>
    ${notice === undefined ? '' : html`<p class="notice" data-testid="notice">${notice}</p>`}
    ${error === undefined ? '' : html`<p class="error">${error}</p>`}
    ${
      value === undefined
        ? html`<p>Loading…</p>`
        : html`<div class="columns">
            <${Groups}
              title=${`By job type (${value.read} read)`}
              groups=${value.groups.byType}
              select=${(ids: readonly string[]) => setSelected(new Set(ids))}
            />
            <${Groups}
              title=${`By error (${value.read} read)`}
              groups=${value.groups.byError}
              select=${(ids: readonly string[]) => setSelected(new Set(ids))}
            />
          </div>`
    }
    <table data-testid="dead-letters">
      <thead>
        <tr>
          <th></th>
          <th>job</th>
          <th>type</th>
          <th>status</th>
          <th>attempts</th>
          <th>age</th>
          <th>redrive</th>
          <th>last error</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (row) =>
            html`<tr data-job=${row.jobId ?? ''}>
              <td><input type="checkbox" checked=${selected.has(row.messageId)} onChange=${() => toggle(row.messageId)} /></td>
              <td class="mono">
                ${row.jobId !== null && row.owner !== null ? html`<${Link} href=${jobHref(row.jobId, row.owner)}>${row.jobId}<//>` : `(message ${row.messageId})`}
              </td>
              <td>${row.type ?? '?'}</td>
              <td>${row.status === null ? 'no record' : html`<${StatusBadge} status=${row.status} />`}</td>
              <td class="number">${row.attempts === null ? '–' : `${row.attempts}/${row.maxAttempts}`}</td>
              <td class="number">${age(row.ageSeconds)}</td>
              <td>
                ${row.verdict === 'redrive' ? 'runs again' : row.verdict === 'poison' ? `poison: ${row.poisonReason}` : 'awaiting reconciler'}
              </td>
              <td class="error-text">${truncate(row.lastError?.message ?? '', 90)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${value !== undefined && rows.length === 0 ? html`<p class="muted">No messages on this page.</p>` : ''}
    <div class="pager">
      <button disabled=${page === 0} onClick=${() => setPage(page - 1)}>← previous</button>
      <span>page ${page + 1}</span>
      <button disabled=${!value?.more} onClick=${() => setPage(page + 1)}>next →</button>
    </div>
  </section>`;
}
