import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { formatTimestamp, parseDate, parseDateRange, tryParseDate } from '../../src/core/time.js';
import { parseTimeframe } from '../../src/core/timeframe.js';

describe('time parsing', () => {
  it('parses dates, date-times, zones and epochs to UTC ms', () => {
    expect(tryParseDate('2024-01-31')).toBe(Date.UTC(2024, 0, 31));
    expect(tryParseDate('2024-01-31 15:30')).toBe(Date.UTC(2024, 0, 31, 15, 30));
    expect(tryParseDate('2024-01-31T15:30:05.25Z')).toBe(Date.UTC(2024, 0, 31, 15, 30, 5, 250));
    expect(tryParseDate('2024-01-31T15:30:00+02:00')).toBe(Date.UTC(2024, 0, 31, 13, 30));
    expect(tryParseDate('2024-01-31T15:30:00-0500')).toBe(Date.UTC(2024, 0, 31, 20, 30));
    // Text digits: seconds up to 11 digits, else milliseconds. Numbers are always epoch ms, so library
    // timestamps before 1973 (below 1e11 ms) are not mistaken for seconds.
    expect(tryParseDate('1700000000')).toBe(1_700_000_000_000);
    expect(tryParseDate('1700000000000')).toBe(1_700_000_000_000);
    expect(tryParseDate(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(tryParseDate(Date.UTC(1970, 5, 1))).toBe(Date.UTC(1970, 5, 1));
  });

  it('rejects impossible dates', () => {
    expect(tryParseDate('2023-02-29')).toBeNaN();
    expect(tryParseDate('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(tryParseDate('2024-13-01')).toBeNaN();
    expect(tryParseDate('2024-01-01 24:00')).toBeNaN();
    expect(tryParseDate('yesterday')).toBeNaN();
  });

  it('parseDate names the field', () => {
    expect(() => parseDate('nope', 'start')).toThrow(ValidationError);
    try {
      parseDate('nope', 'end');
    } catch (error) {
      expect((error as ValidationError).field).toBe('end');
      expect((error as ValidationError).message).toContain('"nope"');
    }
  });

  it('parseDateRange: inclusive bare end date, order check', () => {
    const r = parseDateRange('2024-01-01', '2024-01-31');
    expect(r.start).toBe(Date.UTC(2024, 0, 1));
    expect(r.end).toBe(Date.UTC(2024, 1, 1) - 1);
    expect(parseDateRange(undefined, undefined)).toEqual({
      start: Number.NEGATIVE_INFINITY,
      end: Number.POSITIVE_INFINITY,
    });
    expect(() => parseDateRange('2024-02-01', '2024-01-01')).toThrow(/after end/);
  });

  it('formatTimestamp prints midnight as a date and other times as ISO', () => {
    expect(formatTimestamp(Date.UTC(2024, 0, 2))).toBe('2024-01-02');
    expect(formatTimestamp(Date.UTC(2024, 0, 2, 9, 30))).toBe('2024-01-02T09:30:00Z');
  });

  it('parseTimeframe accepts aliases and names the field on error', () => {
    expect(parseTimeframe('1Day')).toBe('1Day');
    expect(parseTimeframe('daily')).toBe('1Day');
    expect(parseTimeframe('30m')).toBe('30Min');
    expect(() => parseTimeframe('7Min')).toThrow(/timeframe/);
  });
});
