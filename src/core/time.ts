import { ValidationError } from './errors.js';

/** Milliseconds since the Unix epoch, UTC. Every timestamp in neural-trader is one of these. */
export type EpochMs = number;

export const MS_PER_DAY = 86_400_000;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parse a date as users and files write it: `2024-01-31`, `2024-01-31 15:30`, ISO 8601 with or without
 * zone (no zone means UTC), epoch seconds or milliseconds as text, or a number (epoch milliseconds). Returns NaN if it cannot be parsed; use
 * `parseDate` for a throwing version with a clear message.
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

/** Parse a date or throw a ValidationError that names the field and the value. */
export function parseDate(input: string | number | Date, field = 'date'): EpochMs {
  const ts = tryParseDate(input);
  if (Number.isNaN(ts)) {
    throw new ValidationError(`${field}: cannot parse date "${String(input)}"`, {
      field,
      hint: 'use YYYY-MM-DD (e.g. 2024-01-31) or an ISO 8601 timestamp',
    });
  }
  return ts;
}

/** A start/end pair checked for order. `end` is inclusive. */
export function parseDateRange(
  start: string | number | Date | undefined,
  end: string | number | Date | undefined,
): { start: EpochMs; end: EpochMs } {
  const startMs = start === undefined ? Number.NEGATIVE_INFINITY : parseDate(start, 'start');
  let endMs = end === undefined ? Number.POSITIVE_INFINITY : parseDate(end, 'end');
  // A bare end date means "through the end of that day".
  if (typeof end === 'string' && DATE_ONLY.test(end.trim())) endMs += MS_PER_DAY - 1;
  if (startMs > endMs) {
    throw new ValidationError(`start (${String(start)}) is after end (${String(end)})`, {
      field: 'start',
      hint: 'swap the dates or pick a start before the end',
    });
  }
  return { start: startMs, end: endMs };
}

/** `2024-01-31` for midnight-UTC timestamps, full ISO otherwise. */
export function formatTimestamp(ts: EpochMs): string {
  const iso = new Date(ts).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z');
}

export function formatDate(ts: EpochMs): string {
  return new Date(ts).toISOString().slice(0, 10);
}
