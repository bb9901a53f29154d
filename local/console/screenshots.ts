/**
 * `npm run console:screenshots`: the pictures of the console in the README (docs/console-*.png),
 * taken in Debian's Chromium from a local platform of their own with a few jobs done, a few
 * retried and a few e-mails in the DLQ, as after a broken deploy.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobsClient } from '../../clients/typescript/src/index.ts';
import { targetOfLocalPlatform } from '../cli/target.ts';
import { localEnvironment, startLocalPlatform } from '../platform.ts';
import { launchChromium } from './browser.ts';
import { CONSOLE_BASE_PATH, consoleApp } from './console-server.ts';
import { BrokenOutbox, deadLettersArrived, failedEmails } from './demo-data.ts';

const docs = resolve(fileURLToPath(new URL('../../docs', import.meta.url)));
const dataDir = await mkdtemp(join(tmpdir(), 'console-screenshots-'));
const platform = await startLocalPlatform({
  environment: localEnvironment({ name: 'console' }),
  dataDir,
  longJobs: false,
  onNotice: () => {},
});
try {
  platform.mount(CONSOLE_BASE_PATH, consoleApp({ target: targetOfLocalPlatform(platform.descriptor), writable: true }).listener);
  const client = new JobsClient({ baseUrl: platform.apiUrl });
  const done = await Promise.all(Array.from({ length: 6 }, (_, index) => client.submit('echo', { order: 1000 + index })));
  // A drill type (allowed locally), so one job shows a retry.
  const retried = await client.submitBody({ type: 'flaky', payload: { failTimes: 1 }, maxAttempts: 3 });
  await Promise.all([...done, retried].map((job) => client.waitFor(job.jobId)));
  const outbox = new BrokenOutbox(platform);
  await outbox.break();
  const failed = await failedEmails(client, 5, 'customer');
  await deadLettersArrived(platform, failed.length);
  await outbox.fix();
  // Jobs still waiting, so the Overview has a queue depth to show.
  await platform.pauseWorkers();
  await Promise.all(Array.from({ length: 3 }, (_, index) => client.submit('echo', { waiting: index })));

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const shoot = async (path: string, ready: string, file: string) => {
    await page.goto(`${platform.apiUrl}${path}`);
    await page.waitForSelector(ready);
    await page.screenshot({ path: join(docs, file), fullPage: true });
    console.log(`wrote docs/${file}`);
  };
  await shoot('/console/', '[data-testid="depth"]', 'console-overview.png');
  await shoot('/console/jobs', 'tbody tr', 'console-jobs.png');
  await shoot('/console/dlq', '[data-testid="dead-letters"] tbody tr', 'console-dlq.png');
  await shoot(`/console/jobs/${failed[0]?.jobId}`, '[data-testid="timeline"] tbody tr', 'console-job.png');
  await browser.close();
} finally {
  await platform.stop();
  await rm(dataDir, { recursive: true, force: true });
}
