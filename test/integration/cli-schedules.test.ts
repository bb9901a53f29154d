import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../clients/typescript/src/index.ts';
import type { JobResource } from '../../functions/jobs/domain/job.ts';
import { EXIT } from '../../local/cli/cli-error.ts';
import { localDescriptorPath } from '../../local/platform.ts';
import { eventually } from './support/api-client.ts';
import { jobsCli as jobsCliOn } from './support/jobs-cli.ts';

/** Runs `jobs …` against the suite's shared platform, as a caller of its own. */
function cliOf(caller: string) {
  return (...args: string[]) => jobsCliOn(localDescriptorPath('itest'), '--caller', caller, ...args);
}

/** Once a year (at the shared platform's 120-fold clock, every three days): no firing during a test. */
const YEARLY = 'cron(0 4 1 1 ? *)';

describe('jobs schedule', () => {
  it('creates, lists, shows, pauses, resumes and deletes a schedule, as a table and as JSON', async () => {
    // Prepare
    const jobs = cliOf(`cli-${randomUUID()}`);
    const name = `nightly-${randomUUID().slice(0, 8)}`;

    // Act
    const created = await jobs('schedule', 'create', name, YEARLY, 'echo', '{"hello":"world"}', '--timezone', 'Europe/Paris', '--json');
    const listed = await jobs('schedule', 'list');
    const listedJson = await jobs('schedule', 'list', '--json');
    const shown = await jobs('schedule', 'get', name);
    const paused = await jobs('schedule', 'pause', name);
    const pausedJson = await jobs('schedule', 'get', name, '--json');
    const resumed = await jobs('schedule', 'resume', name, '--json');
    const deleted = await jobs('schedule', 'delete', name);
    const gone = await jobs('schedule', 'get', name);

    // Assess
    expect(created.code, created.err).toBe(EXIT.ok);
    expect(JSON.parse(created.out)).toMatchObject({
      name,
      expression: YEARLY,
      timezone: 'Europe/Paris',
      enabled: true,
      job: { type: 'echo', payload: { hello: 'world' } },
    });
    expect(listed.out.split('\n')[0]).toMatch(/^NAME\s+EXPRESSION\s+TIMEZONE\s+ENABLED\s+JOB\s+UPDATED$/);
    expect(listed.out).toContain(`${name}  ${YEARLY}  Europe/Paris  yes      echo {"hello":"world"}`);
    expect((JSON.parse(listedJson.out) as { items: Schedule[] }).items.map((schedule) => schedule.name)).toEqual([name]);
    expect(shown.out).toContain(`fires     ${YEARLY} (Europe/Paris)`);
    expect([paused.code, paused.out]).toEqual([EXIT.ok, `paused ${name}\n`]);
    expect((JSON.parse(pausedJson.out) as Schedule).enabled).toBe(false);
    expect((JSON.parse(resumed.out) as Schedule).enabled).toBe(true);
    expect([deleted.code, deleted.out]).toEqual([EXIT.ok, `deleted ${name}\n`]);
    expect(gone.code).toBe(EXIT.notFound);
    expect(gone.err).toMatch(/^NOT_FOUND: /);
  });

  it('exits 2 for a refused schedule (naming each failing field), 4 for a taken name and 3 for an unknown one', async () => {
    // Prepare
    const jobs = cliOf(`cli-${randomUUID()}`);
    const name = `taken-${randomUUID().slice(0, 8)}`;
    await jobs('schedule', 'create', name, YEARLY, 'echo', '--disabled');

    // Act
    const badExpression = await jobs('schedule', 'create', `x-${name}`, 'rate(1 minutes)', 'echo');
    const badPayload = await jobs('schedule', 'create', `x-${name}`, YEARLY, 'email', '{"to":"nobody"}');
    const notJson = await jobs('schedule', 'create', `x-${name}`, YEARLY, 'echo', '{oops');
    const taken = await jobs('schedule', 'create', name, 'rate(5 minutes)', 'echo');
    const unknown = await Promise.all(['pause', 'resume', 'delete'].map((command) => jobs('schedule', command, 'no-such-schedule')));
    const listed = await jobs('schedule', 'list', '--json');

    // Assess
    expect(badExpression.code).toBe(EXIT.usage);
    expect(badExpression.err).toMatch(/^VALIDATION_FAILED: .*\n {2}expression: /);
    expect(badPayload.code).toBe(EXIT.usage);
    expect(badPayload.err).toContain('  job.payload.to: ');
    expect(notJson.code).toBe(EXIT.usage);
    expect([taken.code, taken.err]).toEqual([EXIT.conflict, expect.stringMatching(/^CONFLICT: /)]);
    expect(unknown.map((answer) => answer.code)).toEqual([EXIT.notFound, EXIT.notFound, EXIT.notFound]);
    expect((JSON.parse(listed.out) as { items: Schedule[] }).items.map((schedule) => [schedule.name, schedule.enabled])).toEqual([
      [name, false],
    ]);
    await jobs('schedule', 'delete', name);
  });

  it('lists the jobs a schedule made with jobs list --schedule, and pages schedules with --all', async () => {
    // Prepare: the shared platform's scheduler runs 120 times faster, so rate(1 minute) fires every 0.5 s.
    const jobs = cliOf(`cli-${randomUUID()}`);
    const name = `ticking-${randomUUID().slice(0, 8)}`;
    const others = ['a', 'b'].map((letter) => `${letter}-${name}`);
    for (const other of others) await jobs('schedule', 'create', other, YEARLY, 'echo', '--disabled');

    // Act
    const created = await jobs('schedule', 'create', name, 'rate(1 minute)', 'echo', '{"tick":true}', '--priority', 'low');
    const made = await eventually('two firings', async () => {
      const { out } = await jobs('list', '--schedule', name, '--json');
      const items = (JSON.parse(out) as { items: JobResource[] }).items;
      return items.length >= 2 ? items : undefined;
    });
    await jobs('schedule', 'delete', name);
    const firstPage = await jobs('schedule', 'list', '--limit', '1');
    const everyPage = await jobs('schedule', 'list', '--limit', '1', '--all', '--json');

    // Assess
    expect(created.code, created.err).toBe(EXIT.ok);
    expect(made.every((job) => job.scheduleName === name && job.priority === 'low' && job.type === 'echo')).toBe(true);
    expect(firstPage.out).toContain('(more: use --all)');
    expect((JSON.parse(everyPage.out) as { items: Schedule[] }).items.map((schedule) => schedule.name)).toEqual(others);
    for (const other of others) await jobs('schedule', 'delete', other);
  });

  it('describes every schedule command in --help', async () => {
    // Act
    const help = await cliOf('help')('schedule', '--help');

    // Assess
    expect(help.code).toBe(EXIT.ok);
    for (const command of ['create', 'list', 'get', 'pause', 'resume', 'delete'])
      expect(help.out).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
  });
});
