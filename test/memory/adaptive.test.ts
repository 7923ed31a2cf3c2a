import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/named.js';
import { BarSeries } from '../../src/core/bars.js';
import { loadSampleSeries } from '../../src/data/sample.js';
import { loadAdaptivePrior } from '../../src/memory/adaptive-prior.js';
import { MemoryStore } from '../../src/memory/store.js';
import type { AdaptiveStrategy, PriorOutcome } from '../../src/strategies/adaptive.js';
import { SeriesCursor, toSignalColumns } from '../../src/strategies/input.js';
import { createStrategy } from '../../src/strategies/registry.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const spx = loadSampleSeries('SPX').slice(0, 900);

/** Drive the strategy's signal over a series bar by bar; returns the exposure at each bar. */
function drive(strategy: AdaptiveStrategy, series: BarSeries): number[] {
  strategy.resetSignal();
  const cursor = new SeriesCursor([], [toSignalColumns(series)]);
  const out: number[] = [];
  for (let i = 0; i < cursor.length; i++) {
    cursor.barIndex = i;
    out.push(strategy.nextExposure(cursor));
  }
  return out;
}

function adaptive(params: Record<string, unknown> = {}): AdaptiveStrategy {
  return createStrategy('adaptive', {
    symbols: ['SPX'],
    horizon: 10,
    every: 3,
    ...params,
  }) as unknown as AdaptiveStrategy;
}

/** The series with every bar after `from` changed (prices scaled on a zig-zag). */
function alteredAfter(series: BarSeries, from: number): BarSeries {
  const scale = (a: Float64Array) =>
    Float64Array.from(a, (x, i) => (i > from ? x * (1 + 0.2 * Math.sin(i)) : x));
  return new BarSeries(series.symbol, series.timeframe, {
    timestamps: series.timestamps,
    open: scale(series.open),
    high: Float64Array.from(scale(series.high), (h, i) =>
      Math.max(h, scale(series.open)[i], scale(series.close)[i]),
    ),
    low: Float64Array.from(scale(series.low), (l, i) =>
      Math.min(l, scale(series.open)[i], scale(series.close)[i]),
    ),
    close: scale(series.close),
    volume: series.volume,
  });
}

describe('adaptive strategy: no look-ahead', () => {
  it('decides on bar t only from outcomes whose horizon ended by bar t', () => {
    const strategy = adaptive();
    drive(strategy, spx);
    const { decisions } = strategy;
    expect(decisions.length).toBeGreaterThan(200);
    for (const d of decisions) {
      // Known when deciding: exactly the earlier decisions whose horizon (10 bars) had passed.
      const due = decisions.filter((e) => e.barIndex + 10 <= d.barIndex).length;
      expect(d.known, `decision at bar ${d.barIndex}`).toBe(due);
      if (d.knownAt !== undefined) expect(d.knownAt).toBe(spx.timestamps[d.barIndex + 10]);
    }
    // It does learn: later decisions use many outcomes, and more than one skill gets chosen.
    expect(decisions[decisions.length - 1].known).toBeGreaterThan(200);
    expect(new Set(decisions.map((d) => d.skill)).size).toBeGreaterThan(1);
  });

  it('makes the same decisions up to bar t whatever the bars after t are', () => {
    const t = 600;
    const a = adaptive();
    const b = adaptive();
    const ea = drive(a, spx);
    const eb = drive(b, alteredAfter(spx, t));
    expect(eb.slice(0, t + 1)).toEqual(ea.slice(0, t + 1));
    const upTo = (s: AdaptiveStrategy) =>
      s.decisions.filter((d) => d.barIndex <= t).map((d) => [d.barIndex, d.skill, d.known]);
    expect(upTo(b)).toEqual(upTo(a));
    // The altered future does change later decisions (the check above is not vacuous).
    expect(b.decisions.map((d) => d.skill)).not.toEqual(a.decisions.map((d) => d.skill));
  });

  it('uses a stored outcome only from the bar its outcome was known', () => {
    const base = adaptive({ method: 'ucb' });
    drive(base, spx);
    // A stored outcome that says skill 2 was wonderful in every state like bar 500's, known at bar 700.
    const at = (i: number) => spx.timestamps[i];
    const state = base.decisions.find((d) => d.barIndex >= 500)?.state as Float32Array;
    const makePrior = (knownAt: number): PriorOutcome[] =>
      Array.from({ length: 200 }, () => ({ skill: 2, state, reward: 5, knownAt }));
    const late = adaptive({ method: 'ucb' });
    late.prior = makePrior(at(700));
    drive(late, spx);
    const decidedBefore = (s: AdaptiveStrategy, bar: number) =>
      s.decisions.filter((d) => d.barIndex < bar).map((d) => [d.barIndex, d.skill]);
    expect(decidedBefore(late, 700)).toEqual(decidedBefore(base, 700));
    // From bar 700 on it is used: skill 2 is chosen from then on.
    expect(late.decisions.filter((d) => d.barIndex >= 700).every((d) => d.skill === 2)).toBe(true);
    expect(base.decisions.filter((d) => d.barIndex >= 700).every((d) => d.skill === 2)).toBe(false);
  });

  it('loads outcomes from the memory database with their knownAt, matched by skill and parameters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nt-adaptive-'));
    dirs.push(dir);
    const db = join(dir, 'memory.db');
    const store = MemoryStore.open({ path: db });
    const state = Array(32).fill(0.5);
    store.storeEpisode({
      kind: 'decision',
      time: 10,
      action: 'select',
      strategy: 'momentum',
      params: { threshold: 0, lookback: 60 },
      state,
      outcome: { reward: 0.1, knownAt: 300 },
    });
    store.storeEpisode({
      kind: 'decision',
      time: 10,
      action: 'select',
      strategy: 'momentum',
      params: { lookback: 20 },
      state,
      outcome: { reward: 0.2, knownAt: 100 },
    });
    store.storeEpisode({
      kind: 'decision',
      time: 5,
      action: 'select',
      strategy: 'mean-reversion',
      params: { period: 20 },
      state,
      outcome: { reward: -0.1, knownAt: 200 },
    });
    store.storeEpisode({
      kind: 'trade',
      time: 5,
      action: 'buy',
      strategy: 'mean-reversion',
      params: { period: 20 },
      state,
      outcome: { reward: 1 },
    });
    store.close();
    const { prior } = loadAdaptivePrior(
      [
        { name: 'sma-crossover', params: { fast: 10, slow: 50 } },
        { name: 'momentum', params: { lookback: 60, threshold: 0 } },
        { name: 'mean-reversion', params: { period: 20 } },
      ],
      db,
    );
    expect(prior.map((p) => [p.skill, p.reward, p.knownAt])).toEqual([
      [2, -0.1, 200],
      [1, 0.1, 300],
    ]);
  });

  it('runs in the backtester like any registered strategy', async () => {
    const result = await backtest(
      'adaptive',
      { symbols: ['SPX'], every: 5, horizon: 10 },
      '2000-01-01',
      '2003-12-31',
    );
    expect(result.strategy).toBe('adaptive');
    expect(result.metrics.tradeCount).toBeGreaterThan(0);
    expect(Number.isFinite(result.metrics.totalReturn)).toBe(true);
  });
});
