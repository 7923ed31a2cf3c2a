import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  annualisationOf,
  countTradingDays,
  inferCalendar,
  lastBarOfEachDay,
  MS_PER_YEAR,
  nominalPeriodsPerYear,
  parseMarketCalendar,
  seasonOf,
  startOfLastTradingDays,
  timeframeOfSpacing,
  tradingDay,
} from '../../src/core/calendar.js';
import { ValidationError } from '../../src/core/errors.js';
import { fetchMarketData } from '../../src/data/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Timestamps every `stepMs` from `start`, kept when `keep(ts)` says so, until `count` are collected. */
function clock(start: number, stepMs: number, count: number, keep: (ts: number) => boolean): Float64Array {
  const out = new Float64Array(count);
  let k = 0;
  for (let ts = start; k < count; ts += stepMs) if (keep(ts)) out[k++] = ts;
  return out;
}
const utcDay = (ts: number) => new Date(ts).getUTCDay();
const weekdayOnly = (ts: number) => utcDay(ts) !== 0 && utcDay(ts) !== 6;
/** US regular session in winter: 14:30-21:00 UTC, weekdays. */
const usSession = (ts: number) => {
  const minutes = (ts % DAY) / 60_000;
  return weekdayOnly(ts) && minutes >= 14 * 60 + 30 && minutes < 21 * 60;
};

describe('market calendars', () => {
  it('nominal periods per year: sessions x bars per session', () => {
    expect(nominalPeriodsPerYear('us-equity', '1Day')).toBe(252);
    expect(nominalPeriodsPerYear('us-equity', '30Min')).toBe(252 * 13);
    expect(nominalPeriodsPerYear('us-equity', '1Hour')).toBe(1638);
    expect(nominalPeriodsPerYear('fx', '30Min')).toBe(260 * 48);
    expect(nominalPeriodsPerYear('fx', '1Hour')).toBe(6240);
    expect(nominalPeriodsPerYear('crypto', '1Hour')).toBe(8760);
    expect(nominalPeriodsPerYear('crypto', '1Day')).toBe(365);
    expect(nominalPeriodsPerYear('crypto', '1Week')).toBe(52);
  });

  it('parses calendar names and refuses others in one line', () => {
    expect(parseMarketCalendar(' FX ')).toBe('fx');
    expect(() => parseMarketCalendar('nyse')).toThrow(ValidationError);
    expect(() => parseMarketCalendar('nyse')).toThrow(/calendar: unknown market calendar "nyse"/);
  });

  it('trading days: New York date, FX day rolling at 22:00 UTC with the weekend folded, UTC date for crypto', () => {
    const monday = Date.UTC(2024, 0, 8);
    // FX: Sunday 22:00 UTC (the week's open) is Monday's session; Friday 22:30 UTC stays Friday.
    expect(tradingDay(monday - 2 * HOUR, 'fx')).toBe(monday / DAY);
    expect(tradingDay(monday + 4 * DAY + 22.5 * HOUR, 'fx')).toBe(monday / DAY + 4);
    expect(tradingDay(monday + 21.5 * HOUR, 'fx')).toBe(monday / DAY);
    expect(tradingDay(monday + 22.5 * HOUR, 'fx')).toBe(monday / DAY + 1);
    // US equities: a 20:30 UTC print and a 01:00 UTC after-hours print belong to the New York date.
    expect(tradingDay(monday + 20.5 * HOUR, 'us-equity')).toBe(monday / DAY);
    expect(tradingDay(monday + DAY + 1 * HOUR, 'us-equity')).toBe(monday / DAY);
    expect(tradingDay(monday + 23 * HOUR, 'crypto')).toBe(monday / DAY);
    // Daily bars (midnight UTC) are their own day on every calendar that has them.
    expect(tradingDay(monday, 'fx')).toBe(monday / DAY);
    expect(tradingDay(monday, 'crypto')).toBe(monday / DAY);
  });

  it('infers the calendar from the timestamps', () => {
    const start = Date.UTC(2023, 0, 2);
    expect(
      inferCalendar(
        clock(start, HOUR, 5000, () => true),
        '1Hour',
      ),
    ).toBe('crypto');
    expect(inferCalendar(clock(start, 30 * 60_000, 5000, weekdayOnly), '30Min')).toBe('fx');
    expect(inferCalendar(clock(start, 30 * 60_000, 5000, usSession), '30Min')).toBe('us-equity');
    expect(
      inferCalendar(
        clock(start, DAY, 400, () => true),
        '1Day',
      ),
    ).toBe('crypto');
  });

  it('measures periods per year over a year or more, else uses the inferred calendar', () => {
    const start = Date.UTC(2021, 0, 4);
    // Two years of 24x7 hourly bars: 24 x 365.25 a year.
    const crypto = clock(start, HOUR, 2 * 8766 + 1, () => true);
    const a = annualisationOf(crypto, '1Hour');
    expect(a.basis).toBe('measured');
    expect(a.calendar).toBe('crypto');
    expect(a.periodsPerYear).toBeCloseTo(8766, 6);
    expect(a.years).toBeCloseTo(2, 12);
    expect(a.barsPerDay).toBeCloseTo(24, 1);
    // A month of the same: nominal 24 x 365.
    const month = annualisationOf(crypto.subarray(0, 24 * 30), '1Hour');
    expect(month.basis).toBe('calendar');
    expect(month.periodsPerYear).toBe(8760);
    expect(month.description).toMatch(/under a year of data/);
    // Asked for: a calendar or a number.
    expect(annualisationOf(crypto, '1Hour', { calendar: 'fx' }).periodsPerYear).toBe(6240);
    const given = annualisationOf(crypto, '1Hour', { periodsPerYear: 100 });
    expect(given).toMatchObject({ basis: 'given', periodsPerYear: 100 });
    expect(() => annualisationOf(crypto, '1Hour', { periodsPerYear: Number.NaN })).toThrow(/periodsPerYear/);
  });

  it('bundled data: GOLD and DJIA (forward-filled weekdays), SPX sessions, USDCHF 30-minute FX', async () => {
    const measure = async (symbol: string) => {
      const series = await fetchMarketData(symbol, undefined, undefined, 'sample');
      return annualisationOf(series.timestamps, series.timeframe);
    };
    const gold = await measure('GOLD');
    expect(gold.calendar).toBe('fx');
    expect(gold.periodsPerYear).toBeCloseTo(260.86, 2);
    const djia = await measure('DJIA');
    expect(djia.periodsPerYear).toBeCloseTo(260.88, 2);
    const spx = await measure('SPX');
    expect(spx.calendar).toBe('us-equity');
    expect(spx.periodsPerYear).toBeCloseTo(251.58, 2);
    const usdchf = await measure('USDCHF');
    expect(usdchf.calendar).toBe('fx');
    expect(usdchf.basis).toBe('measured');
    expect(usdchf.periodsPerYear).toBeCloseTo(12_507.7, 1);
    // Sunday-evening bars join Monday: about 48 half-hours per FX day, 5 days a week.
    expect(usdchf.barsPerDay).toBeGreaterThan(47);
    expect(usdchf.barsPerDay).toBeLessThan(49);
    expect(usdchf.description).toMatch(/^12,508 periods\/year measured from the timestamps/);
  });

  it('the last bar of each trading day', () => {
    const monday = Date.UTC(2024, 0, 8);
    const ts = [monday - 2 * HOUR, monday + HOUR, monday + 23 * HOUR, monday + 30 * HOUR];
    // FX: [Sun 22:00, Mon 01:00] -> Monday, [Mon 23:00, Tue 06:00] -> Tuesday.
    expect(Array.from(lastBarOfEachDay(ts, 'fx'))).toEqual([1, 3]);
    expect(Array.from(lastBarOfEachDay(ts, 'crypto'))).toEqual([0, 2, 3]);
    expect(countTradingDays(ts, 'crypto')).toBe(3);
    expect(lastBarOfEachDay([], 'fx')).toHaveLength(0);
  });

  it('property: measured periods per year x years = returns; the last bar of each day is increasing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 60_000, max: 3 * DAY }), { minLength: 3, maxLength: 400 }),
        (gaps) => {
          const ts = [Date.UTC(2020, 0, 1)];
          for (const g of gaps) ts.push(ts[ts.length - 1] + g);
          const a = annualisationOf(ts, '1Hour');
          if (a.basis === 'measured') expect(a.periodsPerYear * a.years).toBeCloseTo(gaps.length, 6);
          else expect(a.years).toBeLessThan(365 / 365.25 + 1e-9);
          expect(a.years * MS_PER_YEAR).toBeCloseTo(ts[ts.length - 1] - ts[0], 0);
          const last = lastBarOfEachDay(ts, a.calendar);
          for (let i = 1; i < last.length; i++) expect(last[i]).toBeGreaterThan(last[i - 1]);
          expect(last[last.length - 1]).toBe(ts.length - 1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the bar size of unlabelled marks', () => {
    expect(timeframeOfSpacing([0, DAY, 2 * DAY, 5 * DAY])).toBe('1Day');
    expect(timeframeOfSpacing([0, 1_800_000, 3_600_000])).toBe('30Min');
    expect(timeframeOfSpacing([0])).toBe('1Day');
  });
});

describe('startOfLastTradingDays', () => {
  it('daily bars: the last n bars; intraday: every bar of the last n trading days; fewer: all', async () => {
    const daily = [0, DAY, 2 * DAY, 3 * DAY, 4 * DAY];
    expect(startOfLastTradingDays(daily, '1Day', 2)).toBe(3);
    expect(startOfLastTradingDays(daily, '1Day', 10)).toBe(0);
    const usdchf = await fetchMarketData('USDCHF', undefined, undefined, 'sample');
    const from = startOfLastTradingDays(usdchf.timestamps, usdchf.timeframe, 3);
    const tail = usdchf.timestamps.subarray(from);
    // Exactly three FX trading days, and the bar before them belongs to the day before.
    expect(countTradingDays(tail, 'fx')).toBe(3);
    expect(tradingDay(usdchf.timestamps[from - 1], 'fx')).toBeLessThan(tradingDay(tail[0], 'fx'));
    expect(tail.length).toBeGreaterThan(3 * 40);
    expect(startOfLastTradingDays(usdchf.timestamps, usdchf.timeframe, 1_000_000)).toBe(0);
    expect(() => startOfLastTradingDays(daily, '1Day', 0)).toThrow(ValidationError);
  });
});

describe('seasonOf: the seasonal-naive season from the timestamps', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  /** Weekday (Mon-Fri) UTC midnights from 2021-01-04, a Monday. */
  const weekdays = (n: number) => {
    const out: number[] = [];
    for (let d = 0; out.length < n; d++) if (d % 7 < 5) out.push(Date.UTC(2021, 0, 4) + d * DAY);
    return out;
  };
  it('one week of daily bars: 5 for a weekday calendar, 7 for crypto', () => {
    expect(seasonOf(weekdays(300)).bars).toBe(5);
    expect(seasonOf(weekdays(300)).basis).toContain('one week of');
    const everyDay = Array.from({ length: 300 }, (_, i) => Date.UTC(2021, 0, 1) + i * DAY);
    expect(seasonOf(everyDay)).toMatchObject({ bars: 7 });
    expect(seasonOf(everyDay).basis).toContain('crypto');
  });
  it('one trading day of intraday bars: 13 US half-hours, 48 FX half-hours, 24 crypto hours', () => {
    const us: number[] = [];
    for (const day of weekdays(20)) for (let k = 0; k < 13; k++) us.push(day + 14.5 * HOUR + k * 0.5 * HOUR);
    expect(seasonOf(us).bars).toBe(13);
    const fx: number[] = [];
    for (const day of weekdays(20)) for (let k = 0; k < 48; k++) fx.push(day + k * 0.5 * HOUR);
    expect(seasonOf(fx).bars).toBe(48);
    const crypto = Array.from({ length: 24 * 20 }, (_, i) => Date.UTC(2021, 0, 1) + i * HOUR);
    expect(seasonOf(crypto).bars).toBe(24);
  });
  it('a year of weekly or monthly bars', () => {
    const weekly = Array.from({ length: 200 }, (_, i) => Date.UTC(2010, 0, 4) + i * 7 * DAY);
    expect(seasonOf(weekly).bars).toBe(52);
    const monthly = Array.from({ length: 120 }, (_, i) => Date.UTC(2010, i, 1));
    expect(seasonOf(monthly).bars).toBe(12);
  });
});
