import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  createStrategy,
  defineStrategy,
  getStrategyDefinition,
  listStrategies,
  type MomentumStrategy,
  PairsStrategy,
  parseStrategyParams,
  registerStrategy,
  SmaCrossoverStrategy,
  strategyParamSpace,
} from '../../src/strategies/index.js';

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('strategy registry', () => {
  it('lists every built-in with its parameters', () => {
    const names = listStrategies().map((d) => d.name);
    expect(names.slice(0, 7)).toEqual([
      'sma-crossover',
      'momentum',
      'enhanced-momentum',
      'mean-reversion',
      'pairs',
      'ensemble',
      'mirror',
    ]);
    for (const definition of listStrategies()) {
      expect(definition.description.length).toBeGreaterThan(10);
      for (const param of definition.params) {
        expect(param.description.length).toBeGreaterThan(5);
        if (param.type === 'integer' || param.type === 'number') {
          expect(param.default as number).toBeGreaterThanOrEqual(param.min as number);
          expect(param.default as number).toBeLessThanOrEqual(param.max as number);
        }
      }
    }
    expect(getStrategyDefinition('pairs')).toMatchObject({ minSymbols: 2, maxSymbols: 2 });
  });

  it('creates strategies with defaults filled in', () => {
    const pairs = createStrategy('pairs', { symbols: ['KO', 'PG'], lookback: 20, entryThreshold: 2.0 });
    expect(pairs).toBeInstanceOf(PairsStrategy);
    expect((pairs as PairsStrategy).params).toMatchObject({
      lookback: 20,
      exitThreshold: 0.5,
      sizing: 'dollar-neutral',
    });
    const sma = createStrategy('sma-crossover', { symbols: ['AAPL'] }) as SmaCrossoverStrategy;
    expect(sma).toBeInstanceOf(SmaCrossoverStrategy);
    expect(sma.params).toEqual({ fast: 10, slow: 30, allowShort: false, percent: 1 });
    expect(sma.warmup).toBe(30);
    // CLI-style strings are coerced.
    const fromCli = createStrategy('momentum', {
      symbols: 'SPY',
      lookback: '40',
      allowShort: 'true',
    }) as MomentumStrategy;
    expect(fromCli.params).toMatchObject({ lookback: 40, allowShort: true });
    const ensemble = createStrategy('ensemble', { symbols: ['AAPL'] });
    expect(ensemble.name).toBe('ensemble');
    const mirror = createStrategy('mirror', {
      trades: [{ date: '2020-01-02', symbol: 'MSFT', side: 'buy', quantity: 5 }],
    });
    expect(mirror.symbols).toEqual(['MSFT']);
  });

  it('unknown strategy names list the valid ones', () => {
    const error = errorOf(() => createStrategy('sma-cross', { symbols: ['AAPL'] }));
    expect(error.message).toBe('unknown strategy "sma-cross"');
    expect(error.hint).toContain(
      'valid strategies: sma-crossover, momentum, enhanced-momentum, mean-reversion, pairs, ensemble, mirror',
    );
    expect(() => getStrategyDefinition('nope')).toThrow(ValidationError);
  });

  it('invalid parameters name the parameter, the value and the allowed range', () => {
    const pairs = { symbols: ['KO', 'PG'] };
    expect(errorOf(() => createStrategy('pairs', { ...pairs, lookback: 1 })).message).toBe(
      'lookback: 1 is below the minimum 2 (allowed 2..500)',
    );
    expect(errorOf(() => createStrategy('pairs', { ...pairs, lookback: 900 })).message).toBe(
      'lookback: 900 is above the maximum 500 (allowed 2..500)',
    );
    expect(errorOf(() => createStrategy('pairs', { ...pairs, lookback: 20.5 })).message).toBe(
      'lookback: 20.5 must be a whole number (allowed 2..500)',
    );
    expect(errorOf(() => createStrategy('pairs', { ...pairs, lookback: 'abc' })).message).toBe(
      'lookback: expected a number, got "abc"',
    );
    expect(errorOf(() => createStrategy('pairs', { ...pairs, sizing: 'beta' })).message).toBe(
      'sizing: "beta" is not one of dollar-neutral, hedge-ratio',
    );
    expect(
      errorOf(() => createStrategy('sma-crossover', { symbols: ['A'], allowShort: 'maybe' })).message,
    ).toBe('allowShort: expected true or false, got "maybe"');
    const unknown = errorOf(() => createStrategy('pairs', { ...pairs, lookbak: 20 }));
    expect(unknown.message).toBe('pairs: unknown parameter "lookbak"');
    expect(unknown.hint).toContain('lookback, entryThreshold, exitThreshold');
    expect(
      errorOf(() => createStrategy('sma-crossover', { symbols: ['A'], fast: 50, slow: 30 })).message,
    ).toBe('fast: 50 must be less than slow (30)');
    expect(errorOf(() => createStrategy('pairs', { ...pairs, lookback: 1 })).field).toBe('lookback');
  });

  it('says how many symbols are needed', () => {
    expect(errorOf(() => createStrategy('pairs', { symbols: ['KO'] })).message).toBe(
      'symbols: pairs needs exactly 2 symbols, got 1 (KO)',
    );
    expect(errorOf(() => createStrategy('sma-crossover', {})).message).toBe(
      'symbols: sma-crossover needs exactly 1 symbol, got 0',
    );
    expect(errorOf(() => createStrategy('momentum', { symbols: ['A', 'B'] })).message).toBe(
      'symbols: momentum needs exactly 1 symbol, got 2 (A, B)',
    );
  });

  it('validates ensemble members and mirror trades', () => {
    expect(
      errorOf(() =>
        createStrategy('ensemble', {
          symbols: ['A'],
          members: [{ name: 'momentum', params: { lookback: 0 } }],
        }),
      ).message,
    ).toBe('members.0 (momentum): lookback: 0 is below the minimum 1 (allowed 1..500)');
    expect(
      errorOf(() => createStrategy('ensemble', { symbols: ['A'], members: [{ name: 'pairs' }] })).message,
    ).toMatch(/members.0 \(pairs\): symbols: pairs needs exactly 2 symbols/);
    expect(
      errorOf(() => createStrategy('ensemble', { symbols: ['A'], members: [{ name: 'foo' }] })).message,
    ).toBe('members.0 (foo): unknown strategy "foo"');
    expect(
      errorOf(() =>
        createStrategy('mirror', {
          trades: [{ date: '2020-01-02', symbol: 'A', side: 'hold', quantity: 1 }],
        }),
      ).message,
    ).toBe('trades.0.side: expected "buy" or "sell"');
    expect(errorOf(() => createStrategy('mirror', {})).message).toMatch(/needs exactly|at least one trade/);
  });

  it('param space gives numeric grids for optimisation', () => {
    const space = strategyParamSpace('pairs');
    const lookback = space.find((p) => p.name === 'lookback');
    expect(lookback).toEqual({
      name: 'lookback',
      type: 'integer',
      min: 10,
      max: 60,
      step: 5,
      values: [10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60],
    });
    expect(space.find((p) => p.name === 'entryThreshold')?.values).toEqual([
      1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3,
    ]);
    expect(space.some((p) => p.name === 'sizing')).toBe(false);
    // Every grid point lies inside the parameter's allowed range.
    for (const definition of listStrategies()) {
      for (const range of strategyParamSpace(definition.name)) {
        const spec = definition.params.find((p) => p.name === range.name);
        for (const value of range.values) {
          expect(value).toBeGreaterThanOrEqual(spec?.min as number);
          expect(value).toBeLessThanOrEqual(spec?.max as number);
        }
      }
    }
  });

  it('parseStrategyParams validates without building', () => {
    expect(parseStrategyParams('momentum', { lookback: 30 })).toEqual({
      lookback: 30,
      threshold: 0.02,
      allowShort: false,
      percent: 1,
    });
  });

  it('registers user strategies', () => {
    registerStrategy(
      defineStrategy({
        name: 'buy-and-hold-test',
        description: 'Buys on the first bar and holds.',
        params: [
          {
            name: 'percent',
            type: 'number',
            default: 1,
            min: 0.1,
            max: 1,
            description: 'fraction of equity',
          },
        ],
        minSymbols: 1,
        maxSymbols: 1,
        create: ({ symbols, percent }) => ({
          name: 'buy-and-hold-test',
          symbols,
          onBar: (context) => {
            if (context.barIndex === 0) context.orderTargetPercent(symbols[0], percent as number);
          },
        }),
      }),
    );
    expect(listStrategies().some((d) => d.name === 'buy-and-hold-test')).toBe(true);
    expect(createStrategy('buy-and-hold-test', { symbols: ['SPY'] }).symbols).toEqual(['SPY']);
    expect(errorOf(() => createStrategy('buy-and-hold-test', { symbols: ['SPY'], percent: 2 })).message).toBe(
      'percent: 2 is above the maximum 1 (allowed 0.1..1)',
    );
    expect(() => registerStrategy({ ...getStrategyDefinition('momentum'), name: 'Bad Name' })).toThrow(
      ValidationError,
    );
  });
});
