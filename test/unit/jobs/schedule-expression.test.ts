import { describe, expect, it } from 'vitest';
import { nextFiring, parseScheduleExpression, ScheduleExpressionError } from '../../../functions/jobs/domain/schedule-expression.ts';

/** The next `count` firings after `from`, as ISO strings. */
function firings(expression: string, timezone: string, from: string, count: number, anchor = Date.parse(from)): string[] {
  const parsed = parseScheduleExpression(expression);
  const found: string[] = [];
  let after = Date.parse(from);
  for (let index = 0; index < count; index += 1) {
    const next = nextFiring(parsed, timezone, after, anchor);
    if (next === undefined) break;
    found.push(new Date(next).toISOString());
    after = next;
  }
  return found;
}

describe('EventBridge Scheduler expressions', () => {
  it('skips a daily 02:30 in New York on the night the clock springs from 02:00 to 03:00', () => {
    // 2026-03-08 02:00 EST becomes 03:00 EDT: 02:30 does not exist that night.
    expect(firings('cron(30 2 * * ? *)', 'America/New_York', '2026-03-06T12:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('fires a quarter-hourly schedule once, not twice, through the hour New York repeats in autumn', () => {
    // 2026-11-01 02:00 EDT becomes 01:00 EST: 01:00-01:59 happens twice; each quarter fires once.
    const runs = firings('cron(0/15 * * * ? *)', 'America/New_York', '2026-11-01T04:50:00Z', 6);
    expect(runs).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:15:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T05:45:00.000Z',
      '2026-11-01T07:00:00.000Z', // 02:00 EST: the repeated 01:xx EST readings are skipped
      '2026-11-01T07:15:00.000Z',
    ]);
  });

  it('reads day-of-week 1-7 as SUN-SAT, as EventBridge does', () => {
    // 2026-12-04 is a Friday: MON-FRI and 2-6 both mean Monday to Friday.
    const names = firings('cron(0 10 ? * MON-FRI *)', 'UTC', '2026-12-04T11:00:00Z', 2);
    expect(names).toEqual(['2026-12-07T10:00:00.000Z', '2026-12-08T10:00:00.000Z']);
    expect(firings('cron(0 10 ? * 2-6 *)', 'UTC', '2026-12-04T11:00:00Z', 2)).toEqual(names);
  });

  it('fires a rate every interval from its anchor, a day being 24 hours of the clock', () => {
    expect(firings('rate(1 day)', 'Europe/Paris', '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T12:00:00.000Z',
      '2026-10-26T12:00:00.000Z',
    ]);
    expect(firings('rate(5 minutes)', 'UTC', '2026-12-02T00:07:00Z', 1, Date.parse('2026-12-02T00:00:00Z'))).toEqual([
      '2026-12-02T00:10:00.000Z',
    ]);
  });

  it.each([
    ['rate(1 minutes)', 'singular'],
    ['rate(5 minute)', 'plural'],
    ['rate(5 weeks)', "'rate(value unit)'"],
    ['cron(0 9 * * MON *)', 'exactly one of'],
    ['cron(0 9 ? * ? *)', 'exactly one of'],
    ['cron(60 9 * * ? *)', 'minute'],
    ['cron(0 9 * *)', '6 fields'],
  ])('refuses %s', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ScheduleExpressionError);
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });
});
