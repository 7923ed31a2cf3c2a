import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../../src/core/bars.js';
import {
  generateCointegratedPair,
  generateGbmSeries,
  SyntheticProvider,
  syntheticTimestamps,
} from '../../src/data/synthetic.js';

function expectConsistentOhlcv(s: BarSeries): void {
  const bad: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ok =
      s.low[i] > 0 &&
      s.high[i] >= Math.max(s.open[i], s.close[i]) &&
      s.low[i] <= Math.min(s.open[i], s.close[i]) &&
      s.volume[i] > 0 &&
      (i === 0 || s.timestamps[i] > s.timestamps[i - 1]);
    if (!ok) bad.push(i);
  }
  expect(bad).toEqual([]);
}

/** Lag-1 autocorrelation of x. */
function lag1(x: Float64Array): number {
  const n = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    den += (x[i] - mean) ** 2;
    if (i > 0) num += (x[i] - mean) * (x[i - 1] - mean);
  }
  return num / den;
}

describe('synthetic data', () => {
  it('GBM is reproducible from the seed and differs across seeds', () => {
    const a = generateGbmSeries({ seed: 7, bars: 500 });
    const b = generateGbmSeries({ seed: 7, bars: 500 });
    const c = generateGbmSeries({ seed: 8, bars: 500 });
    expect(Array.from(a.close)).toEqual(Array.from(b.close));
    expect(Array.from(a.volume)).toEqual(Array.from(b.volume));
    expect(Array.from(a.close)).not.toEqual(Array.from(c.close));
    expectConsistentOhlcv(a);
    expect(a.open[0]).toBe(100);
  });

  it('GBM log returns have the requested drift and volatility', () => {
    const s = generateGbmSeries({ seed: 1, bars: 20_000, mu: 0.1, sigma: 0.3 });
    const r = s.logReturns();
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1));
    expect(sd * Math.sqrt(252)).toBeCloseTo(0.3, 1);
    // Mean daily log return (0.1 - 0.045) / 252, within ~4 standard errors.
    expect(Math.abs(mean - 0.055 / 252)).toBeLessThan((4 * sd) / Math.sqrt(r.length));
  });

  it('daily bars fall on business days; intraday skips weekends', () => {
    const days = syntheticTimestamps(Date.UTC(2024, 0, 5), 3, '1Day'); // Friday
    expect(Array.from(days).map((t) => new Date(t).toISOString().slice(0, 10))).toEqual([
      '2024-01-05',
      '2024-01-08',
      '2024-01-09',
    ]);
    const hours = syntheticTimestamps(Date.UTC(2024, 0, 5, 22), 3, '1Hour');
    expect(new Date(hours[2]).getUTCDay()).toBe(1);
    const s = generateGbmSeries({ bars: 1000, timeframe: '15Min', seed: 3 });
    expect(Array.from(s.timestamps).filter((t) => [0, 6].includes(new Date(t).getUTCDay()))).toEqual([]);
  });

  it('cointegrated pair: the spread mean-reverts, the legs do not', () => {
    const [a, b] = generateCointegratedPair({
      seed: 11,
      bars: 3000,
      hedgeRatio: 1.5,
      halfLife: 5,
      noise: 0.02,
    });
    expectConsistentOhlcv(a);
    expectConsistentOhlcv(b);
    expect(Array.from(a.timestamps)).toEqual(Array.from(b.timestamps));
    const spread = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) spread[i] = Math.log(a.close[i]) - 1.5 * Math.log(b.close[i]);
    const rho = lag1(spread);
    expect(rho).toBeLessThan(0.95); // phi = 2^(-1/5) = 0.87
    expect(rho).toBeGreaterThan(0.75);
    const legB = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) legB[i] = Math.log(b.close[i]);
    expect(lag1(legB)).toBeGreaterThan(0.98);
  });

  it('provider: symbols, reproducible windows, [start, end] only', async () => {
    const provider = new SyntheticProvider({ seed: 5 });
    const syn = await provider.fetchBars('SYN', { start: '2020-01-01', end: '2020-12-31' });
    const again = await new SyntheticProvider({ seed: 5 }).fetchBars('SYN', {
      start: '2020-01-01',
      end: '2020-12-31',
    });
    expect(Array.from(syn.close)).toEqual(Array.from(again.close));
    expect(syn.length).toBe(262); // weekdays in 2020
    expect(syn.firstTimestamp).toBe(Date.UTC(2020, 0, 1));
    expect(syn.lastTimestamp).toBe(Date.UTC(2020, 11, 31));
    const other = await provider.fetchBars('FOO', { start: '2020-01-01', end: '2020-12-31' });
    expect(Array.from(other.close)).not.toEqual(Array.from(syn.close));
    const [a, b] = await Promise.all([
      provider.fetchBars('PAIR_A', { start: '2020-01-01', end: '2020-03-31' }),
      provider.fetchBars('PAIR_B', { start: '2020-01-01', end: '2020-03-31' }),
    ]);
    expect(a.symbol).toBe('PAIR_A');
    expect(b.symbol).toBe('PAIR_B');
    expect(a.length).toBe(b.length);
    const fixed = new SyntheticProvider({ bars: 100, start: '2010-01-04' });
    const all = await fixed.fetchBars('SYN');
    expect(all.length).toBe(100);
    const part = await fixed.fetchBars('SYN', { start: '2010-02-01', end: '2010-02-05' });
    expect(part.length).toBe(5);
    expect(part.close[0]).toBe(all.close[all.indexOf(Date.UTC(2010, 1, 1))]);
  });

  it('rejects bad parameters with the field name', () => {
    expect(() => generateGbmSeries({ sigma: -1 })).toThrow(/^sigma:/);
    expect(() => generateGbmSeries({ bars: 0 })).toThrow(/^bars:/);
    expect(() => generateCointegratedPair({ halfLife: 0 })).toThrow(/^halfLife:/);
  });
});
