import { render } from 'preact';
import type { ConsoleConfig } from './api.ts';
import { DeadLetters } from './dlq.ts';
import { html } from './html.ts';
import { JobPage } from './job-page.ts';
import { Jobs } from './jobs.ts';
import { Overview } from './overview.ts';
import { Link, useRoute } from './router.ts';

function View({ config }: { config: ConsoleConfig }) {
  const route = useRoute();
  const job = /^\/jobs\/([^/]+)$/.exec(route.path);
  if (job !== null) return html`<${JobPage} jobId=${decodeURIComponent(job[1] ?? '')} route=${route} />`;
  if (route.path === '/jobs') return html`<${Jobs} config=${config} route=${route} />`;
  if (route.path === '/dlq') return html`<${DeadLetters} config=${config} />`;
  return html`<${Overview} />`;
}

function Console({ config }: { config: ConsoleConfig }) {
  return html`<header>
      <h1>Jobs console</h1>
      <nav>
        <${Link} href="/console/">Overview<//>
        <${Link} href="/console/jobs">Jobs<//>
        <${Link} href="/console/dlq">DLQ<//>
      </nav>
      <span class="target">${config.target}${config.writable ? '' : html` <span class="badge">read-only</span>`}</span>
    </header>
    <main><${View} config=${config} /></main>`;
}

// The server writes the configuration into the page (it is also at /console/api/config).
const config = JSON.parse(document.getElementById('console-config')?.textContent ?? '{}') as ConsoleConfig;
render(html`<${Console} config=${config} />`, document.getElementById('app') as HTMLElement);
