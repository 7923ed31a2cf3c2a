import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { optimizeStrategy } from '../../src/optimize/optimizer.js';
import { parseSpace } from '../../src/optimize/space.js';
import { walkForward } from '../../src/optimize/walk-forward.js';
import { createStrategy } from '../../src/strategies/registry.js';
import { loadCsvSeries } from '../backtest/helpers.js';

const series = loadCsvSeries(new URL('../backtest/golden/gbm_2520_s42.csv', import.meta.url).pathname, 'GBM');
const space = parseSpace(['fast=5:20:5', 'slow=30:60:10']);

describe('optimizeStrategy', () => {
  it('ranks every combination and its numbers are exactly what a plain backtest gives', async () => {
    const result = await optimizeStrategy({
      strategy: 'sma-crossover',
      series: [series],
      space,
      metric: 'totalReturn',
      workers: 1,
      backtestOptions: { commission: 0.001 },
    });
    expect(result.trials).toHaveLength(16);
    expect(result.best).toBeDefined();
    for (let i = 1; i < result.trials.length; i++) {
      expect(result.trials[i - 1].score).toBeGreaterThanOrEqual(result.trials[i].score);
    }
    const best = result.best!;
    const direct = runBacktest(
      createStrategy('sma-crossover', { symbols: ['GBM'], ...best.params }),
      [series],
      {
        commission: 0.001,
      },
    );
    expect(best.metrics?.totalReturn).toBe(direct.metrics.totalReturn);
    expect(best.finalEquity).toBe(direct.finalEquity);
  });

  it('gives identical rankings on two worker threads and in-process', async () => {
    const input = { strategy: 'sma-crossover', series: [series], space, metric: 'sharpeRatio' as const };
    const progress: number[] = [];
    const threaded = await optimizeStrategy({
      ...input,
      workers: 2,
      onProgress: (done) => progress.push(done),
    });
    const inline = await optimizeStrategy({ ...input, workers: 1 });
    expect(threaded.workers).toBe(2);
    expect(threaded.trials.map((t) => [t.params, t.score])).toEqual(
      inline.trials.map((t) => [t.params, t.score]),
    );
    expect(progress.at(-1)).toBe(16);
  });

  it('rejects a parameter the strategy does not have, naming it', async () => {
    await expect(
      optimizeStrategy({ strategy: 'sma-crossover', series: [series], space: parseSpace(['lookback=5:10']) }),
    ).rejects.toThrow(/sma-crossover has no parameter "lookback"/);
  });

  it('honours cancellation', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      optimizeStrategy({
        strategy: 'sma-crossover',
        series: [series],
        space,
        workers: 1,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/cancelled/);
  });
});

describe('walkForward', () => {
  it('chooses parameters on in-sample data only and stitches the out-of-sample equity', async () => {
    const result = await walkForward({
      strategy: 'sma-crossover',
      series: [series.slice(0, 1200)],
      space,
      metric: 'sharpeRatio',
      workers: 1,
      inSampleBars: 500,
      outOfSampleBars: 250,
    });
    expect(result.windows).toHaveLength(3);
    expect(result.windows[0].outOfSample.start).toBe(series.timestamps[500]);
    expect(result.windows[1].outOfSample.start).toBe(series.timestamps[750]);
    // The in-sample winner of window 1 is the best of a separate optimisation over bars [0, 500).
    const alone = await optimizeStrategy({
      strategy: 'sma-crossover',
      series: [series.slice(0, 500)],
      space,
      metric: 'sharpeRatio',
      workers: 1,
    });
    expect(result.windows[0].bestParams).toEqual(alone.best?.params);
    expect(result.stitchedEquity.length).toBe(700);
    const compounded = result.windows.reduce((level, w) => level * (1 + w.outOfSampleReturn), 1);
    expect(result.stitchedEquity.at(-1)).toBeCloseTo(compounded, 10);
    expect(result.outOfSample.totalReturn).toBeCloseTo(compounded - 1, 10);
  });
});
