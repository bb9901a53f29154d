import { truncate } from '../cli/format.ts';
import { describeDeadLetter, failedAtOf, type DeadLetterEntry, type DeadLetters } from '../cli/dead-letters.ts';

/** How long the messages a page shows stay hidden from other readers, so the next page reads the ones after them. */
export const PAGE_HOLD_SECONDS = 300;
/** Given back this long before their hold runs out, so no receipt the console keeps has expired. */
const HOLD_MARGIN_MS = 60_000;

export type DeadLetterRow = ReturnType<typeof describeDeadLetter> & { readonly ageSeconds: number };

export interface DeadLetterGroup {
  readonly key: string;
  readonly count: number;
  readonly messageIds: readonly string[];
}

export interface DeadLetterPage {
  readonly page: number;
  readonly pageSize: number;
  readonly rows: DeadLetterRow[];
  /** Whether a next page may have messages (SQS cannot say for sure). */
  readonly more: boolean;
  /** Messages read so far, over every page up to this one: the groups count these. */
  readonly read: number;
  readonly groups: { readonly byType: DeadLetterGroup[]; readonly byError: DeadLetterGroup[] };
}

function groupBy(rows: readonly DeadLetterRow[], keyOf: (row: DeadLetterRow) => string): DeadLetterGroup[] {
  const groups = new Map<string, string[]>();
  for (const row of rows) groups.set(keyOf(row), [...(groups.get(keyOf(row)) ?? []), row.messageId]);
  return [...groups]
    .map(([key, messageIds]) => ({ key, count: messageIds.length, messageIds }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

/** The error a letter is grouped under: its job's last error, or why there is no job to run. */
function errorKey(row: DeadLetterRow): string {
  if (row.lastError !== null) return truncate(row.lastError.message, 160);
  return row.poisonReason ?? '(no error recorded)';
}

/**
 * Pages through a DLQ. SQS has no offset to read from: a page is the next messages received,
 * and they stay hidden (PAGE_HOLD_SECONDS) so the page after reads others. The console keeps
 * their receipts, which "Redrive selected" needs; `releaseAll` shows them again at once, before
 * a move task or a fresh look. A 10,000-message DLQ costs one page of reads to open, never all.
 */
export class DeadLetterBrowser {
  private held: DeadLetterEntry[] = [];
  private heldSince = 0;
  private exhausted = false;

  constructor(readonly letters: DeadLetters) {}

  async page(index: number, pageSize: number, now = Date.now()): Promise<DeadLetterPage> {
    if (this.held.length > 0 && now - this.heldSince > PAGE_HOLD_SECONDS * 1000 - HOLD_MARGIN_MS) await this.releaseAll();
    const wanted = (index + 1) * pageSize;
    while (this.held.length < wanted && !this.exhausted) {
      const asked = wanted - this.held.length;
      const fresh = await this.letters.read(PAGE_HOLD_SECONDS, asked);
      if (this.held.length === 0) this.heldSince = now;
      this.held.push(...fresh);
      if (fresh.length < asked) this.exhausted = true;
    }
    const rows = this.held.map((entry) => ({
      ...describeDeadLetter(entry),
      ageSeconds: Math.max(0, Math.round((now - failedAtOf(entry)) / 1000)),
    }));
    return {
      page: index,
      pageSize,
      rows: rows.slice(index * pageSize, wanted),
      more: !this.exhausted || this.held.length > wanted,
      read: rows.length,
      groups: { byType: groupBy(rows, (row) => row.type ?? '(not a job message)'), byError: groupBy(rows, errorKey) },
    };
  }

  /** Takes the held entries with these message ids out of the browser's keeping, for a command to act on. */
  take(messageIds: readonly string[]): DeadLetterEntry[] {
    const wanted = new Set(messageIds);
    const taken = this.held.filter((entry) => wanted.has(entry.letter.messageId));
    this.held = this.held.filter((entry) => !wanted.has(entry.letter.messageId));
    return taken;
  }

  /** Every message read so far, taken out of the browser's keeping. */
  takeAll(): DeadLetterEntry[] {
    return this.take(this.held.map((entry) => entry.letter.messageId));
  }

  /** Shows every held message to other readers again and starts over from the first page. */
  async releaseAll(): Promise<void> {
    const held = this.takeAll();
    this.exhausted = false;
    await this.letters.release(held);
  }

  /** Forgets the held messages without giving them back (after a purge, they are gone). */
  forget(): void {
    this.held = [];
    this.exhausted = false;
  }
}
