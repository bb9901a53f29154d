import { describe, expect, it } from 'vitest';
import type { DeadLetterEntry, DeadLetters } from '../../../local/cli/dead-letters.ts';
import { consoleWritable } from '../../../local/console/console-api.ts';
import { DeadLetterBrowser, PAGE_HOLD_SECONDS } from '../../../local/console/dead-letter-browser.ts';
import { jobFactory } from '../../helpers/job-factory.ts';

/** A DLQ of `count` letters read as SQS serves them: each read returns letters not held yet. */
function fakeDeadLetters(count: number) {
  const entries: DeadLetterEntry[] = Array.from({ length: count }, (_, index) => {
    const job = jobFactory({
      type: index % 3 === 0 ? 'email' : 'echo',
      status: 'failed',
      errorHistory: [{ message: index % 2 === 0 ? 'SMTP refused' : 'timeout', attempt: 1, at: '2030-01-01T00:00:01.000Z', run: 1 }],
    });
    return {
      letter: { messageId: `m${index}`, receiptHandle: `r${index}`, body: '{}', job, sentAt: 0, receiveCount: 1 },
      job,
    };
  });
  let next = 0;
  const reads: number[] = [];
  const released: string[] = [];
  const letters = {
    read: async (_hold: number, limit: number) => {
      reads.push(limit);
      const page = entries.slice(next, next + limit);
      next += page.length;
      return page;
    },
    release: async (held: readonly DeadLetterEntry[]) => {
      released.push(...held.map((entry) => entry.letter.messageId));
      next = 0;
    },
  } as unknown as DeadLetters;
  return { letters, reads, released };
}

describe('paging through a DLQ', () => {
  it('reads one page of messages to open, and only the next page to go on', async () => {
    // Prepare
    const { letters, reads } = fakeDeadLetters(10_000);
    const browser = new DeadLetterBrowser(letters);

    // Act
    const first = await browser.page(0, 50);
    const second = await browser.page(1, 50);

    // Assess
    expect(reads).toEqual([50, 50]);
    expect(first.rows.map((row) => row.messageId)).toEqual(Array.from({ length: 50 }, (_, index) => `m${index}`));
    expect(second.rows[0]?.messageId).toBe('m50');
    expect(second.more).toBe(true);
    expect(second.read).toBe(100);
  });

  it('groups what it read by job type and by error, largest group first', async () => {
    // Prepare
    const { letters } = fakeDeadLetters(6);
    const browser = new DeadLetterBrowser(letters);

    // Act
    const { groups, more } = await browser.page(0, 50);

    // Assess
    expect(more).toBe(false);
    expect(groups.byType).toEqual([
      { key: 'echo', count: 4, messageIds: ['m1', 'm2', 'm4', 'm5'] },
      { key: 'email', count: 2, messageIds: ['m0', 'm3'] },
    ]);
    expect(groups.byError.map((group) => [group.key, group.count])).toEqual([
      ['SMTP refused', 3],
      ['timeout', 3],
    ]);
  });

  it('gives the held messages back before their hold runs out, and reads again from the start', async () => {
    // Prepare
    const { letters, released } = fakeDeadLetters(120);
    const browser = new DeadLetterBrowser(letters);
    await browser.page(0, 50, 0);

    // Act
    const later = await browser.page(0, 50, PAGE_HOLD_SECONDS * 1000);

    // Assess
    expect(released).toHaveLength(50);
    expect(later.rows[0]?.messageId).toBe('m0');
    expect(later.read).toBe(50);
  });
});

describe('whether a console may redrive and purge', () => {
  it.each([
    [{}, true],
    [{ env: 'local' }, true],
    [{ readOnly: true }, false],
    [{ env: 'prod' }, false],
    [{ env: 'prod', allowWrites: true }, true],
    [{ env: 'prod', allowWrites: true, readOnly: true }, false],
  ])('%o → %s', (options, writable) => {
    expect(consoleWritable(options)).toBe(writable);
  });
});
