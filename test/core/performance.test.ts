import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curveMetrics } from '../../src/backtest/metrics.js';
import {
  annualisedGrowth,
  currentDrawdown,
  drawdownStats,
  maxDrawdown,
  returnMoments,
  safeRatio,
  sharpeRatio,
  sortinoRatio,
} from '../../src/core/performance.js';
import { maxDrawdownOfCurve, sharpeOfCurve } from '../../src/portfolio/portfolio.js';
import { maxDrawdown as riskMaxDrawdown } from '../../src/risk/stats.js';

const DAY = 86_400_000;

describe('performance figures (one implementation)', () => {
  // 100 -> 110 -> 99 -> 121: returns +10%, -10%, +22.2...%.
  const curve = [100, 110, 99, 121];
  const r = [0.1, -0.1, 121 / 99 - 1];
  const mean = (r[0] + r[1] + r[2]) / 3;
  const sd = Math.sqrt(((r[0] - mean) ** 2 + (r[1] - mean) ** 2 + (r[2] - mean) ** 2) / 2);

  it('hand-computed moments, Sharpe, Sortino, drawdown', () => {
    const m = returnMoments(curve);
    expect(m.count).toBe(3);
    expect(m.mean).toBeCloseTo(mean, 15);
    expect(m.sd).toBeCloseTo(sd, 15);
    expect(m.downsideDeviation).toBeCloseTo(Math.sqrt(0.01 / 3), 15);
    expect(sharpeRatio(curve, 252)).toBeCloseTo(7.228765761, 6);
    expect(sortinoRatio(curve, 4)).toBeCloseTo((mean / Math.sqrt(0.01 / 3)) * 2, 12);
    expect(maxDrawdown(curve)).toBeCloseTo(0.1, 15);
    expect(currentDrawdown([100, 120, 90])).toBeCloseTo(0.25, 15);
    expect(currentDrawdown([100, 120, 130])).toBe(0);
  });

  it('one convention for a zero deviation: 0 with no return, +-Infinity otherwise; too few returns: NaN', () => {
    expect(sharpeRatio([100, 100, 100], 252)).toBe(0);
    expect(sortinoRatio([100, 100, 100], 252)).toBe(0);
    expect(sharpeRatio([100, 110, 121], 252)).toBe(Number.POSITIVE_INFINITY);
    expect(sortinoRatio([100, 110, 121], 252)).toBe(Number.POSITIVE_INFINITY);
    expect(sharpeRatio([121, 110, 100], 252)).toBeLessThan(-1e6);
    expect(sortinoRatio([100, 90, 81], 252)).toBeLessThan(0);
    expect(sharpeRatio([100, 110], 252)).toBeNaN();
    expect(sharpeRatio([100], 252)).toBeNaN();
    expect(safeRatio(-1, 0)).toBe(Number.NEGATIVE_INFINITY);
    expect(safeRatio(Number.NaN, 0)).toBeNaN();
    // The faces all get the same answer: the Portfolio used to print 0 where the backtest printed Infinity.
    expect(sharpeOfCurve([100, 110, 121], 252)).toBe(Number.POSITIVE_INFINITY);
    expect(curveMetrics([100, 110, 121], 252).sharpeRatio).toBe(Number.POSITIVE_INFINITY);
  });

  it('compound annual growth over elapsed calendar time', () => {
    expect(annualisedGrowth(100, 121, 2)).toBeCloseTo(0.1, 15);
    expect(annualisedGrowth(100, 0, 2)).toBe(-1);
    expect(annualisedGrowth(100, 121, 0)).toBeNaN();
    // A 400-day run with bars only on weekdays: years from the timestamps, not from a bar count.
    const ts = [0, 400 * DAY];
    expect(curveMetrics([100, 121], 252, ts).annualizedReturn).toBeCloseTo(1.21 ** (365.25 / 400) - 1, 12);
  });

  it('drawdown durations in bars and days', () => {
    const c = [100, 120, 90, 100, 130, 117, 125];
    const d = drawdownStats(
      c,
      c.map((_, i) => i * 2 * DAY),
    );
    expect(d).toEqual({ maxDrawdown: 0.25, durationBars: 3, durationDays: 6 });
  });

  it('property: backtest, portfolio and risk report the same Sharpe and drawdown for any curve', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 3, maxLength: 60 }),
        fc.integer({ min: 1, max: 100_000 }),
        (values, periods) => {
          const viaBacktest = curveMetrics(values, periods);
          expect(viaBacktest.sharpeRatio).toBe(sharpeRatio(values, periods));
          expect(sharpeOfCurve(values, periods)).toBe(sharpeRatio(values, periods));
          expect(viaBacktest.maxDrawdown).toBe(maxDrawdown(values));
          expect(maxDrawdownOfCurve(values)).toBe(maxDrawdown(values));
          expect(riskMaxDrawdown(values)).toBe(maxDrawdown(values));
          // Invariants: drawdown is a fraction in [0, 1); Sharpe does not depend on the curve's scale.
          const dd = maxDrawdown(values);
          expect(dd).toBeGreaterThanOrEqual(0);
          expect(dd).toBeLessThan(1);
          const scaled = sharpeRatio(
            values.map((v) => v * 3),
            periods,
          );
          const base = sharpeRatio(values, periods);
          // Only where the returns are more than float rounding: [1, 1 + 2e-16, 1] has returns of one
          // ulp, which scaling by 3 can round to exactly zero.
          const meaningful = values.some((v, i) => i > 0 && Math.abs(v / values[i - 1] - 1) > 1e-9);
          if (Number.isFinite(base) && meaningful) expect(scaled).toBeCloseTo(base, 6);
        },
      ),
      { numRuns: 300 },
    );
  });
});
