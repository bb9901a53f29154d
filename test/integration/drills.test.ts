import { randomUUID } from 'node:crypto';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListMessageMoveTasksCommand, SendMessageCommand, SQSClient, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localEnvironment, startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { COUNTED_COMPLETIONS_ENV } from './support/debug-logs.ts';
import { ApiClient, eventually } from './support/api-client.ts';
import { jobsCli } from './support/jobs-cli.ts';
import { LocalQueue } from './support/queues.ts';
import { localCallerArn } from '../../local/api-gateway.ts';
import { localClientConfig } from '../../local/services/local-aws.ts';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { oneTimeScheduleName, recurringScheduleName } from '../../functions/jobs/adapters/job-scheduler.ts';
import { resourceNames } from '../../lib/config/resource-names.ts';

const shared = inject('platform');

/**
 * On-call drills on a platform of their own: SQS gives up on a message after 2 receives and
 * hides it for 8 s, and the reconciler runs every second, so the crash path plays out in seconds.
 */
describe('on-call drills', () => {
  let platform: LocalPlatform;
  let dataDir: string;
  let platformFile: string;
  let api: ApiClient;
  let deadLetterQueue: LocalQueue;
  let sqs: SQSClient;
  const completions = new Map<string, number>();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'jobs-drills-'));
    platformFile = join(dataDir, 'platform.json');
    platform = await startLocalPlatform({
      environment: localEnvironment({ name: `drills${Date.now() % 100000}` }),
      endpoints: shared.endpoints,
      dataDir,
      reconcileIntervalSeconds: 1,
      functionEnv: COUNTED_COMPLETIONS_ENV,
      queueSettings: { maxReceiveCount: 2, visibilityTimeoutSeconds: 8 },
      onFunctionOutput: (line) => {
        if (!line.includes('"job completed"')) return;
        const { jobId } = JSON.parse(line) as { jobId: string };
        completions.set(jobId, (completions.get(jobId) ?? 0) + 1);
      },
    });
    api = new ApiClient(platform.apiUrl, 'local-user');
    deadLetterQueue = new LocalQueue(platform.endpoints.sqs, platform.deadLetterQueueUrl);
    sqs = new SQSClient(localClientConfig(platform.endpoints.sqs));
  });

  afterAll(async () => {
    deadLetterQueue.close();
    sqs.destroy();
    await platform.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Breaks e-mail delivery the way a full or read-only disk would: the outbox path is a file. */
  async function breakOutbox(): Promise<void> {
    await rm(platform.outboxDir, { recursive: true, force: true });
    await writeFile(platform.outboxDir, 'not a directory');
  }

  async function fixOutbox(): Promise<void> {
    await rm(platform.outboxDir, { force: true });
    await mkdir(platform.outboxDir, { recursive: true });
  }

  it('lands poison jobs in the DLQ as failed, and completes them once redriven after the fix', async () => {
    // Prepare
    await breakOutbox();
    const submitted = await Promise.all(
      [1, 2, 3].map((index) =>
        api.submit({ type: 'email', payload: { to: `user${index}@example.com`, subject: 'Hi', body: 'Hello' }, maxAttempts: 2 }),
      ),
    );
    const ids = submitted.map(({ body }) => body.jobId);
    for (const id of ids) expect((await api.waitFor(id, 'failed')).job.lastError?.message).toMatch(/EEXIST|ENOTDIR|not a directory/);
    await eventually('3 dead letters', async () => ((await deadLetterQueue.findJobs(ids)).size === 3 ? true : undefined));
    const listed = await jobsCli(platformFile, 'dlq', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(
      (JSON.parse(listed.out) as { jobId: string; status: string }[])
        .filter((entry) => ids.includes(entry.jobId))
        .map((entry) => entry.status),
    ).toEqual(['failed', 'failed', 'failed']);

    // Act
    await fixOutbox();
    const dryRun = await jobsCli(platformFile, 'dlq', 'redrive', '--type', 'email', '--dry-run', '--json');
    const redrive = await jobsCli(platformFile, 'dlq', 'redrive', '--type', 'email');

    // Assess
    expect(dryRun.code).toBe(0);
    expect((JSON.parse(dryRun.out) as { redriven: unknown[] }).redriven).toHaveLength(3);
    expect(redrive.code).toBe(0);
    expect(redrive.out).toContain('redrove 3 job(s)');
    // The redrive itself moves each job out of `failed` (to `queued`, or already further on).
    for (const id of ids) expect((await api.get(id)).status).not.toBe('failed');
    for (const id of ids) {
      const { job } = await api.waitFor(id, 'completed');
      expect(job).toMatchObject({ run: 2, attempts: 1 });
      expect(job.errorHistory.map((error) => error.run)).toEqual([1, 1]);
    }
    expect((await readdir(platform.outboxDir)).sort()).toEqual(ids.map((id) => `${id}.json`).sort());
  });

  it('completes poison jobs as run 2 once a DLQ redrive (StartMessageMoveTask, as the console sends it) moves them back', async () => {
    // Prepare
    await breakOutbox();
    const submitted = await Promise.all(
      [1, 2].map((index) =>
        api.submit({ type: 'email', payload: { to: `console${index}@example.com`, subject: 'Hi', body: 'Hello' }, maxAttempts: 2 }),
      ),
    );
    const ids = submitted.map(({ body }) => body.jobId);
    for (const id of ids) await api.waitFor(id, 'failed');
    await eventually('2 dead letters', async () => ((await deadLetterQueue.findJobs(ids)).size === 2 ? true : undefined));
    await fixOutbox();

    // Act
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: platform.deadLetterQueueArn }));

    // Assess
    for (const id of ids) {
      const { job } = await api.waitFor(id, 'completed');
      expect(job).toMatchObject({ run: 2, attempts: 1 });
      expect(job.errorHistory.map((error) => error.run)).toEqual([1, 1]);
    }
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: platform.deadLetterQueueArn }));
    expect(Results[0]?.Status).toBe('COMPLETED');
    expect(Results[0]?.ApproximateNumberOfMessagesMoved).toBeGreaterThanOrEqual(2);
    expect(ids.map((id) => completions.get(id))).toEqual([1, 1]);
    expect(await deadLetterQueue.findJobs(ids)).toEqual(new Set());
  });

  it('redrives 200 failed jobs at once: all complete and none runs twice', async () => {
    // Prepare
    await breakOutbox();
    const submitted = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        api.submit({ type: 'email', payload: { to: `bulk${index}@example.com`, subject: 'Bulk', body: 'Hello' }, maxAttempts: 1 }),
      ),
    );
    const ids = submitted.map(({ body }) => body.jobId);
    for (const id of ids) await api.waitFor(id, 'failed', 60_000);
    await eventually('200 dead letters', async () => ((await deadLetterQueue.findJobs(ids)).size === 200 ? true : undefined), 60_000);
    await fixOutbox();

    // Act
    const redrive = await jobsCli(platformFile, 'dlq', 'redrive', '--since', '10m');

    // Assess
    expect(redrive.code).toBe(0);
    for (const id of ids) await api.waitFor(id, 'completed', 60_000);
    expect(ids.map((id) => completions.get(id))).toEqual(Array(200).fill(1));
    expect(await readdir(platform.outboxDir)).toHaveLength(200);
    expect((await jobsCli(platformFile, 'dlq', 'list', '--json')).out).toBe('[]\n');
  });

  it('reconciles a job whose worker crashes on every delivery to failed, saying why', async () => {
    // Act
    const { body: submitted } = await api.submit({ type: 'crash', payload: { mode: 'exit' }, maxAttempts: 10 });
    const { job } = await api.waitFor(submitted.jobId, 'failed', 60_000);

    // Assess
    expect(job.lastError?.message).toMatch(/SQS dead-lettered the message/);
    expect(job.attempts).toBe(2);
    expect(job.errorHistory.map((error) => error.message)).toContain('attempt 1 did not finish: the worker crashed or timed out');
    await eventually('the message in the DLQ', async () => ((await deadLetterQueue.findJobs([job.jobId])).size === 1 ? true : undefined));
  });

  it('purges the DLQ only when confirmed', async () => {
    // Act
    const refused = await jobsCli(platformFile, 'dlq', 'purge');
    const before = await deadLetterQueue.depth();
    const purged = await jobsCli(platformFile, 'dlq', 'purge', '--yes');

    // Assess
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/pass --yes/);
    expect(before).toBeGreaterThan(0);
    expect(purged.code).toBe(0);
    expect(await deadLetterQueue.depth()).toBe(0);
  });

  /** Fails an e-mail job for good (the outbox is broken meanwhile) and waits for its dead letter. */
  async function failedJobInTheDlq(): Promise<string> {
    await breakOutbox();
    const { body } = await api.submit({
      type: 'email',
      payload: { to: 'poison@example.com', subject: 'Hi', body: 'Hello' },
      maxAttempts: 1,
    });
    await api.waitFor(body.jobId, 'failed');
    await eventually('the dead letter', async () => ((await deadLetterQueue.findJobs([body.jobId])).size === 1 ? true : undefined));
    await fixOutbox();
    return body.jobId;
  }

  it('redrives only letters of failed jobs: poison letters stay, are listed as poison, and purge --poison removes only them', async () => {
    // Prepare
    const failedId = await failedJobInTheDlq();
    const orphanId = randomUUID();
    await deadLetterQueue.send({ jobId: orphanId, owner: localCallerArn(api.caller), type: 'echo' });
    await deadLetterQueue.send({ hello: 'not a job message' });
    await eventually('three dead letters', async () => ((await deadLetterQueue.depth()) === 3 ? true : undefined));

    // Act
    const listed = await jobsCli(platformFile, 'dlq', 'list', '--json');
    const redrive = await jobsCli(platformFile, 'dlq', 'redrive');

    // Assess
    const entries = JSON.parse(listed.out) as { jobId: string | null; poison: boolean; poisonReason: string | null }[];
    expect(entries.map((entry) => [entry.jobId, entry.poison, entry.poisonReason]).sort()).toEqual(
      [
        [failedId, false, null],
        [orphanId, true, 'no job record'],
        [null, true, 'not a job message'],
      ].sort(),
    );
    expect(redrive.code).toBe(0);
    expect(redrive.out).toContain('redrove 1 job(s)');
    expect(redrive.out).toContain('left 2 poison letter(s)');
    await api.waitFor(failedId, 'completed');
    expect(await deadLetterQueue.depth()).toBe(2);

    // Act
    const anotherFailedId = await failedJobInTheDlq();
    const purged = await jobsCli(platformFile, 'dlq', 'purge', '--poison', '--yes');

    // Assess
    expect(purged.code).toBe(0);
    expect(purged.out).toContain('deleted 2 poison letter(s)');
    expect(await deadLetterQueue.depth()).toBe(1);
    expect(await deadLetterQueue.findJobs([anotherFailedId])).toEqual(new Set([anotherFailedId]));
  });

  it('makes what EventBridge Scheduler dead-lettered: the due one-time job runs once, the recurring firing makes its one job once', async () => {
    // Prepare: a job due in an hour and a yearly schedule, whose firings are then lost
    // the way EventBridge Scheduler loses one after a day of retries: its target input lands
    // in the schedules' DLQ with the service's attributes.
    const scheduler = new SchedulerClient(localClientConfig(platform.schedulerEndpoint));
    const group = resourceNames(platform.environment.name).scheduleGroup;
    const { body: scheduled } = await api.submit({ type: 'echo', payload: { lost: 'one-time firing' }, delaySeconds: 3_600 });
    const name = `lost-firing-${randomUUID().slice(0, 8)}`;
    const created = await api.request('POST', '/schedules', {
      body: JSON.stringify({ name, expression: 'cron(0 6 1 1 ? *)', job: { type: 'echo', payload: {} } }),
      headers: { 'content-type': 'application/json' },
    });
    const oneTime = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: oneTimeScheduleName(scheduled.jobId) }));
    const recurring = await scheduler.send(
      new GetScheduleCommand({ GroupName: group, Name: recurringScheduleName(localCallerArn('local-user'), name) }),
    );
    const letter = (schedule: typeof oneTime, input: string) =>
      sqs.send(
        new SendMessageCommand({
          QueueUrl: platform.scheduleDeadLetterQueueUrl,
          MessageBody: input,
          MessageAttributes: Object.fromEntries(
            Object.entries({
              ERROR_CODE: 'AWS.SQS.QueueDoesNotExist',
              EXHAUSTED_RETRY_CONDITION: 'MaximumEventAgeInSeconds',
              SCHEDULE_ARN: schedule.Arn ?? '',
              TARGET_ARN: schedule.Target?.Arn ?? '',
            }).map(([key, value]) => [key, { DataType: 'String', StringValue: value }]),
          ),
        }),
      );
    const firingInput = (recurring.Target?.Input ?? '').replaceAll('<aws.scheduler.scheduled-time>', '2026-01-01T06:00:00Z');

    // Act: the recurring firing is dead-lettered twice (a repeat must not make a second job).
    await letter(oneTime, oneTime.Target?.Input ?? '');
    await letter(recurring, firingInput);
    await letter(recurring, firingInput);

    // Assess
    expect([scheduled.status, created.status]).toEqual(['scheduled', 201]);
    const { job } = await api.waitFor(scheduled.jobId, 'completed');
    expect(job.attempts).toBe(1);
    const scheduleDeadLetters = new LocalQueue(platform.endpoints.sqs, platform.scheduleDeadLetterQueueUrl);
    await eventually('the schedule DLQ emptied by the reconciler', async () =>
      (await scheduleDeadLetters.depth()) === 0 ? true : undefined,
    );
    scheduleDeadLetters.close();
    const firings = await api.request<{ items: { scheduleName?: string }[] }>('GET', `/jobs?schedule=${name}`);
    expect(firings.body.items).toHaveLength(1);
    expect(completions.get(scheduled.jobId)).toBe(1);
    scheduler.destroy();
  });
});

describe('the jobs CLI', () => {
  it('answers --help for every command and exits 2 on a usage error', async () => {
    for (const command of [
      [],
      ['submit'],
      ['get'],
      ['list'],
      ['watch'],
      ['cancel'],
      ['dlq'],
      ['dlq', 'list'],
      ['dlq', 'show'],
      ['dlq', 'redrive'],
      ['dlq', 'purge'],
    ]) {
      const help = await jobsCli('unused', ...command, '--help');
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.out).toMatch(/Usage: jobs/);
    }
    expect((await jobsCli('unused', 'submit')).code).toBe(2);
  });

  it('says how to start the platform when none is running, with exit code 5', async () => {
    const result = await jobsCli(join(tmpdir(), 'no-such-platform.json'), 'list');

    expect(result.code).toBe(5);
    expect(result.err).toMatch(/No local platform found.*npm start/);
  });
});
