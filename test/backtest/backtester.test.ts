import { describe, expect, it } from 'vitest';
import { Backtester, resolveRunOptions } from '../../src/backtest/backtester.js';
import { perShareCommission } from '../../src/backtest/fill-models.js';
import { BarSeries } from '../../src/core/bars.js';
import { DataError, ValidationError } from '../../src/core/errors.js';
import { formatDate } from '../../src/core/time.js';
import { flatSeries, GoldenSmaCross, scripted, seriesFrom } from './helpers.js';

describe('Backtester (fluent API)', () => {
  it('runs on given data with the configured capital, commission and slippage', async () => {
    const rows = [
      [100, 100, 100, 100],
      [100, 100, 100, 100],
      [110, 110, 110, 110],
    ];
    const result = await new Backtester(scripted(['X'], { 0: (c) => c.buy(10) }))
      .setInitialCapital(50_000)
      .setCommission(0.01)
      .setSlippage(100)
      .setData(seriesFrom('X', rows))
      .run();
    expect(result.initialCapital).toBe(50_000);
    expect(result.fills[0].price).toBeCloseTo(101, 10);
    expect(result.fills[0].commission).toBeCloseTo(10.1, 10);
    expect(result.finalEquity).toBeCloseTo(50_000 - 1010 - 10.1 + 1100, 8);
    expect(result.options.commission).toBe('percent(0.01)');
  });

  it('cuts given data to the requested range and explains an empty range', async () => {
    const series = flatSeries('X', [1, 2, 3, 4, 5]);
    const result = await new Backtester(scripted(['X'], {})).setData(series).run('2024-01-02', '2024-01-04');
    expect(result.bars).toBe(3);
    expect(formatDate(result.start)).toBe('2024-01-02');
    await expect(
      new Backtester(scripted(['X'], {})).setData(series).run('2025-01-01', '2025-02-01'),
    ).rejects.toThrow(/no bars for X .*available: 2024-01-01 to 2024-01-05/);
  });

  it('fetches the strategy symbols from the sample provider by default', async () => {
    const strategy = scripted(['KO', 'PG'], { 0: (c) => c.buy(10, { symbol: 'PG' }) });
    const result = await new Backtester(strategy)
      .setCommission(perShareCommission(0.01))
      .run('1995-01-01', '1995-12-31');
    expect(result.symbols).toEqual(['KO', 'PG']);
    expect(result.bars).toBeGreaterThan(240);
    expect(result.bars).toBeLessThan(260);
    expect(formatDate(result.start).startsWith('1995-01')).toBe(true);
    expect(result.fills[0]).toMatchObject({ symbol: 'PG', quantity: 10, commission: 0.1 });
    expect(result.metrics.benchmark.totalReturn).not.toBe(0);
  });

  it('reports a date range with no data, with the available range', async () => {
    const run = new Backtester(scripted(['KO'], {})).run('2030-01-01', '2030-12-31');
    await expect(run).rejects.toThrow(DataError);
    await expect(new Backtester(scripted(['KO'], {})).run('2030-01-01', '2030-12-31')).rejects.toThrow(
      /available/,
    );
  });

  it('reports symbols without overlapping dates and each one range', async () => {
    const a = flatSeries('A', [1, 2, 3]);
    const empty = flatSeries('B', [1, 2, 3]).slice(0, 0);
    await expect(new Backtester(scripted(['A', 'B'], {})).setData(a, empty).run()).rejects.toThrow(
      /no bars for B/,
    );
    const later = BarSeries.fromBars('C', '1Day', [
      { timestamp: Date.UTC(2025, 0, 1), open: 1, high: 1, low: 1, close: 1, volume: 0 },
    ]);
    await expect(new Backtester(scripted(['A', 'C'], {})).setData(a, later).run()).rejects.toThrow(
      'symbols A, C have no overlapping dates (A 2024-01-01 to 2024-01-03; C 2025-01-01 to 2025-01-01)',
    );
  });

  it('presets are applied first and explicit options override them', () => {
    expect(resolveRunOptions({ preset: 'peer-parity' })).toMatchObject({
      commission: 0.001,
      sizeAtFill: true,
    });
    expect(resolveRunOptions({ preset: 'peer-parity', commission: 0.002, capital: 5 })).toMatchObject({
      commission: 0.002,
      initialCapital: 5,
      sizeAtFill: true,
    });
    expect(() => resolveRunOptions({ preset: 'nope' })).toThrow(ValidationError);
  });

  it('the golden strategy through the fluent API with the preset', async () => {
    const { loadCsvSeries } = await import('./helpers.js');
    const { resolve } = await import('node:path');
    const bars = loadCsvSeries(resolve(import.meta.dirname, 'golden/gbm_2520_s42.csv'), 'GBM');
    const result = await new Backtester(new GoldenSmaCross('GBM'))
      .usePreset('peer-parity')
      .setData(bars)
      .run();
    expect(result.finalEquity).toBeCloseTo(99141.123657, 6);
  });
});
