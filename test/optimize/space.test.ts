import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BacktestMetrics } from '../../src/backtest/metrics.js';
import { rankTrials } from '../../src/optimize/optimizer.js';
import {
  dimensionValues,
  gridCombinations,
  parseDimension,
  parseSpace,
  randomCombinations,
} from '../../src/optimize/space.js';
import { walkForwardWindows } from '../../src/optimize/walk-forward.js';

describe('parameter spaces', () => {
  it('expands integer and fractional ranges including the end point', () => {
    expect(dimensionValues('lookback', { min: 10, max: 30, step: 5, integer: true })).toEqual([
      10, 15, 20, 25, 30,
    ]);
    expect(dimensionValues('z', { min: 1.5, max: 2.5, step: 0.1 })).toHaveLength(11);
    expect(dimensionValues('z', { min: 1.5, max: 2.5, step: 0.1 }).at(-1)).toBe(2.5);
  });

  it('parses CLI specs', () => {
    expect(parseDimension('lookback=10:60:5')).toEqual([
      'lookback',
      { min: 10, max: 60, step: 5, integer: true },
    ]);
    expect(parseDimension('entryThreshold=1.5,2,2.5')).toEqual(['entryThreshold', [1.5, 2, 2.5]]);
    expect(parseDimension('mode=zscore,bollinger')).toEqual(['mode', ['zscore', 'bollinger']]);
    expect(() => parseDimension('lookback')).toThrow(/cannot read parameter range "lookback"/);
    expect(() => parseDimension('lookback=a:b')).toThrow(/lookback: cannot read range/);
    expect(() => dimensionValues('x', { min: 5, max: 1, step: 1 })).toThrow(/invalid range/);
  });

  it('grid is the cartesian product, each combination once', () => {
    const grid = gridCombinations(parseSpace(['fast=5:20:5', 'slow=30,50,100']));
    expect(grid).toHaveLength(12);
    expect(new Set(grid.map((g) => JSON.stringify(g))).size).toBe(12);
    expect(grid[0]).toEqual({ fast: 5, slow: 30 });
    expect(grid[11]).toEqual({ fast: 20, slow: 100 });
  });

  it('random search is reproducible from a seed and stays inside the space', () => {
    const space = parseSpace(['lookback=10:100', 'entryThreshold=1:3:0.25']);
    const a = randomCombinations(space, 25, 7);
    const b = randomCombinations(space, 25, 7);
    expect(a).toEqual(b);
    expect(randomCombinations(space, 25, 8)).not.toEqual(a);
    for (const set of a) {
      expect(Number.isInteger(set.lookback)).toBe(true);
      expect(set.lookback).toBeGreaterThanOrEqual(10);
      expect(set.lookback).toBeLessThanOrEqual(100);
      expect(((set.entryThreshold as number) - 1) / 0.25).toBeCloseTo(
        Math.round(((set.entryThreshold as number) - 1) / 0.25),
        9,
      );
    }
  });

  it('grid size equals the product of axis sizes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }), (sizes) => {
        const specs = sizes.map((n, i) => `p${i}=1:${n}:1`);
        expect(gridCombinations(parseSpace(specs))).toHaveLength(sizes.reduce((a, b) => a * b, 1));
      }),
    );
  });
});

describe('ranking', () => {
  const metrics = (sharpeRatio: number, maxDrawdown: number) =>
    ({ sharpeRatio, maxDrawdown }) as BacktestMetrics;
  it('puts the best first, failed and NaN trials last', () => {
    const ranked = rankTrials(
      [
        { params: { a: 1 }, metrics: metrics(0.5, 0.2) },
        { params: { a: 2 }, error: 'invalid' },
        { params: { a: 3 }, metrics: metrics(1.5, 0.3) },
        { params: { a: 4 }, metrics: metrics(Number.NaN, 0.1) },
      ],
      'sharpeRatio',
    );
    expect(ranked.map((r) => r.params.a)).toEqual([3, 1, 2, 4]);
    expect(ranked.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
  });
  it('minimises drawdown', () => {
    const ranked = rankTrials(
      [
        { params: { a: 1 }, metrics: metrics(0.5, 0.2) },
        { params: { a: 2 }, metrics: metrics(1.5, 0.05) },
      ],
      'maxDrawdown',
    );
    expect(ranked[0].params.a).toBe(2);
  });
});

describe('walk-forward windows', () => {
  it('rolls in-sample and out-of-sample windows without overlap of test periods', () => {
    const windows = walkForwardWindows(1000, 400, 200);
    expect(windows).toEqual([
      { isFrom: 0, isTo: 400, oosFrom: 400, oosTo: 600 },
      { isFrom: 200, isTo: 600, oosFrom: 600, oosTo: 800 },
      { isFrom: 400, isTo: 800, oosFrom: 800, oosTo: 1000 },
    ]);
  });
  it('anchored windows all start at bar 0; a tail of at least half a window is kept, a shorter one dropped', () => {
    const windows = walkForwardWindows(1100, 400, 200, true);
    expect(windows.every((w) => w.isFrom === 0)).toBe(true);
    expect(windows.at(-1)).toEqual({ isFrom: 0, isTo: 1000, oosFrom: 1000, oosTo: 1100 });
    expect(walkForwardWindows(1050, 400, 200).at(-1)?.oosTo).toBe(1000);
  });
  it('test windows never overlap and always follow their training window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50, max: 3000 }),
        fc.integer({ min: 2, max: 400 }),
        fc.integer({ min: 2, max: 200 }),
        (bars, is, oos) => {
          if (bars < is + Math.max(2, Math.ceil(oos / 2))) return;
          const windows = walkForwardWindows(bars, is, oos);
          for (let i = 0; i < windows.length; i++) {
            expect(windows[i].oosFrom).toBe(windows[i].isTo);
            expect(windows[i].oosTo).toBeLessThanOrEqual(bars);
            if (i > 0) expect(windows[i].oosFrom).toBe(windows[i - 1].oosTo);
          }
        },
      ),
    );
  });
  it('says how many bars are needed', () => {
    expect(() => walkForwardWindows(100, 200, 50)).toThrow(/needs at least 225 bars/);
  });
});
