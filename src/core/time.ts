import { ValidationError } from './errors.js';

/** Milliseconds since the Unix epoch, UTC. Every timestamp in neural-trader is one of these. */
export type EpochMs = number;

export const MS_PER_DAY = 86_400_000;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parse a timestamp as data files write it: `2024-01-31`, `2024-01-31 15:30`, ISO 8601 with or without
 * zone (no zone means UTC), epoch seconds or milliseconds as text, or a number (epoch milliseconds).
 * Returns NaN if it cannot be parsed. For dates people type (flags, tool arguments, start/end), use
 * `parseDateBound`/`parseDate`/`parseDateRange`, which refuse bare epoch numbers.
 */
export function tryParseDate(input: string | number | Date): EpochMs {
  if (input instanceof Date) return input.getTime();
  // A number is already epoch milliseconds (the library's own timestamps, which can predate 1973).
  if (typeof input === 'number') return Number.isFinite(input) ? input : Number.NaN;
  const text = input.trim();
  let m = DATE_ONLY.exec(text);
  if (m) return validYmd(+m[1], +m[2], +m[3]) ? Date.UTC(+m[1], +m[2] - 1, +m[3]) : Number.NaN;
  m = DATE_TIME.exec(text);
  if (m) {
    if (!validYmd(+m[1], +m[2], +m[3])) return Number.NaN;
    const hours = +m[4];
    const minutes = +m[5];
    const seconds = m[6] ? +m[6] : 0;
    if (hours > 23 || minutes > 59 || seconds > 60) return Number.NaN;
    const millis = m[7] ? +m[7].padEnd(3, '0') : 0;
    let ts = Date.UTC(+m[1], +m[2] - 1, +m[3], hours, minutes, seconds, millis);
    const zone = m[8];
    if (zone && zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      ts -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2, 4)) * 60_000;
    }
    return ts;
  }
  // Digits in text come from files and flags: up to 11 integer digits is epoch seconds (until the year
  // 5138), more is milliseconds.
  const numeric = /^(-?\d+)(\.\d+)?$/.exec(text);
  if (numeric) {
    const value = Number(text);
    return numeric[1].replace('-', '').length <= 11 ? value * 1000 : value;
  }
  return Number.NaN;
}

function validYmd(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/** Which end of a range a date bounds: a bare year or month means its first day as a start, its last as an end. */
export type DateBound = 'start' | 'end';

const YEAR_ONLY = /^(\d{4})$/;
const YEAR_MONTH = /^(\d{4})-(\d{2})$/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const DIGITS_ONLY = /^[+-]?\d+(\.\d+)?$/;

/** The forms a person may type for a date, for messages and hints. */
export const DATE_FORMS = 'YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD or an ISO 8601 timestamp';

/**
 * A date typed by a person (a CLI flag, an MCP argument, a library call's start/end), as the first or last
 * millisecond it can mean:
 * - `2019` is 2019-01-01 as a start and 2019-12-31T23:59:59.999Z as an end; `2019-06` likewise for June;
 * - `2019-06-14` and `20190614` are that whole day (its first or last millisecond);
 * - `2019-06-14 15:30`, `2019-06-14T15:30:00Z`, `...+02:00` are that instant (no zone means UTC);
 * - a number is epoch milliseconds (the library's own timestamps) and a Date is itself.
 * Anything else, including digits that look like epoch seconds or milliseconds (`1700000000`), is refused
 * with one line: a bare number on a command line is far more often a typo than a timestamp.
 */
export function tryParseDateBound(input: string | number | Date, bound: DateBound = 'start'): EpochMs {
  if (input instanceof Date || typeof input === 'number') return tryParseDate(input);
  const text = String(input).trim();
  const last = bound === 'end';
  let m = YEAR_ONLY.exec(text);
  if (m) return last ? Date.UTC(+m[1] + 1, 0, 1) - 1 : Date.UTC(+m[1], 0, 1);
  m = YEAR_MONTH.exec(text);
  if (m) {
    const month = +m[2];
    if (month < 1 || month > 12) return Number.NaN;
    return last ? Date.UTC(+m[1], month, 1) - 1 : Date.UTC(+m[1], month - 1, 1);
  }
  m = COMPACT_DATE.exec(text) ?? DATE_ONLY.exec(text);
  if (m) {
    if (!validYmd(+m[1], +m[2], +m[3])) return Number.NaN;
    const day = Date.UTC(+m[1], +m[2] - 1, +m[3]);
    return last ? day + MS_PER_DAY - 1 : day;
  }
  if (DIGITS_ONLY.test(text)) return Number.NaN;
  return tryParseDate(text);
}

/** `tryParseDateBound` that throws one ValidationError naming the field, the value and the accepted forms. */
export function parseDateBound(input: string | number | Date, bound: DateBound, field: string): EpochMs {
  const ts = tryParseDateBound(input, bound);
  if (Number.isNaN(ts)) {
    const text = String(input).trim().slice(0, 40);
    const epochLike = typeof input === 'string' && DIGITS_ONLY.test(text);
    throw new ValidationError(
      epochLike
        ? `${field}: "${text}" is not a date (bare numbers are not read as epoch timestamps)`
        : `${field}: cannot parse date "${text}"`,
      { field, hint: `write ${DATE_FORMS}, e.g. 2019, 2019-06 or 2019-06-14` },
    );
  }
  return ts;
}

/** Parse a date a person gave (its first moment) or throw a ValidationError that names the field. */
export function parseDate(input: string | number | Date, field = 'date'): EpochMs {
  return parseDateBound(input, 'start', field);
}

/**
 * A start/end pair as people give them, checked for order. `end` is inclusive: a bare end year, month or
 * day runs to its last millisecond. Undefined bounds are open (-Infinity / +Infinity).
 */
export function parseDateRange(
  start: string | number | Date | undefined,
  end: string | number | Date | undefined,
): { start: EpochMs; end: EpochMs } {
  const startMs = start === undefined ? Number.NEGATIVE_INFINITY : parseDateBound(start, 'start', 'start');
  const endMs = end === undefined ? Number.POSITIVE_INFINITY : parseDateBound(end, 'end', 'end');
  if (startMs > endMs) {
    throw new ValidationError(
      `start (${formatTimestamp(startMs)}) is after end (${formatTimestamp(endMs)})`,
      {
        field: 'start',
        hint: 'swap the dates or pick a start before the end',
      },
    );
  }
  return { start: startMs, end: endMs };
}

/** `2024-01-31` for midnight-UTC timestamps, full ISO otherwise. For one value; a series uses `timestampFormatter`. */
export function formatTimestamp(ts: EpochMs): string {
  return ts % MS_PER_DAY === 0 ? formatDate(ts) : formatInstant(ts);
}

/** Always the full instant, `2024-01-31T09:30:00Z` (milliseconds only when there are some). */
export function formatInstant(ts: EpochMs): string {
  return new Date(ts).toISOString().replace('.000Z', 'Z');
}

export function formatDate(ts: EpochMs): string {
  return new Date(ts).toISOString().slice(0, 10);
}

/** True when every finite timestamp is midnight UTC: a daily (or coarser) series, printable as dates. */
export function allMidnightUtc(timestamps: Iterable<number>): boolean {
  for (const ts of timestamps) if (Number.isFinite(ts) && ts % MS_PER_DAY !== 0) return false;
  return true;
}

/**
 * One format for a whole series (a bar series, an equity curve, a table column, one JSON document), so a
 * series never mixes `2001-03-30` with `2001-03-30T21:30:00Z`: dates when every timestamp is midnight UTC,
 * full ISO instants for all of them otherwise.
 */
export function timestampFormatter(timestamps: Iterable<number>): (ts: EpochMs) => string {
  return allMidnightUtc(timestamps) ? formatDate : formatInstant;
}
