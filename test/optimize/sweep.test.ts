import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { BarSeries } from '../../src/core/bars.js';
import { generateGbmSeries } from '../../src/data/synthetic.js';
import { computeSignalInput, IndicatorCache, indicatorCache } from '../../src/indicators/cache.js';
import { Sma } from '../../src/indicators/moving-averages.js';
import { optimizeStrategy } from '../../src/optimize/optimizer.js';
import { shutdownWorkerPool } from '../../src/optimize/pool.js';
import { parseSpace } from '../../src/optimize/space.js';
import { checkRequiredColumns } from '../../src/strategies/columns.js';
import { createStrategy } from '../../src/strategies/registry.js';
import { loadCsvSeries } from '../backtest/helpers.js';

const golden = loadCsvSeries(new URL('../backtest/golden/gbm_2520_s42.csv', import.meta.url).pathname, 'GBM');

afterAll(async () => {
  await shutdownWorkerPool();
});

const ranked = (r: Awaited<ReturnType<typeof optimizeStrategy>>) =>
  r.trials.map((t) => ({ params: t.params, score: t.score, finalEquity: t.finalEquity, metrics: t.metrics }));

describe('indicator cache', () => {
  it('holds exactly the streaming indicator values, once per (indicator, period, data)', () => {
    const cache = new IndicatorCache();
    const close = golden.close;
    const a = cache.series({ indicator: 'sma', period: 10, column: 'close' }, close);
    const sma = new Sma(10);
    for (let i = 0; i < close.length; i++) expect(Object.is(a[i], sma.update(close[i]))).toBe(true);
    expect(cache.series({ indicator: 'sma', period: 10, column: 'close' }, close)).toBe(a);
    // A zero-copy window of the same data is other data (the SMA restarts at its first bar)...
    const window = close.subarray(100, 600);
    const b = cache.series({ indicator: 'sma', period: 10, column: 'close' }, window);
    expect(b).not.toBe(a);
    expect(Array.from(b)).toEqual(
      Array.from(computeSignalInput({ indicator: 'sma', period: 10, column: 'close' }, window)),
    );
    // ... but the same window cut again is the same entry.
    expect(cache.series({ indicator: 'sma', period: 10, column: 'close' }, close.subarray(100, 600))).toBe(b);
    expect(cache.hits).toBe(2);
    expect(cache.misses).toBe(2);
  });

  it('keeps at most its byte budget, dropping the least recently used series', () => {
    const close = golden.close; // 2,520 bars = 20,160 bytes a series
    const cache = new IndicatorCache(3 * close.byteLength);
    for (const period of [5, 10, 15, 20]) cache.series({ indicator: 'ema', period, column: 'close' }, close);
    expect(cache.size).toBe(3 * close.byteLength);
    expect(cache.has({ indicator: 'ema', period: 5, column: 'close' }, close)).toBe(false);
    expect(cache.has({ indicator: 'ema', period: 20, column: 'close' }, close)).toBe(true);
  });
});

describe('sweeps with the indicator cache', () => {
  it('rank exactly as the same sweep without it (every trial bar by bar), in-process and on threads', async () => {
    const series = generateGbmSeries({ bars: 6000, seed: 11, symbol: 'SYN', sigma: 0.3 });
    const input = {
      strategy: 'sma-crossover',
      series: [series],
      space: parseSpace(['fast=5:25:5', 'slow=30:60:10', 'allowShort=true,false']),
      metric: 'sharpeRatio' as const,
      backtestOptions: { commission: 0.001, marginInterestRate: 0.05, borrowFeeRate: 0.01 },
    };
    const hitsBefore = indicatorCache.hits;
    const cached = await optimizeStrategy({ ...input, workers: 1 });
    expect(indicatorCache.hits - hitsBefore).toBeGreaterThan(40); // 40 trials, 2 inputs each, 10 distinct
    const plain = await optimizeStrategy({ ...input, workers: 1, indicatorCache: false });
    const threaded = await optimizeStrategy({ ...input, workers: 2 });
    expect(cached.trials).toHaveLength(40);
    expect(cached.trials.some((t) => (t.metrics?.financingCost ?? 0) > 0)).toBe(true);
    expect(ranked(cached)).toEqual(ranked(plain));
    expect(ranked(threaded)).toEqual(ranked(plain));
  });

  it('a planned run (sma-crossover reading cached SMAs) fills exactly like the bar-by-bar run, for any parameters and account rules', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        fc.constantFrom(0.5, 1, 1.5),
        fc.boolean(),
        (seed, fast, extra, allowShort, percent, sizeAtFill) => {
          const series = generateGbmSeries({ bars: 400, seed, symbol: 'X', sigma: 0.4 });
          const params = { symbols: ['X'], fast, slow: fast + extra, allowShort, percent };
          const options = { sizeAtFill, maxLeverage: 2, commission: 0.001, slippageBps: 3 };
          const planned = runBacktest(createStrategy('sma-crossover', params), [series], options);
          const perBar = runBacktest(createStrategy('sma-crossover', params), [series], {
            ...options,
            indicators: false,
          });
          expect(planned.fills).toEqual(perBar.fills);
          expect(Array.from(planned.equity)).toEqual(Array.from(perBar.equity));
          expect(planned.metrics).toEqual(perBar.metrics);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('optimiser checks', () => {
  it("fails fast with the backtest's one-line error when the strategy needs a column the data lacks", async () => {
    const closeOnly = new BarSeries(
      'DJ',
      '1Day',
      {
        timestamps: golden.timestamps,
        open: golden.close,
        high: golden.close,
        low: golden.close,
        close: golden.close,
        volume: new Float64Array(golden.length),
      },
      true,
    );
    let expected = '';
    try {
      checkRequiredColumns(createStrategy('enhanced-momentum', { symbols: ['DJ'] }), [closeOnly]);
    } catch (error) {
      expected = (error as Error).message;
    }
    expect(expected).toMatch(/enhanced-momentum needs volume/);
    const progress = vi.fn();
    await expect(
      optimizeStrategy({
        strategy: 'enhanced-momentum',
        series: [closeOnly],
        space: parseSpace(['lookback=10:30:10']),
        workers: 1,
        onProgress: progress,
      }),
    ).rejects.toThrow(expected);
    expect(progress).not.toHaveBeenCalled();
  });

  it("is an error, with the first failure's message, when every trial fails", async () => {
    await expect(
      optimizeStrategy({
        strategy: 'sma-crossover',
        series: [golden],
        space: parseSpace(['fast=60:80:10', 'slow=20:40:10']),
        workers: 1,
      }),
    ).rejects.toThrow(
      /all 9 trials failed; the first \(fast=60 slow=20\): .*fast: 60 must be less than slow \(20\)/,
    );
  });
});
