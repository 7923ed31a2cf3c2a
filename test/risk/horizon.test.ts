import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../../src/core/bars.js';
import { fetchMarketData } from '../../src/data/index.js';
import {
  calculateVaR,
  hypotheticalStressTests,
  kellyFromHistory,
  preparePortfolio,
  riskReport,
  VAR_METHODS,
} from '../../src/risk/index.js';

/**
 * Issue #11 item 2: a "1-day" risk figure on intraday data must be a one-day figure. The reference is
 * computed here, independently: the last USDCHF close of each Zurich calendar date (the file's own clock),
 * daily returns, and the empirical 5% quantile of the position's P&L.
 */
const QUANTITY = 100_000;

function zurichDailyReturns(series: BarSeries): number[] {
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Zurich' });
  const closes = new Map<string, number>();
  for (let i = 0; i < series.length; i++) closes.set(date.format(series.timestamps[i]), series.close[i]);
  const daily = [...closes.values()];
  return daily.slice(1).map((c, i) => c / daily[i] - 1);
}

/** numpy's default (linear) quantile. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[lo + 1] ?? sorted[lo]) - sorted[lo]);
}

describe('risk horizons in trading days (USDCHF 30-minute bars)', async () => {
  const usdchf = await fetchMarketData('USDCHF', undefined, undefined, 'sample');
  const exposure = QUANTITY * usdchf.close[usdchf.length - 1];
  const daily = zurichDailyReturns(usdchf);
  const referenceVar = -quantile(
    daily.map((r) => exposure * r),
    0.05,
  );
  const mean = daily.reduce((a, b) => a + b, 0) / daily.length;
  const referenceSd = Math.sqrt(daily.reduce((a, r) => a + (r - mean) ** 2, 0) / (daily.length - 1));
  const portfolio = { positions: { USDCHF: QUANTITY }, prices: { USDCHF: usdchf } };

  it('resamples to daily closes by default and states it; 1-day VaR within 15% of the daily reference', () => {
    for (const method of VAR_METHODS) {
      const result = calculateVaR(portfolio, 0.95, method);
      expect(result.horizon.description).toMatch(
        /^1-day horizon: daily returns \(30Min bars resampled to the last close of each of 1,30\d fx trading days\)$/,
      );
      expect(result.horizon.returns).toBe(1);
      expect(result.observations).toBeGreaterThan(1290);
      expect(result.observations).toBeLessThan(1310);
      expect(Math.abs(result.var / referenceVar - 1)).toBeLessThan(0.15);
    }
    // The old figure (one 30-minute return called a day) was about 7x too small.
    expect(referenceVar).toBeGreaterThan(1500);
  });

  it('scale: bar returns over measured bars per day, with one warning; still within 15% of the daily reference', () => {
    for (const method of VAR_METHODS) {
      const result = calculateVaR(portfolio, 0.95, method, { intraday: 'scale' });
      expect(result.horizon.returns).toBeGreaterThanOrEqual(47);
      expect(result.horizon.returns).toBeLessThanOrEqual(49);
      expect(result.horizon.description).toMatch(
        /^1-day horizon = 4\d 30Min returns \(4\d\.\d per fx trading day/,
      );
      expect(result.warnings.filter((w) => w.startsWith('intraday 30Min returns stand in'))).toHaveLength(1);
      expect(Math.abs(result.var / referenceVar - 1)).toBeLessThan(0.15);
    }
    const parametric = calculateVaR(portfolio, 0.95, 'parametric', { intraday: 'scale' });
    expect(Math.abs((parametric.dailyVolatility as number) / (exposure * referenceSd) - 1)).toBeLessThan(
      0.15,
    );
  });

  it('a 5-day horizon is five trading days of returns in either mode', () => {
    const resampled = calculateVaR(portfolio, 0.99, 'parametric', { horizonDays: 5 });
    expect(resampled.horizon).toMatchObject({ days: 5, returns: 5 });
    expect(resampled.var / calculateVaR(portfolio, 0.99, 'parametric').var).toBeCloseTo(Math.sqrt(5), 12);
    const scaled = calculateVaR(portfolio, 0.99, 'historical', { horizonDays: 5, intraday: 'scale' });
    expect(scaled.horizon.returns).toBeGreaterThan(5 * 47);
  });

  it('risk report: one-day and annual volatility from daily returns and the measured trading days a year', () => {
    const report = riskReport(portfolio, { simulations: 2000 });
    expect(report.returns.kind).toBe('resampled');
    expect(report.returns.periodsPerYear).toBeGreaterThan(255);
    expect(report.returns.periodsPerYear).toBeLessThan(263);
    expect(report.returns.description).toMatch(/measured from the dates/);
    expect(Math.abs(report.dailyVolatility / referenceSd - 1)).toBeLessThan(0.05);
    expect(report.annualVolatility).toBeCloseTo(
      (report.dailyVolatility as number) * Math.sqrt(report.returns.periodsPerYear),
      12,
    );
    const scaled = riskReport(portfolio, { simulations: 2000, intraday: 'scale' });
    expect(Math.abs(scaled.dailyVolatility / referenceSd - 1)).toBeLessThan(0.15);
    expect(Math.abs(scaled.annualVolatility / report.annualVolatility - 1)).toBeLessThan(0.15);
  });

  it('stress VaR scenarios are one-day figures too', () => {
    const prepared = preparePortfolio(portfolio, { intraday: 'scale' });
    const [, volatility] = hypotheticalStressTests(prepared, { confidence: 0.99, volatilityMultiplier: 1 });
    const daily = hypotheticalStressTests(preparePortfolio(portfolio), {
      confidence: 0.99,
      volatilityMultiplier: 1,
    })[1];
    expect(Math.abs(volatility.pnl / daily.pnl - 1)).toBeLessThan(0.15);
  });

  it('Kelly from a history: daily returns annualised by the measured trading days a year', () => {
    const kelly = kellyFromHistory(usdchf, { riskFreeRate: 0.02 });
    const daysPerYear =
      daily.length / ((usdchf.lastTimestamp - usdchf.firstTimestamp) / (365.25 * 86_400_000));
    expect(kelly.periodsPerYear).toBeGreaterThan(255);
    expect(Math.abs(kelly.annualVolatility / (referenceSd * Math.sqrt(daysPerYear)) - 1)).toBeLessThan(0.05);
    expect(kelly.fullKelly).toBeCloseTo((kelly.annualMeanReturn - 0.02) / kelly.annualVolatility ** 2, 12);
    expect(kelly.convention).toMatch(
      /^daily returns \(30Min bars resampled .*measured from the dates.*risk-free rate 0\.02/,
    );
  });

  it('daily data is untouched (same returns as before, 1 return per day)', async () => {
    const ko = await fetchMarketData('KO', '1996-01-01', '2000-12-29', 'sample');
    const prepared = preparePortfolio({ positions: { KO: 10 }, prices: { KO: ko } });
    expect(prepared.basis.kind).toBe('daily');
    expect(prepared.returns[0]).toEqual(
      Float64Array.from(ko.close.subarray(1), (c, i) => c / ko.close[i] - 1),
    );
    expect(prepared.timestamps).toEqual(ko.timestamps);
  });
});
