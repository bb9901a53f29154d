import { formatAge } from '../../cli/format.ts';

export { truncate } from '../../cli/format.ts';

/** An age in seconds as the CLI prints it (`3m 12s`); a dash where there is no figure. */
export function age(seconds: number | null): string {
  return seconds === null ? '–' : formatAge(seconds * 1000);
}

/** A timestamp to the second, in UTC, as the API's timestamps are. */
export function time(iso: string | undefined): string {
  return iso === undefined ? '–' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
