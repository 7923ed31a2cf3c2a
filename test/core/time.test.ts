import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  formatTimestamp,
  parseDate,
  parseDateBound,
  parseDateRange,
  timestampFormatter,
  tryParseDate,
} from '../../src/core/time.js';
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

  it('dates people type: a bare year or month is its first day as a start and its last as an end', () => {
    expect(parseDateRange('1995', '1995')).toEqual({
      start: Date.UTC(1995, 0, 1),
      end: Date.UTC(1996, 0, 1) - 1,
    });
    expect(parseDateRange('2024-02', '2024-02')).toEqual({
      start: Date.UTC(2024, 1, 1),
      end: Date.UTC(2024, 2, 1) - 1,
    });
    expect(parseDateBound('20190102', 'start', 'start')).toBe(Date.UTC(2019, 0, 2));
    expect(parseDateBound('20190102', 'end', 'end')).toBe(Date.UTC(2019, 0, 3) - 1);
    expect(parseDateBound('2019-01-02T15:30:00Z', 'end', 'end')).toBe(Date.UTC(2019, 0, 2, 15, 30));
    // Library timestamps (numbers) are epoch ms as before.
    expect(parseDateBound(Date.UTC(1965, 0, 1), 'end', 'end')).toBe(Date.UTC(1965, 0, 1));
  });

  it('refuses bare epoch-looking numbers and impossible dates with one line naming the field', () => {
    for (const text of ['1700000000', '1700000000000', '199501', '2019-13', '20190230', '95', 'last week']) {
      let caught: unknown;
      try {
        parseDateBound(text, 'start', 'start');
      } catch (error) {
        caught = error;
      }
      expect(caught, text).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).message).toMatch(/^start: /);
      expect((caught as ValidationError).message).not.toContain('\n');
      expect((caught as ValidationError).hint).toMatch(/YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD/);
    }
    expect(() => parseDate('1700000000', 'start')).toThrow(/not a date \(bare numbers/);
    // Files still read epoch seconds and milliseconds (tryParseDate is the file parser).
    expect(tryParseDate('1700000000')).toBe(1_700_000_000_000);
  });

  it('property: a date written any accepted way starts and ends its own period, and the forms agree', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }),
        (d) => {
          const y = String(d.getUTCFullYear()).padStart(4, '0');
          const m = String(d.getUTCMonth() + 1).padStart(2, '0');
          const day = String(d.getUTCDate()).padStart(2, '0');
          const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
          expect(parseDateBound(`${y}-${m}-${day}`, 'start', 's')).toBe(dayStart);
          expect(parseDateBound(`${y}${m}${day}`, 'start', 's')).toBe(dayStart);
          expect(parseDateBound(`${y}-${m}-${day}`, 'end', 'e')).toBe(dayStart + 86_400_000 - 1);
          for (const text of [y, `${y}-${m}`, `${y}-${m}-${day}`]) {
            const start = parseDateBound(text, 'start', 's');
            const end = parseDateBound(text, 'end', 'e');
            expect(start).toBeLessThanOrEqual(dayStart);
            expect(end).toBeGreaterThanOrEqual(dayStart + 86_400_000 - 1);
          }
        },
      ),
    );
  });

  it('a series is printed in one format: dates only when every timestamp is midnight UTC', () => {
    const daily = [Date.UTC(2001, 2, 29), Date.UTC(2001, 2, 30)];
    const intraday = [Date.UTC(2001, 2, 30), Date.UTC(2001, 2, 30, 21, 30)];
    expect(daily.map(timestampFormatter(daily))).toEqual(['2001-03-29', '2001-03-30']);
    expect(intraday.map(timestampFormatter(intraday))).toEqual([
      '2001-03-30T00:00:00Z',
      '2001-03-30T21:30:00Z',
    ]);
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
