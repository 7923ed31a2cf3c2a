import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import type { BarSeries } from '../../src/core/bars.js';
import { fetchMarketData } from '../../src/data/index.js';
import { renderBacktestReport } from '../../src/report/html.js';
import { scripted } from './helpers.js';

/**
 * Issue #11's measure of the time model: annual figures of an FX 30-minute series must agree with the
 * same figures computed independently from calendar time and from daily closes.
 */
const YEAR_MS = 365.25 * 86_400_000;

function sampleSharpe(returns: readonly number[], periodsPerYear: number): number {
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  return (mean / Math.sqrt(variance)) * Math.sqrt(periodsPerYear);
}

/** Reference: the last close of each Zurich calendar date (the file's own clock), annualised by days seen per year. */
function dailyResampledSharpe(series: BarSeries): number {
  const zurichDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Zurich' });
  const closes = new Map<string, number>();
  for (let i = 0; i < series.length; i++)
    closes.set(zurichDate.format(series.timestamps[i]), series.close[i]);
  const daily = [...closes.values()];
  const returns = daily.slice(1).map((c, i) => c / daily[i] - 1);
  const years = (series.lastTimestamp - series.firstTimestamp) / YEAR_MS;
  return sampleSharpe(returns, returns.length / years);
}

describe('annualisation from time, not bar counts (USDCHF 30-minute, 1996-2001)', async () => {
  const usdchf = await fetchMarketData('USDCHF', undefined, undefined, 'sample');
  const n = usdchf.length;
  const years = (usdchf.timestamps[n - 1] - usdchf.timestamps[0]) / YEAR_MS;
  const cagr = (usdchf.close[n - 1] / usdchf.close[0]) ** (1 / years) - 1;

  it('buy-and-hold annualised return is within 0.5 points of the CAGR from the first and last timestamps', () => {
    // A strategy that buys at the first bar (filled at the second bar's open) and holds, no costs ...
    const hold = runBacktest(
      scripted(['USDCHF'], { 0: (c) => c.orderTargetPercent('USDCHF', 0.99) }),
      [usdchf],
      { fractional: true },
    );
    // ... and the engine's own buy-and-hold benchmark.
    expect(cagr).toBeCloseTo(0.0788, 3);
    expect(Math.abs(hold.metrics.annualizedReturn - cagr)).toBeLessThan(0.005);
    expect(Math.abs(hold.metrics.benchmark.annualizedReturn - cagr)).toBeLessThan(0.005);
    expect(hold.metrics.annualisation).toMatchObject({
      basis: 'measured',
      calendar: 'fx',
      timeframe: '30Min',
    });
    expect(hold.metrics.annualisation.years).toBeCloseTo(years, 12);
    // The convention travels with the figures: library field, and the HTML report's metrics table.
    expect(renderBacktestReport(hold)).toContain(
      '<tr><td>Annualisation</td><td>12,508 periods/year measured from the timestamps',
    );
  });

  it('Sharpe of the 30-minute series is within 5% of the Sharpe of its daily closes', () => {
    const result = runBacktest(scripted(['USDCHF'], {}), [usdchf]);
    const reference = dailyResampledSharpe(usdchf);
    expect(reference).toBeGreaterThan(0.6);
    const sharpe = result.metrics.benchmark.sharpeRatio;
    expect(Math.abs(sharpe / reference - 1)).toBeLessThan(0.05);
  });
});
