// The time filters of Twilio's "list calls": StartTime and EndTime, each as a date (the calls of
// that UTC day) or with an inequality, `StartTime<=2026-12-08` (on or before midnight of the
// date) and `StartTime>=…` (on or after). In a query string `StartTime>=D` is the parameter
// `StartTime>` with the value D, which is also how Twilio's helper libraries send
// start_time_after and start_time_before; they send a whole ISO 8601 time, which bounds at that
// instant.
import { twilioError } from './twilio-error.ts';
import type { TwilioError } from './twilio-error.ts';

/** Epoch milliseconds, both ends included; an end absent is open. */
export interface TimeRange {
  readonly from?: number;
  readonly until?: number;
}

const DAY_MS = 86_400_000;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
// A time must say its offset: a time without one would be read in whatever zone the worker runs.
const timePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The parameters a time filter is read from, kept as given for the pages' URIs. */
export const timeFilterNames = (field: 'StartTime' | 'EndTime') => [field, `${field}>`, `${field}<`] as const;

function instant(name: string, text: string): number | TwilioError {
  const date = datePattern.exec(text);
  const ms = date ? Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])) : timePattern.test(text) ? Date.parse(text) : Number.NaN;
  // Date.UTC rolls 2026-02-31 over into March; a date that does not survive the round trip is not one.
  if (Number.isNaN(ms) || (date && new Date(ms).toISOString().slice(0, 10) !== text)) {
    return twilioError(400, 20001, `${name} must be a date (YYYY-MM-DD) or a time with its offset (2026-12-08T09:30:00Z), not ${JSON.stringify(text)}`);
  }
  return ms;
}

/** The range `field`'s parameters give (undefined when none is), or the error for the first that cannot be read. */
export function timeRange(params: URLSearchParams, field: 'StartTime' | 'EndTime'): TimeRange | TwilioError | undefined {
  const [onDay, after, before] = timeFilterNames(field);
  let from: number | undefined;
  let until: number | undefined;
  const narrow = (lower: number | undefined, upper: number | undefined) => {
    if (lower !== undefined) from = Math.max(from ?? lower, lower);
    if (upper !== undefined) until = Math.min(until ?? upper, upper);
  };
  for (const [name, bound] of [[onDay, 'day'], [after, 'from'], [before, 'until']] as const) {
    const text = params.get(name);
    if (text === null) continue;
    const ms = instant(name, text);
    if (typeof ms !== 'number') return ms;
    if (bound === 'day') {
      // Its UTC day, even when given as a time.
      const day = Math.floor(ms / DAY_MS) * DAY_MS;
      narrow(day, day + DAY_MS - 1);
    } else if (bound === 'from') narrow(ms, undefined);
    else narrow(undefined, ms);
  }
  if (from === undefined && until === undefined) return undefined;
  return { ...(from === undefined ? {} : { from }), ...(until === undefined ? {} : { until }) };
}

/** Whether `ms` (undefined: the call has no such time yet) lies in `range` (undefined: no filter). */
export const inRange = (ms: number | undefined, range: TimeRange | undefined): boolean =>
  range === undefined || (ms !== undefined && (range.from === undefined || ms >= range.from) && (range.until === undefined || ms <= range.until));
