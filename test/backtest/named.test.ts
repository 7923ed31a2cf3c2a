import { describe, expect, it } from 'vitest';
import { Backtester } from '../../src/backtest/backtester.js';
import { backtest } from '../../src/backtest/named.js';
import { ValidationError } from '../../src/core/errors.js';
import { createStrategy } from '../../src/strategies/registry.js';

describe('backtest(strategyName, params, start, end, options)', () => {
  it('runs the old-system pairs call on bundled KO/PG', async () => {
    const params = { symbols: ['KO', 'PG'], lookback: 20, entryThreshold: 2.0 };
    const result = await backtest('pairs', params, '1995-01-01', '1995-12-31', { commission: 0.001 });
    expect(result.strategy).toBe('pairs');
    expect(result.symbols).toEqual(['KO', 'PG']);
    expect(result.bars).toBe(252);
    expect(result.params).toMatchObject({ lookback: 20, entryThreshold: 2 });
    expect(result.fills.length).toBeGreaterThan(0);
    expect(new Set(result.fills.map((f) => f.symbol))).toEqual(new Set(['KO', 'PG']));
    // Pairs trades both directions.
    expect(new Set(result.trades.map((t) => t.direction))).toEqual(new Set(['long', 'short']));
    expect(result.rejections).toEqual([]);
    // The same run through the fluent API gives the same fills.
    const fluent = await new Backtester(createStrategy('pairs', params))
      .setCommission(0.001)
      .run('1995-01-01', '1995-12-31');
    expect(fluent.fills).toEqual(result.fills);
    expect(fluent.finalEquity).toBe(result.finalEquity);
  });

  it('options: capital, slippage, preset, allowShort', async () => {
    const params = { symbols: ['KO', 'PG'], lookback: 20, entryThreshold: 2.0 };
    const result = await backtest('pairs', params, '1995-01-01', '1995-12-31', {
      capital: 50_000,
      slippageBps: 10,
      allowShort: false,
    });
    expect(result.initialCapital).toBe(50_000);
    expect(result.options.slippageBps).toBe(10);
    expect(result.rejections.every((r) => r.check === 'no-short')).toBe(true);
    expect(result.trades.every((t) => t.direction === 'long')).toBe(true);
    const parity = await backtest('sma-crossover', { symbols: ['KO'] }, '1995-01-01', '1996-12-31', {
      preset: 'peer-parity',
    });
    expect(parity.options).toMatchObject({ sizeAtFill: true, commission: 'percent(0.001)', maxLeverage: 1 });
  });

  it('an unknown strategy lists the valid names', async () => {
    await expect(backtest('nope', {}, '1995-01-01', '1995-12-31')).rejects.toThrow(ValidationError);
    await expect(backtest('nope', {}, '1995-01-01', '1995-12-31')).rejects.toThrow(/nope/);
  });
});
