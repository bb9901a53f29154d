import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Browser } from 'playwright-core';
import { JOB_STATUSES } from '../../functions/jobs/domain/job.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { JobsClient } from '../../clients/typescript/src/index.ts';
import { localCallerArn, DEFAULT_CALLER } from '../../local/api-gateway.ts';
import { targetOfLocalPlatform } from '../../local/cli/target.ts';
import { launchChromium } from '../../local/console/browser.ts';
import { ConsoleApi, ReadOnlyConsoleError } from '../../local/console/console-api.ts';
import { CONSOLE_BASE_PATH, consoleApp } from '../../local/console/console-server.ts';
import { BrokenOutbox, deadLettersArrived, failedEmails } from '../../local/console/demo-data.ts';
import type { QueuesFigures } from '../../local/console/queue-statistics.ts';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';

const shared = inject('platform');

/**
 * The on-call console at /console of a local platform of its own (as `npm start` serves it),
 * driven in Debian's Chromium: the drill of the README runbook, done from the browser.
 */
describe('the on-call console', () => {
  let platform: LocalPlatform;
  let dataDir: string;
  let browser: Browser;
  let client: JobsClient;
  let outbox: BrokenOutbox;
  let deadLetterQueue: string;
  const owner = localCallerArn(DEFAULT_CALLER);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jobs-console-'));
    platform = await startLocalPlatform({
      environment: localEnvironment({ name: `console${Date.now() % 100000}` }),
      endpoints: shared.endpoints,
      dataDir,
      longJobs: false,
      onNotice: () => {},
    });
    platform.mount(CONSOLE_BASE_PATH, consoleApp({ target: targetOfLocalPlatform(platform.descriptor), writable: true }).listener);
    deadLetterQueue = platform.deadLetterQueueUrl.slice(platform.deadLetterQueueUrl.lastIndexOf('/') + 1);
    client = new JobsClient({ baseUrl: platform.apiUrl });
    outbox = new BrokenOutbox(platform);
    // Fails the suite with what to install when Chromium is missing; CI installs it (.ci/run).
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = async (path: string, init?: { method: string; body: unknown }) => {
    const response = await fetch(`${platform.apiUrl}/console/api${path}`, {
      ...(init === undefined
        ? {}
        : { method: init.method, body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('finds a failed job in the DLQ view, redrives it from there, and shows it run again as run 2 and complete; Redrive all moves the rest', async () => {
    // Prepare
    await outbox.break();
    const [failed, other] = await failedEmails(client, 2, 'console-e2e');
    const jobId = failed?.jobId as string;
    await deadLettersArrived(platform, 2);
    await outbox.fix();
    const page = await browser.newPage();

    // Act
    await page.goto(`${platform.apiUrl}/console/dlq`);
    const row = page.locator(`tr[data-job="${jobId}"]`);
    await row.waitFor();
    const rowText = await row.textContent();
    await row.locator('input[type=checkbox]').check();
    await page.getByTestId('redrive-selected').click();
    await page.getByTestId('notice').waitFor();
    const notice = await page.getByTestId('notice').textContent();
    await page.goto(`${platform.apiUrl}/console/jobs/${jobId}?caller=${encodeURIComponent(owner)}`);
    // The job page follows an unfinished job by itself: no reload.
    await page
      .getByTestId('status')
      .filter({ hasText: /^completed$/ })
      .waitFor({ timeout: 30_000 });

    // Assess
    expect(rowText).toContain('failed');
    expect(rowText).toContain('EEXIST');
    expect(notice).toContain('Redrove 1 job(s)');
    expect(await page.getByTestId('run').textContent()).toBe('2');
    expect(await page.getByTestId('timeline').textContent()).toContain('redriven: run 2 queued');
    expect(await client.get(jobId)).toMatchObject({ status: 'completed', run: 2, attempts: 1 });
    // Redrive all: a message move task, its progress on the page until it is done.
    await page.goto(`${platform.apiUrl}/console/dlq`);
    await page.locator(`tr[data-job="${other?.jobId}"]`).waitFor();
    await page.getByRole('button', { name: 'Redrive all' }).click();
    await page.getByTestId('move-task').filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('move-task').textContent()).toMatch(/COMPLETED, 1 of 1 messages moved/);
    expect(await client.waitFor(other?.jobId as string, { timeoutMs: 30_000 })).toMatchObject({ status: 'completed', run: 2 });
    await page.close();
  });

  it('pages through the DLQ: the next page shows other messages, never the same ones twice', async () => {
    // Prepare
    const sqs = new SQSClient(localClientConfig(platform.endpoints.sqs));
    for (let batch = 0; batch < 6; batch += 1) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: platform.deadLetterQueueUrl,
          Entries: Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: `not a job ${batch}-${index}` })),
        }),
      );
    }
    sqs.destroy();
    await api(`/dlq/${deadLetterQueue}/refresh`, { method: 'POST', body: {} });

    // Act
    const first = await api(`/dlq/${deadLetterQueue}?page=0`);
    const second = await api(`/dlq/${deadLetterQueue}?page=1`);

    // Assess
    const ids = (answer: typeof first) => (answer.body.rows as { messageId: string }[]).map((row) => row.messageId);
    expect(ids(first)).toHaveLength(50);
    expect(ids(second).length).toBeGreaterThanOrEqual(10);
    expect(ids(second).filter((id) => ids(first).includes(id))).toEqual([]);
    expect(first.body.more).toBe(true);
    const byError = (second.body.groups as { byError: { key: string; count: number }[] }).byError;
    expect(byError.find((group) => group.key === 'not a job message')?.count).toBeGreaterThanOrEqual(60);
  });

  it("lists the caller's jobs by status from the domain's list, and refuses an unknown status with 400", async () => {
    // Act
    const failed = await api(`/jobs?status=failed&type=email`);
    const unknown = await api(`/jobs?status=lost`);
    const config = await api('/config');

    // Assess
    expect(failed.status).toBe(200);
    expect(failed.body.owner).toBe(owner);
    expect(unknown.status).toBe(400);
    // The console lists the domain's statuses, whatever they are: its refusal names them all.
    expect(JSON.stringify(unknown.body)).toContain(`must be one of ${JOB_STATUSES.join(', ')}`);
    expect(config.body.statuses).toEqual([...JOB_STATUSES]);
  });

  it('serves the console on its own with npm run console, read-only when told, for the platform a descriptor names', async () => {
    // Prepare
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/console/console.ts', '--platform-file', join(dataDir, 'platform.json'), '--port', '0', '--read-only'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const url = /(http:\/\/127\.0\.0\.1:\d+\/console\/)/.exec(line)?.[1] as string;

      // Act
      const page = await fetch(`${url}dlq`);
      const config = (await (await fetch(`${url}api/config`)).json()) as { writable: boolean; target: string };
      const purge = await fetch(`${url}api/dlq/${deadLetterQueue}/purge`, {
        method: 'POST',
        body: JSON.stringify({ confirm: deadLetterQueue }),
      });

      // Assess
      expect(line).toContain('read-only');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('/console/assets/app.js');
      expect(config).toMatchObject({ writable: false, target: `local platform at ${platform.apiUrl}` });
      expect(purge.status).toBe(403);
    } finally {
      child.kill();
    }
  });

  it('refuses redrive and purge read-only, and purges only once the DLQ name is typed', async () => {
    // Prepare
    const readOnly = new ConsoleApi({ target: targetOfLocalPlatform(platform.descriptor), writable: false });

    // Act
    const refused = await readOnly
      .handle({ method: 'POST', path: `/dlq/${deadLetterQueue}/redrive-all`, query: new URLSearchParams(), body: {} })
      .catch((error: unknown) => error);
    const untyped = await api(`/dlq/${deadLetterQueue}/purge`, { method: 'POST', body: { confirm: 'yes' } });
    const before = await api('/overview');
    const typed = await api(`/dlq/${deadLetterQueue}/purge`, { method: 'POST', body: { confirm: deadLetterQueue } });
    const after = await api('/overview');

    // Assess
    expect(refused).toBeInstanceOf(ReadOnlyConsoleError);
    expect(untyped.status).toBe(400);
    const depthOf = (overview: typeof before) => {
      const [figures] = (overview.body as unknown as QueuesFigures).deadLetterQueues;
      return (figures?.depth ?? 0) + (figures?.inFlight ?? 0);
    };
    expect(depthOf(before)).toBeGreaterThanOrEqual(60);
    expect(typed.status).toBe(200);
    expect(depthOf(after)).toBe(0);
  });
});
