import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bar, BarSeries } from '../../src/core/bars.js';
import { DataError } from '../../src/core/errors.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

function series(closes: number[], symbol = 'X'): BarSeries {
  const bars: Bar[] = closes.map((close, i) => ({
    timestamp: T0 + i * DAY,
    open: close,
    high: close + 1,
    low: close - 1,
    close,
    volume: 100 + i,
  }));
  return BarSeries.fromBars(symbol, '1Day', bars);
}

describe('BarSeries', () => {
  it('slice is zero copy: it shares the parent buffers', () => {
    const s = series([10, 11, 12, 13, 14]);
    const part = s.slice(1, 4);
    expect(part.length).toBe(3);
    expect(part.close.buffer).toBe(s.close.buffer);
    expect(part.timestamps.buffer).toBe(s.timestamps.buffer);
    expect(Array.from(part.close)).toEqual([11, 12, 13]);
    // Same memory: a write through the parent is visible in the slice.
    s.close[2] = 99;
    expect(part.close[1]).toBe(99);
  });

  it('slice clamps out-of-range indices', () => {
    const s = series([1, 2, 3]);
    expect(s.slice(-5, 100).length).toBe(3);
    expect(s.slice(2, 1).length).toBe(0);
  });

  it('between includes both bounds', () => {
    const s = series([10, 11, 12, 13, 14]);
    const part = s.between(T0 + DAY, T0 + 3 * DAY);
    expect(Array.from(part.close)).toEqual([11, 12, 13]);
    expect(s.between(T0 + DAY + 1, T0 + 3 * DAY - 1).length).toBe(1);
    expect(s.between(T0 + 10 * DAY, T0 + 20 * DAY).length).toBe(0);
  });

  it('returns and logReturns have known values', () => {
    const s = series([100, 110, 99]);
    const r = s.returns();
    expect(r.length).toBe(2);
    expect(r[0]).toBeCloseTo(0.1, 12);
    expect(r[1]).toBeCloseTo(-0.1, 12);
    const lr = s.logReturns();
    expect(lr[0]).toBeCloseTo(Math.log(1.1), 12);
    expect(lr[1]).toBeCloseTo(Math.log(0.9), 12);
    expect(series([5]).returns().length).toBe(0);
  });

  it('fromCloses builds a close-only series', () => {
    const ts = new Float64Array([T0, T0 + DAY]);
    const s = BarSeries.fromCloses('C', '1Day', ts, new Float64Array([1, 2]));
    expect(s.closeOnly).toBe(true);
    expect(s.high[1]).toBe(2);
    expect(s.volume[1]).toBe(0);
  });

  it('rejects columns of different lengths', () => {
    const a = new Float64Array(3);
    expect(
      () =>
        new BarSeries('X', '1Day', {
          timestamps: a,
          open: a,
          high: a,
          low: a,
          close: new Float64Array(2),
          volume: a,
        }),
    ).toThrow(DataError);
  });

  it('toRecords formats dates', () => {
    const rec = series([10]).toRecords()[0];
    expect(rec).toEqual({ date: '2024-01-01', open: 10, high: 11, low: 9, close: 10, volume: 100 });
  });

  it('property: slice and between never return bars outside the requested range', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 500 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: -10, max: 510 }),
        fc.integer({ min: -10, max: 510 }),
        (days, a, b) => {
          const sorted = [...days].sort((x, y) => x - y);
          const s = BarSeries.fromBars(
            'P',
            '1Day',
            sorted.map((d) => ({ timestamp: d * DAY, open: 1, high: 1, low: 1, close: 1, volume: 1 })),
          );
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const part = s.between(lo * DAY, hi * DAY);
          for (const ts of part.timestamps) {
            expect(ts).toBeGreaterThanOrEqual(lo * DAY);
            expect(ts).toBeLessThanOrEqual(hi * DAY);
          }
          // Nothing in range is missed.
          expect(part.length).toBe(sorted.filter((d) => d >= lo && d <= hi).length);
          const sliced = s.slice(a, b);
          expect(sliced.length).toBe(Math.max(0, Math.min(b, s.length) - Math.max(0, Math.min(a, s.length))));
        },
      ),
    );
  });
});
