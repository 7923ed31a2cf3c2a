import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import {
  buyAndHoldCurve,
  curveMetrics,
  drawdownCurve,
  drawdownStats,
  periodsPerYearFor,
  tradeMetrics,
} from '../../src/backtest/metrics.js';
import { scripted, seriesFrom } from './helpers.js';

const DAY = 86_400_000;

describe('curve metrics (hand-computed)', () => {
  // Curve 100 -> 110 -> 99 -> 121: returns +10%, -10%, +22.2...%.
  const curve = [100, 110, 99, 121];
  const r = [0.1, -0.1, 121 / 99 - 1];
  const mean = (r[0] + r[1] + r[2]) / 3;
  const sd = Math.sqrt(((r[0] - mean) ** 2 + (r[1] - mean) ** 2 + (r[2] - mean) ** 2) / 2);
  const downside = Math.sqrt(0.01 / 3);

  it('total/annualised return, volatility, Sharpe, Sortino, Calmar', () => {
    const m = curveMetrics(curve, 4);
    expect(m.totalReturn).toBeCloseTo(0.21, 12);
    expect(m.annualizedReturn).toBeCloseTo(1.21 ** (4 / 3) - 1, 12);
    expect(m.annualizedVolatility).toBeCloseTo(sd * 2, 12);
    expect(m.sharpeRatio).toBeCloseTo((mean / sd) * 2, 12);
    expect(m.sortinoRatio).toBeCloseTo((mean / downside) * 2, 12);
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.calmarRatio).toBeCloseTo((1.21 ** (4 / 3) - 1) / 0.1, 10);
    // Numerically: mean 0.074074, sd 0.162668 -> Sharpe(252) 7.2288.
    expect(curveMetrics(curve, 252).sharpeRatio).toBeCloseTo(7.228765761, 6);
  });

  it('returns are measured against the initial capital when given', () => {
    expect(curveMetrics([110, 121], 252, undefined, 100).totalReturn).toBeCloseTo(0.21, 12);
  });

  it('max drawdown and its duration in bars and days', () => {
    const c = [100, 120, 90, 100, 130, 117, 125];
    const ts = c.map((_, i) => i * 2 * DAY);
    const d = drawdownStats(c, ts);
    expect(d.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(d.durationBars).toBe(3); // peak at 1, regained at 4
    expect(d.durationDays).toBe(6);
    const expected = [0, 0, -0.25, 100 / 120 - 1, 0, -0.1, 125 / 130 - 1];
    drawdownCurve(c).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i], 12);
    });
    // A drawdown that never recovers lasts until the end.
    expect(drawdownStats([100, 90, 95, 80]).durationBars).toBe(3);
    expect(drawdownStats([1, 2, 3]).maxDrawdown).toBe(0);
  });

  it('degenerate curves give NaN or 0, never throw', () => {
    const flat = curveMetrics([100, 100, 100], 252);
    expect(flat.sharpeRatio).toBe(0);
    expect(flat.totalReturn).toBe(0);
    expect(Number.isNaN(curveMetrics([100], 252).sharpeRatio)).toBe(true);
  });
});

describe('trade metrics', () => {
  it('win rate, profit factor, average win and loss', () => {
    const m = tradeMetrics([10, -5, 20, -15, 0]);
    expect(m).toEqual({ tradeCount: 5, winRate: 0.4, profitFactor: 1.5, averageWin: 15, averageLoss: -10 });
    expect(tradeMetrics([5]).profitFactor).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(tradeMetrics([]).winRate)).toBe(true);
  });
});

describe('benchmark and periods', () => {
  it('equal-weight buy and hold', () => {
    expect(
      Array.from(
        buyAndHoldCurve(
          [
            [10, 11, 12],
            [20, 18, 22],
          ],
          1000,
        ),
      ),
    ).toEqual([1000, 1000, 1150]);
  });
  it('periods per year by timeframe', () => {
    expect(periodsPerYearFor('1Day')).toBe(252);
    expect(periodsPerYearFor('1Hour')).toBe(1638);
    expect(periodsPerYearFor('1Min')).toBe(98_280);
    expect(periodsPerYearFor('1Week')).toBe(52);
  });
});

describe('engine metrics', () => {
  it('exposure, turnover, trade stats and benchmark from a run', () => {
    const rows = [
      [100, 101, 99, 100],
      [102, 105, 101, 104],
      [103, 106, 98, 99],
      [97, 99, 95, 96],
      [110, 112, 108, 111],
      [111, 115, 110, 114],
    ];
    const r = runBacktest(
      scripted(['X'], { 0: (c) => c.buy(10), 2: (c) => c.sell(10) }),
      [seriesFrom('X', rows)],
      { commission: 0 },
    );
    expect(Array.from(r.equity)).toEqual([100_000, 100_020, 99_970, 99_950, 99_950, 99_950]);
    expect(r.metrics.exposure).toBeCloseTo(2 / 6, 12);
    const mean = (100_000 + 100_020 + 99_970 + 3 * 99_950) / 6;
    expect(r.metrics.turnover).toBeCloseTo((1020 + 970) / mean, 12);
    expect(r.metrics.tradeCount).toBe(1);
    expect(r.metrics.winRate).toBe(0);
    expect(r.metrics.averageLoss).toBe(-50);
    expect(r.metrics.totalReturn).toBeCloseTo(-0.0005, 12);
    expect(r.metrics.benchmark.totalReturn).toBeCloseTo(0.14, 12);
    expect(r.metrics.benchmark.maxDrawdown).toBeCloseTo(1 - 96 / 104, 12);
    // Buy-and-hold gets the full set of curve measures, not just four (the report's blank column).
    expect(r.metrics.benchmark.maxDrawdownDurationBars).toBe(3); // peak at bar 1, regained at bar 4
    expect(Number.isFinite(r.metrics.benchmark.annualizedVolatility)).toBe(true);
    expect(Number.isFinite(r.metrics.benchmark.sortinoRatio)).toBe(true);
    expect(r.metrics.benchmark.calmarRatio).toBeCloseTo(
      r.metrics.benchmark.annualizedReturn / r.metrics.benchmark.maxDrawdown,
      12,
    );
    expect(r.benchmarkEquity[5]).toBeCloseTo(114_000, 8);
    expect(r.trades[0]).toMatchObject({
      entryPrice: 102,
      exitPrice: 97,
      quantity: 10,
      pnl: -50,
      barsHeld: 2,
    });
    expect(r.trades[0].returnFraction).toBeCloseTo(-50 / 1020, 12);
  });
});
