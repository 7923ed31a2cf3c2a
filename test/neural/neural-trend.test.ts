import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Backtester } from '../../src/backtest/backtester.js';
import { runBacktest } from '../../src/backtest/engine.js';
import type { BacktestResult } from '../../src/backtest/types.js';
import { BarSeries } from '../../src/core/bars.js';
import { Random } from '../../src/core/random.js';
import { initNeuralBackend } from '../../src/neural/backend.js';
import { NeuralForecaster } from '../../src/neural/forecaster.js';
import {
  createNeuralTrendStrategy,
  type NeuralTrendStrategy,
  neuralTrendDefinition,
  neuralTrendSignals,
} from '../../src/neural/neural-trend.js';
import { runTrial } from '../../src/optimize/trial.js';
import type { StrategyContext } from '../../src/strategies/types.js';

const params = {
  inputSize: 10,
  horizon: 3,
  hiddenSize: 8,
  epochs: 2,
  retrainEvery: 40,
  trainWindow: 0,
  minTrainBars: 60,
  threshold: 0,
} as const;

function makeSeries(length: number, seed = 3): BarSeries {
  const rng = new Random(seed);
  const closes = new Float64Array(length);
  let price = 100;
  for (let i = 0; i < length; i++) {
    price *= 1 + 0.004 * Math.sin(i / 8) + 0.01 * rng.normal();
    closes[i] = price;
  }
  const timestamps = Float64Array.from({ length }, (_, i) => Date.UTC(2015, 0, 1) + i * 86_400_000);
  return BarSeries.fromCloses('SYN', '1d', timestamps, closes);
}

/** Drive a strategy bar by bar with a minimal context exposing history up to the current bar only. */
function replay(
  strategy: NeuralTrendStrategy,
  series: BarSeries,
): { forecasts: number[]; targets: number[] } {
  const forecasts: number[] = [];
  const targets: number[] = [];
  strategy.onStart();
  let target = 0;
  for (let t = 0; t < series.length; t++) {
    const context = {
      barIndex: t,
      history: () => series.slice(0, t + 1),
      orderTargetPercent: (_symbol: string, percent: number) => {
        target = percent;
        return 'order';
      },
    } as unknown as StrategyContext;
    strategy.onBar(context);
    forecasts.push(strategy.lastForecastReturn);
    targets.push(target);
  }
  return { forecasts, targets };
}

beforeAll(async () => {
  await initNeuralBackend();
});

describe('neural-trend strategy', () => {
  it('bar-by-bar decisions equal the batched walk-forward signals', () => {
    const series = makeSeries(160);
    const offline = neuralTrendSignals(series, params);
    expect(offline.retrainedAt).toEqual([59, 99, 139]);
    const strategy = createNeuralTrendStrategy('SYN', params);
    const online = replay(strategy, series);
    expect(strategy.retrainedAt).toEqual(offline.retrainedAt);
    for (let t = 0; t < series.length; t++) {
      if (t < 59) {
        expect(Number.isNaN(offline.forecastReturns[t])).toBe(true);
        expect(online.targets[t]).toBe(0);
        continue;
      }
      expect(online.forecasts[t]).toBeCloseTo(offline.forecastReturns[t], 5);
      expect(online.targets[t]).toBe(offline.exposures[t]);
    }
    // The forecasts are not constant: the model does react to the data.
    const distinct = new Set(online.forecasts.slice(60).map((v) => v.toFixed(6)));
    expect(distinct.size).toBeGreaterThan(10);
  });

  it('has no look-ahead: changing bars after t leaves every decision up to t unchanged, and reacts to changed log returns', () => {
    const series = makeSeries(130);
    // A ramp from bar 100 on changes every log return after it (a constant factor would change only one).
    const altered = series.close.slice();
    for (let i = 100; i < altered.length; i++) altered[i] *= 1 + 0.01 * (i - 99);
    const a = neuralTrendSignals(series.close, params);
    const b = neuralTrendSignals(altered, params);
    for (let t = 0; t < 100; t++) {
      if (Number.isNaN(a.forecastReturns[t])) expect(Number.isNaN(b.forecastReturns[t])).toBe(true);
      else expect(b.forecastReturns[t]).toBe(a.forecastReturns[t]);
    }
    // The model trained at bar 99 is the same in both runs: every later forecast differs only because
    // its input log returns do.
    for (let t = 100; t < 130; t++) expect(b.forecastReturns[t]).not.toBeCloseTo(a.forecastReturns[t], 6);
  });

  it('does not react to a change that leaves log returns alone: a constant factor on a whole input window', () => {
    const series = makeSeries(130);
    const scaled = series.close.slice();
    for (let i = 100; i < scaled.length; i++) scaled[i] *= 1.5;
    const a = neuralTrendSignals(series.close, params);
    const b = neuralTrendSignals(scaled, params);
    // Windows of bars 100.. (10 returns from bar 101 on) see the same log returns: same forecast return.
    for (let t = 111; t < 130; t++) expect(b.forecastReturns[t]).toBeCloseTo(a.forecastReturns[t], 9);
    // A window that straddles the jump sees one changed return.
    expect(b.forecastReturns[105]).not.toBeCloseTo(a.forecastReturns[105], 6);
  });

  it('runs in the backtest engine and trades on its forecasts', () => {
    const series = makeSeries(150, 8);
    const strategy = neuralTrendDefinition.create(
      {
        ...params,
        model: 'nhits',
        percent: 1,
        allowShort: true,
        learningRate: 0.001,
        seed: 1,
        target: 'log-return',
        symbols: ['SYN'],
      },
      { createStrategy: () => strategy },
    );
    const result = runBacktest(strategy, [series], { fractional: true });
    expect(result.bars).toBe(150);
    expect(result.fills.length).toBeGreaterThan(0);
    // Nothing trades before the first training bar.
    expect(Math.min(...result.fills.map((f) => f.timestamp))).toBeGreaterThan(series.timestamps[59]);
  });

  it('validates parameters through the registry schema', () => {
    expect(() => createNeuralTrendStrategy('SYN', { model: 'arima' as never })).toThrow(/model/);
    expect(() => createNeuralTrendStrategy('SYN', { trainWindow: 20, minTrainBars: 100 })).toThrow(
      /trainWindow/,
    );
    expect(neuralTrendDefinition.params.map((p) => p.name)).toContain('retrainEvery');
  });
});

describe('neural-trend backtests: batched forecasts from prepare(data)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const tradeParams = { ...params, allowShort: true, threshold: 0.001, seed: 4 } as const;

  /** The bar-by-bar reference: the engine without prepare(), so onBar trains and forecasts every bar. */
  function barByBar(series: BarSeries, extra: Record<string, unknown> = {}): BacktestResult {
    const strategy = createNeuralTrendStrategy('SYN', { ...tradeParams, ...extra });
    return runBacktest(strategy, [series], { fractional: true });
  }

  function expectSameRun(a: BacktestResult, b: BacktestResult): void {
    expect(a.fills.length).toBeGreaterThan(3);
    expect(a.fills).toEqual(b.fills);
    expect(Array.from(a.equity)).toEqual(Array.from(b.equity));
    expect(a.finalEquity).toBe(b.finalEquity);
  }

  it('gives the same fills and equity, to the last digit, as the bar-by-bar run, with one forecast call per retraining', async () => {
    const series = makeSeries(200, 11);
    const calls = vi.spyOn(NeuralForecaster.prototype, 'forecastAt');
    const reference = barByBar(series);
    // Bar by bar: one forecast call per bar from the first training on.
    expect(calls).toHaveBeenCalledTimes(200 - 59);
    calls.mockClear();
    const strategy = createNeuralTrendStrategy('SYN', tradeParams);
    const batched = await new Backtester(strategy, { fractional: true }).setData(series).run();
    // Batched: one forecast call per retraining segment (bars 59, 99, 139, 179), each over its segment's origins.
    expect(strategy.retrainedAt).toEqual([59, 99, 139, 179]);
    expect(calls).toHaveBeenCalledTimes(4);
    expect(calls.mock.calls.map(([, origins]) => origins.length)).toEqual([40, 40, 40, 21]);
    expectSameRun(batched, reference);
  });

  it('a sweep trial over a window batches too and equals the bar-by-bar run on that window', async () => {
    const series = makeSeries(190, 12);
    const window = series.slice(20, 190);
    const reference = barByBar(window);
    const calls = vi.spyOn(NeuralForecaster.prototype, 'forecastAt');
    const trial = await runTrial(
      {
        strategy: 'neural-trend',
        fixed: { ...tradeParams, symbols: ['SYN'] },
        options: { fractional: true },
      },
      [series],
      {},
      20,
      190,
      true,
    );
    expect(trial.error).toBeUndefined();
    expect(calls).toHaveBeenCalledTimes(3);
    expect(trial.finalEquity).toBe(reference.finalEquity);
    expect(Array.from(trial.equity ?? [])).toEqual(Array.from(reference.equity));
  });

  it('decides bar by bar when prepare() gets no data or other data, and refuses a run longer than its data', async () => {
    const series = makeSeries(140, 13);
    const reference = barByBar(series);
    // No data; another symbol's data; equal values in other columns (a copy is not the run's data).
    const other = BarSeries.fromCloses('OTHER', '1d', series.timestamps, series.close);
    for (const data of [undefined, [other], [makeSeries(140, 13)]]) {
      const strategy = createNeuralTrendStrategy('SYN', tradeParams);
      await strategy.prepare(data);
      expectSameRun(runBacktest(strategy, [series], { fractional: true }), reference);
    }
    const short = createNeuralTrendStrategy('SYN', tradeParams);
    await short.prepare([series.slice(0, 100)]);
    expect(() => runBacktest(short, [series], { fractional: true })).toThrow(
      /given 100 bars but the run reached bar 101/,
    );
  });
});
