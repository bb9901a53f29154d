import { Cron } from 'croner';

/**
 * EventBridge Scheduler's recurring expressions (Scheduler user guide, "Schedule types"), checked
 * the way CreateSchedule checks them, and evaluated the way the scheduler fires them:
 *
 * - `rate(value unit)`: a positive whole value; unit `minute`/`hour`/`day` for 1, plural for more.
 *   A day is 24 hours of the clock, whatever daylight-saving time does to the calendar day.
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields; day-of-week 1-7 is
 *   SUN-SAT (or SUN-SAT by name); one of day-of-month and day-of-week must be `?`; `L`, `W` and
 *   `#` as in Quartz. Evaluated in the schedule's time zone by croner (Quartz weekday numbering,
 *   seven fields with a seconds field of 0).
 * - Daylight-saving time: a time the clock skips in spring is not fired (the invocation is
 *   skipped); an hour the clock repeats in autumn is fired once, not twice.
 */

export class ScheduleExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleExpressionError';
  }
}

export type ScheduleExpression = { readonly kind: 'rate'; readonly everyMs: number } | { readonly kind: 'cron'; readonly pattern: string };

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The croner job of a cron pattern in a time zone (paused: it only computes times). */
function cronOf(pattern: string, timezone: string): Cron {
  return new Cron(pattern, { mode: '7-part', alternativeWeekdays: true, sloppyRanges: true, timezone, paused: true });
}

/** Parses a recurring expression; a ScheduleExpressionError says what is wrong with it. */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const rate = RATE.exec(expression);
  if (rate !== null) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    if (value < 1) throw new ScheduleExpressionError('a rate value must be a positive whole number');
    const singular = !unit.endsWith('s');
    if (value === 1 && !singular) throw new ScheduleExpressionError(`a rate of 1 takes the singular unit: rate(1 ${unit.slice(0, -1)})`);
    if (value > 1 && singular) throw new ScheduleExpressionError(`a rate above 1 takes the plural unit: rate(${value} ${unit}s)`);
    return { kind: 'rate', everyMs: value * (UNIT_MS[singular ? unit : unit.slice(0, -1)] as number) };
  }
  const cron = CRON.exec(expression);
  if (cron === null) {
    throw new ScheduleExpressionError("must be 'rate(value unit)' or 'cron(minutes hours day-of-month month day-of-week year)'");
  }
  const fields = (cron[1] as string).trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), ${fields.length} given`,
    );
  }
  const [, , dayOfMonth, , dayOfWeek] = fields as [string, string, string, string, string, string];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new ScheduleExpressionError('exactly one of day-of-month and day-of-week must be ?');
  }
  const pattern = `0 ${fields.join(' ')}`;
  try {
    cronOf(pattern, 'UTC');
  } catch (error) {
    throw new ScheduleExpressionError(`invalid cron expression: ${(error as Error).message.replace(/^CronPattern: /, '')}`);
  }
  return { kind: 'cron', pattern };
}

/** Whether `timezone` is an IANA time zone name this runtime knows (as EventBridge Scheduler accepts them). */
export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock reading of an instant in a time zone. */
function wallClock(epochMs: number, timezone: string): string {
  let format = wallClocks.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' });
    wallClocks.set(timezone, format);
  }
  return format.format(epochMs);
}

/** Whether the wall clock showed this reading once already, 30 or 60 minutes earlier (the hour autumn repeats). */
function repeatsEarlierReading(epochMs: number, timezone: string): boolean {
  const reading = wallClock(epochMs, timezone);
  return [30, 60].some((minutes) => wallClock(epochMs - minutes * 60_000, timezone) === reading);
}

/**
 * The first firing strictly after `after` (epoch ms), or undefined when the expression never
 * fires again (a cron with past years only). A rate fires every interval from `anchor`, the time
 * the schedule was created.
 */
export function nextFiring(expression: ScheduleExpression, timezone: string, after: number, anchor: number): number | undefined {
  if (expression.kind === 'rate') {
    const intervals = Math.floor((after - anchor) / expression.everyMs) + 1;
    return anchor + Math.max(1, intervals) * expression.everyMs;
  }
  const cron = cronOf(expression.pattern, timezone);
  let from = new Date(after);
  // croner moves a time the clock skips to the end of the gap, and fires a repeated hour twice;
  // EventBridge Scheduler skips the first and fires the second once.
  for (let tries = 0; tries < 1_000; tries += 1) {
    const next = cron.nextRun(from);
    if (next === null) return undefined;
    const at = next.getTime();
    if (cron.match(next) && !repeatsEarlierReading(at, timezone)) return at;
    from = next;
  }
  return undefined;
}
