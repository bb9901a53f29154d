import { getJson, type JobDetail } from './api.ts';
import { time } from './format.ts';
import { html } from './html.ts';
import { usePolling, type Route } from './router.ts';
import { StatusBadge } from './jobs.ts';

const FINISHED = new Set(['completed', 'failed', 'cancelled']);
/** A job page follows a job that is not finished, so a redrive is seen running and ending. */
const FOLLOW_MS = 1_000;

function Json({ value }: { value: unknown }) {
  return value === undefined ? html`<p class="muted">none</p>` : html`<pre>${JSON.stringify(value, null, 2)}</pre>`;
}

/** One job (`/console/jobs/<id>?caller=<owner>`): its timeline, attempts, errors per run, payload, result and progress. */
export function JobPage({ jobId, route }: { jobId: string; route: Route }) {
  const caller = route.query.get('caller') ?? undefined;
  const { value, error } = usePolling(() => getJson<JobDetail>(`/jobs/${encodeURIComponent(jobId)}`, { caller }), FOLLOW_MS, [
    jobId,
    caller,
  ]);
  if (value === undefined)
    return html`<section>
      <h2>Job ${jobId}</h2>
      ${error === undefined ? html`<p>Loading…</p>` : html`<p class="error">${error}</p>`}
    </section>`;
  const { job, timeline, runs, owner } = value;
  const following = !FINISHED.has(job.status);
  return html`<section>
    <h2>Job <span class="mono">${job.jobId}</span></h2>
    <dl class="facts">
      <dt>status</dt>
      <dd><${StatusBadge} status=${job.status} />${following ? html` <span class="muted">(following)</span>` : ''}</dd>
      <dt>type</dt>
      <dd>${job.type}</dd>
      <dt>caller</dt>
      <dd class="mono">${owner}</dd>
      <dt>run</dt>
      <dd data-testid="run">${job.run}</dd>
      <dt>attempts</dt>
      <dd data-testid="attempts">${job.attempts} of ${job.maxAttempts} (this run)</dd>
      <dt>created</dt>
      <dd>${time(job.createdAt)}</dd>
      <dt>started</dt>
      <dd>${time(job.startedAt)}</dd>
      <dt>finished</dt>
      <dd>${time(job.completedAt)}</dd>
      ${
        job.nextAttemptAt === undefined
          ? ''
          : html`<dt>next attempt</dt>
              <dd>${time(job.nextAttemptAt)}</dd>`
      }
      <dt>progress</dt>
      <dd>
        ${job.progress === undefined ? html`<span class="muted">none reported</span>` : html`<progress max=${job.progress.total} value=${job.progress.done}></progress> ${job.progress.done}/${job.progress.total}`}
      </dd>
    </dl>
    ${error === undefined ? '' : html`<p class="error">${error}</p>`}
    <h3>Timeline</h3>
    <table data-testid="timeline">
      <thead>
        <tr>
          <th>at</th>
          <th>run</th>
          <th>event</th>
          <th>detail</th>
        </tr>
      </thead>
      <tbody>
        ${timeline.map(
          (entry) =>
            html`<tr>
              <td>${time(entry.at)}</td>
              <td class="number">${entry.run}</td>
              <td>${entry.event}</td>
              <td class="error-text">${entry.detail ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h3>Errors per run</h3>
    ${runs.map(
      (run) =>
        html`<h4>Run ${run.run}</h4>
          ${
            run.errors.length === 0
              ? html`<p class="muted">no errors recorded</p>`
              : html`<ol>
                  ${run.errors.map((entry) => html`<li><span class="muted">attempt ${entry.attempt}, ${time(entry.at)}:</span> <span class="error-text">${entry.message}</span></li>`)}
                </ol>`
          }`,
    )}
    <div class="columns">
      <div>
        <h3>Payload</h3>
        <${Json} value=${job.payload} />
      </div>
      <div>
        <h3>Result</h3>
        <${Json} value=${job.result} />
      </div>
    </div>
  </section>`;
}
