import { useState } from 'preact/hooks';
import { getJson, type ConsoleConfig, type JobsPage } from './api.ts';
import { time, truncate } from './format.ts';
import { html } from './html.ts';
import { Link, navigate, usePolling, type Route } from './router.ts';

export function jobHref(jobId: string, owner: string): string {
  return `/console/jobs/${encodeURIComponent(jobId)}?caller=${encodeURIComponent(owner)}`;
}

export function StatusBadge({ status }: { status: string }) {
  return html`<span class=${`status status-${status}`} data-testid="status">${status}</span>`;
}

/**
 * A caller's jobs, newest first, filtered by status and type, a page at a time. Jobs are kept
 * per caller (sharded keys), so the caller is part of the filter: there is no "every job" page.
 */
export function Jobs({ config, route }: { config: ConsoleConfig; route: Route }) {
  const caller = route.query.get('caller') ?? config.defaultCaller ?? '';
  const status = route.query.get('status') ?? '';
  const type = route.query.get('type') ?? '';
  // Cursors of the pages before this one, for "newer".
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const { value, error } = usePolling(
    () => (caller === '' ? Promise.resolve(undefined) : getJson<JobsPage>('/jobs', { caller, status, type, cursor })),
    undefined,
    [caller, status, type, cursor],
  );
  const filter = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const query = new URLSearchParams([...form.entries()].filter(([, value]) => value !== '') as [string, string][]);
    setCursors([]);
    navigate(`/console/jobs?${query}`);
  };
  return html`<section>
    <h2>Jobs</h2>
    <form class="filters" onSubmit=${filter}>
      <label>caller <input name="caller" size="50" value=${caller} placeholder="arn:aws:iam::123456789012:role/…" /></label>
      <label
        >status
        <select name="status" value=${status}>
          <option value="">any</option>
          ${config.statuses.map((name) => html`<option value=${name}>${name}</option>`)}
        </select>
      </label>
      <label
        >type
        <select name="type" value=${type}>
          <option value="">any</option>
          ${config.jobTypes.map((name) => html`<option value=${name}>${name}</option>`)}
        </select>
      </label>
      <button type="submit">Filter</button>
    </form>
    ${error === undefined ? '' : html`<p class="error">${error}</p>`}
    ${caller === '' ? html`<p class="muted">Jobs are kept per caller: give the caller's IAM ARN.</p>` : ''}
    <table>
      <thead>
        <tr>
          <th>job</th>
          <th>type</th>
          <th>status</th>
          <th>attempts</th>
          <th>run</th>
          <th>created</th>
          <th>last error</th>
        </tr>
      </thead>
      <tbody>
        ${(value?.items ?? []).map(
          (job) =>
            html`<tr>
              <td class="mono"><${Link} href=${jobHref(job.jobId, value?.owner ?? caller)}>${job.jobId}<//></td>
              <td>${job.type}</td>
              <td><${StatusBadge} status=${job.status} /></td>
              <td class="number">${job.attempts}/${job.maxAttempts}</td>
              <td class="number">${job.run}</td>
              <td>${time(job.createdAt)}</td>
              <td class="error-text">${truncate(job.lastError?.message ?? '', 80)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${value !== undefined && value.items.length === 0 ? html`<p class="muted">No jobs on this page.</p>` : ''}
    <div class="pager">
      <button disabled=${cursors.length === 0} onClick=${() => setCursors(cursors.slice(0, -1))}>← newer</button>
      <button disabled=${!value?.nextCursor} onClick=${() => value?.nextCursor && setCursors([...cursors, value.nextCursor])}>
        older →
      </button>
    </div>
  </section>`;
}
