import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignSeries, resampleSeries } from '../../src/core/bar-ops.js';
import { type Bar, BarSeries } from '../../src/core/bars.js';
import { DataError } from '../../src/core/errors.js';
import type { Timeframe } from '../../src/core/timeframe.js';

const DAY = 86_400_000;

function daily(symbol: string, dates: string[], closes?: number[]): BarSeries {
  return BarSeries.fromBars(
    symbol,
    '1Day',
    dates.map((d, i) => {
      const c = closes?.[i] ?? 10 + i;
      return {
        timestamp: Date.parse(`${d}T00:00:00Z`),
        open: c,
        high: c + 1,
        low: c - 1,
        close: c,
        volume: 1,
      };
    }),
  );
}

describe('alignSeries', () => {
  it('keeps only the timestamps every series has (inner join)', () => {
    const a = daily('A', ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-05'], [1, 2, 3, 5]);
    const b = daily('B', ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'], [20, 30, 40, 50]);
    const [x, y] = alignSeries([a, b]);
    expect(x.toRecords().map((r) => r.date)).toEqual(['2024-01-02', '2024-01-03', '2024-01-05']);
    expect(Array.from(x.close)).toEqual([2, 3, 5]);
    expect(Array.from(y.close)).toEqual([20, 30, 50]);
    expect(y.symbol).toBe('B');
  });

  it('throws DataError naming the symbols when nothing overlaps', () => {
    const a = daily('A', ['2024-01-01', '2024-01-02']);
    const b = daily('B', ['2024-02-01']);
    expect(() => alignSeries([a, b])).toThrow(DataError);
    expect(() => alignSeries([a, b])).toThrow(/A, B/);
  });
});

describe('resampleSeries', () => {
  // Mon 2024-01-01 .. Fri 2024-01-12: two full weeks of weekdays.
  const dates = ['01', '02', '03', '04', '05', '08', '09', '10', '11', '12'].map((d) => `2024-01-${d}`);
  const bars: Bar[] = dates.map((d, i) => ({
    timestamp: Date.parse(`${d}T00:00:00Z`),
    open: 100 + i,
    high: 110 + (i % 3) * 5,
    low: 90 - i,
    close: 101 + i,
    volume: 1000 * (i + 1),
  }));
  const s = BarSeries.fromBars('W', '1Day', bars);

  it('daily -> weekly: first open, max high, min low, last close, summed volume', () => {
    const w = resampleSeries(s, '1Week');
    expect(w.length).toBe(2);
    expect(w.toRecords()).toEqual([
      { date: '2024-01-01', open: 100, high: 120, low: 86, close: 105, volume: 15_000 },
      { date: '2024-01-08', open: 105, high: 120, low: 81, close: 110, volume: 40_000 },
    ]);
  });

  it('daily -> monthly puts bars in calendar months', () => {
    const m = resampleSeries(daily('M', ['2024-01-30', '2024-01-31', '2024-02-01'], [1, 2, 3]), '1Month');
    expect(m.toRecords().map((r) => [r.date, r.open, r.close, r.volume])).toEqual([
      ['2024-01-01', 1, 2, 2],
      ['2024-02-01', 3, 3, 1],
    ]);
  });

  it('30Min -> 1Day', () => {
    const t0 = Date.UTC(2024, 0, 2, 22, 0);
    const half: Bar[] = Array.from({ length: 8 }, (_, i) => ({
      timestamp: t0 + i * 1_800_000,
      open: 1 + i,
      high: 2 + i,
      low: 0.5 + i,
      close: 1.5 + i,
      volume: 10,
    }));
    const d = resampleSeries(BarSeries.fromBars('FX', '30Min', half), '1Day');
    // 22:00..23:30 on Jan 2 (4 bars), 00:00..01:30 on Jan 3 (4 bars).
    expect(d.timeframe).toBe('1Day');
    expect(d.toRecords()).toEqual([
      { date: '2024-01-02', open: 1, high: 5, low: 0.5, close: 4.5, volume: 40 },
      { date: '2024-01-03', open: 5, high: 9, low: 4.5, close: 8.5, volume: 40 },
    ]);
  });

  it('refuses to resample to a finer timeframe', () => {
    expect(() => resampleSeries(s, '1Hour')).toThrow(DataError);
  });

  it('property: preserves total volume and the max high / min low', () => {
    const timeframes: Timeframe[] = ['1Day', '1Week', '1Month'];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 80 }),
        fc.constantFrom(...timeframes),
        fc.integer({ min: 1, max: 1_000_000 }),
        (days, timeframe, seed) => {
          const sorted = [...days].sort((a, b) => a - b);
          const rows: Bar[] = sorted.map((d, i) => {
            const base = 10 + ((seed * (i + 7)) % 97);
            return {
              timestamp: d * DAY,
              open: base,
              high: base + (i % 5),
              low: base - (i % 3) - 1,
              close: base + 0.5,
              volume: (seed + i) % 1000,
            };
          });
          const src = BarSeries.fromBars('P', '1Day', rows);
          const out = resampleSeries(src, timeframe);
          const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
          expect(sum(out.volume)).toBe(sum(src.volume));
          expect(Math.max(...out.high)).toBe(Math.max(...src.high));
          expect(Math.min(...out.low)).toBe(Math.min(...src.low));
          expect(out.open[0]).toBe(src.open[0]);
          expect(out.close[out.length - 1]).toBe(src.close[src.length - 1]);
          for (let i = 1; i < out.length; i++)
            expect(out.timestamps[i]).toBeGreaterThan(out.timestamps[i - 1]);
        },
      ),
    );
  });
});
