import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../src/core/errors.js';
import {
  barsRequested,
  checkBarsRequested,
  checkGridSize,
  checkMonteCarloDraws,
  checkTrainingWork,
  gridSize,
  MAX_GRID_COMBINATIONS,
  parseTimeLimits,
  timeLimitSeconds,
} from '../../src/mcp/limits.js';
import { dimensionValues, gridCombinations } from '../../src/optimize/space.js';

describe('gridSize', () => {
  it('counts a range exactly as the optimiser enumerates it, without enumerating', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 400 }),
        fc.constantFrom(1, 2, 3, 0.5, 0.25, 0.1, 7),
        fc.boolean(),
        (min, steps, step, integer) => {
          const range = { min, max: min + steps * step + step / 3, step, integer };
          expect(gridSize({ x: range })).toBe(dimensionValues('x', range).length);
        },
      ),
    );
  });

  it('counts ranges without a step the way the optimiser defaults them (1 for integers, a tenth of the span)', () => {
    for (const range of [
      { min: 5, max: 50, integer: true },
      { min: 0.5, max: 2.5 },
    ]) {
      expect(gridSize({ x: range })).toBe(dimensionValues('x', range).length);
    }
    // A zero-width range without a step has a zero default step: both refuse it.
    expect(() => dimensionValues('x', { min: 3, max: 3 })).toThrow(/invalid range 3:3:0/);
    expect(() => gridSize({ x: { min: 3, max: 3 } })).toThrow(/invalid range 3:3:0/);
  });

  it('multiplies dimensions, lists included, as the cartesian product does', () => {
    const space = { fast: { min: 5, max: 30, step: 5 }, slow: [50, 100, 200], mode: ['a', 'b'] };
    expect(gridSize(space)).toBe(gridCombinations(space).length);
    expect(gridSize(space)).toBe(6 * 3 * 2);
  });

  it('refuses the 1e9-point grid by arithmetic, naming the count and the limit', () => {
    const space = { fast: { min: 1, max: 1e9, step: 1 } };
    expect(gridSize(space)).toBe(1e9);
    expect(() => checkGridSize(space)).toThrow(
      /param_space: the grid has 1,000,000,000 combinations; the limit is 20,000/,
    );
    // Two dimensions that overflow any integer still give a finite refusal.
    expect(() => checkGridSize({ a: { min: 0, max: 1e300, step: 1e-300 }, b: [1, 2] })).toThrow(
      ValidationError,
    );
    expect(() => checkGridSize({ a: { min: 1, max: MAX_GRID_COMBINATIONS, step: 1 } })).not.toThrow();
  });

  it('refuses ranges the optimiser could not step through, naming the parameter', () => {
    expect(() => gridSize({ fast: { min: 10, max: 5, step: 1 } })).toThrow(
      /param_space\.fast: invalid range 10:5:1/,
    );
    expect(() => gridSize({ fast: { min: 1, max: 5, step: 0 } })).toThrow(/param_space\.fast/);
  });
});

describe('barsRequested', () => {
  it('is the calendar span divided by the bar length, end day inclusive', () => {
    expect(barsRequested('2020-01-01', '2020-01-01', '1Day')).toBe(1);
    expect(barsRequested('2019-01-01', '2019-12-31', '1Day')).toBe(365);
    expect(barsRequested('2020-01-01', '2020-01-01', '1Min')).toBe(1440);
    expect(barsRequested('2020-01-02', '2020-01-01', '1Day')).toBe(0);
  });

  it('counts a missing start from 1970 and a missing end up to now', () => {
    expect(barsRequested(undefined, '1970-01-10', '1Day')).toBe(10);
    const sinceMonday = barsRequested('2024-01-01', undefined, '1Day');
    expect(sinceMonday).toBe(Math.floor((Date.now() - Date.UTC(2024, 0, 1)) / 86_400_000) + 1);
  });

  it('refuses 90 years of minute bars and accepts a year of them', () => {
    expect(() => checkBarsRequested({ start: '1930-01-01', end: '2020-01-01', timeframe: '1Min' })).toThrow(
      /start_date: the date range spans up to 47,337,120 1Min bars; the limit is 1,000,000 per symbol/,
    );
    const noStart = (() => {
      try {
        checkBarsRequested({ end: '2090-01-01', timeframe: '1Min' });
      } catch (error) {
        return error as ValidationError;
      }
    })();
    expect(noStart?.hint).toMatch(/give a start_date \(a missing one counts from 1970\)/);
    expect(() =>
      checkBarsRequested({ start: '2019-01-01', end: '2019-12-31', timeframe: '1Min' }),
    ).not.toThrow();
    expect(() => checkBarsRequested({})).not.toThrow();
  });
});

describe('training and Monte Carlo work', () => {
  it('counts epochs x windows once the bar count is known', () => {
    expect(() => checkTrainingWork(1000, 5106, 30, 5)).toThrow(
      /epochs: 1000 epochs x 5,072 windows = 5,072,000 training passes; the limit is 2,000,000/,
    );
    expect(() => checkTrainingWork(30, 5106, 30, 5)).not.toThrow();
    expect(() => checkTrainingWork(1000, 20, 30, 5)).not.toThrow();
    // Each exogenous input widens every window by another channel.
    expect(() => checkTrainingWork(300, 5106, 30, 5)).not.toThrow();
    expect(() => checkTrainingWork(300, 5106, 30, 5, 3)).toThrow(
      /300 epochs x 5,072 windows x 3 input channels \(the target and 2 exogenous\) = 4,564,800 training passes/,
    );
  });

  it('counts scenarios x assets', () => {
    expect(() => checkMonteCarloDraws(1_000_000, 20)).toThrow(/20,000,000 draws; the limit is 10,000,000/);
    expect(() => checkMonteCarloDraws(10_000, 500)).not.toThrow();
  });
});

describe('time limits', () => {
  it('reads tool=seconds pairs with a * default', () => {
    const limits = parseTimeLimits(' neural_train=1800, *=60 ,run_backtest=0.5');
    expect(timeLimitSeconds(limits, 'neural_train', 600)).toBe(1800);
    expect(timeLimitSeconds(limits, 'run_backtest', 120)).toBe(0.5);
    expect(timeLimitSeconds(limits, 'ping', 30)).toBe(60);
    expect(timeLimitSeconds(parseTimeLimits(undefined), 'ping', 30)).toBe(30);
  });

  it('refuses what it cannot read, naming the variable', () => {
    for (const bad of ['neural_train', 'neural_train=0', '=5', 'x=1e3', 'x=-1', 'x=90000']) {
      expect(() => parseTimeLimits(bad)).toThrow(ConfigError);
      expect(() => parseTimeLimits(bad)).toThrow(/^NEURAL_TRADER_MCP_TIME_LIMITS: cannot read/);
    }
  });
});
