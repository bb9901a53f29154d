/**
 * EventBridge event-pattern matching, for the parts of the pattern language the platform's own
 * rules use: a field matches a list of values (any of them), `{ "exists": true | false }`, and
 * nested objects for nested fields (EventBridge user guide, "Event patterns"). A pattern with
 * anything else is refused rather than half-matched.
 */
export type EventPattern = { readonly [field: string]: EventPattern | readonly PatternValue[] };
type PatternValue = string | number | boolean | null | { readonly exists: boolean };

function matchesValues(values: readonly PatternValue[], actual: unknown): boolean {
  return values.some((value) => {
    if (typeof value === 'object' && value !== null) {
      if (!('exists' in value) || Object.keys(value).length !== 1)
        throw new Error(`Unsupported event pattern value ${JSON.stringify(value)}`);
      return value.exists === (actual !== undefined);
    }
    // A list in the event matches when any of its items does.
    return Array.isArray(actual) ? actual.includes(value) : actual === value;
  });
}

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  const fields = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([field, expected]) =>
    Array.isArray(expected) ? matchesValues(expected, fields[field]) : matchesEventPattern(expected as EventPattern, fields[field]),
  );
}
