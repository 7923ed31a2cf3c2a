import { describe, expect, it } from 'vitest';
import { Backtester } from '../../src/backtest/backtester.js';
import { runBacktest } from '../../src/backtest/engine.js';
import { BarSeries } from '../../src/core/bars.js';
import { ValidationError } from '../../src/core/errors.js';
import { fetchMarketData } from '../../src/data/index.js';
import { checkRequiredColumns, createStrategy, seriesHasColumn } from '../../src/strategies/index.js';

/** Issue #11 item 6: a strategy that needs volume must not silently never trade on close-only data. */
describe('strategies declare the columns they need', async () => {
  const ko = await fetchMarketData('KO', '1995-01-01', '1999-12-31', 'sample');
  const aapl = await fetchMarketData('AAPL', undefined, undefined, 'sample');

  it('enhanced-momentum on the Dow 30 closes is refused in one line naming the symbol and the fix', () => {
    expect(ko.closeOnly).toBe(true);
    const strategy = createStrategy('enhanced-momentum', { symbols: ['KO'] });
    expect(strategy.requiredColumns).toEqual([expect.objectContaining({ column: 'volume' })]);
    let error: unknown;
    try {
      runBacktest(strategy, [ko]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const e = error as ValidationError;
    expect(e.message).toBe(
      'enhanced-momentum needs volume for its volume filter (volumeFilter=true, the default), but KO has none (close-only data)',
    );
    expect(e.message).not.toContain('\n');
    expect(e.hint).toMatch(/volumeFilter=false/);
  });

  it('the Backtester refuses before prepare() (nothing loaded or trained)', async () => {
    let prepared = false;
    const strategy = createStrategy('enhanced-momentum', { symbols: ['KO'] });
    Object.assign(strategy, {
      prepare: async () => {
        prepared = true;
      },
    });
    await expect(new Backtester(strategy).setData(ko).run()).rejects.toThrow(/needs volume/);
    expect(prepared).toBe(false);
  });

  it('with the filter off it trades on the same data; with volume it runs as declared', () => {
    const off = runBacktest(createStrategy('enhanced-momentum', { symbols: ['KO'], volumeFilter: false }), [
      ko,
    ]);
    expect(off.fills.length).toBeGreaterThan(0);
    const withVolume = runBacktest(createStrategy('enhanced-momentum', { symbols: ['AAPL'] }), [aapl]);
    expect(withVolume.fills.length).toBeGreaterThan(0);
  });

  it('an ensemble inherits its members needs; a volume column of zeros counts as missing', () => {
    const ensemble = createStrategy('ensemble', {
      symbols: ['KO'],
      members: [{ name: 'momentum' }, { name: 'enhanced-momentum' }],
    });
    expect(() => runBacktest(ensemble, [ko])).toThrow(/^ensemble needs volume for a member's signal/);
    const zeros = new BarSeries('Z', '1Day', {
      timestamps: aapl.timestamps,
      open: aapl.open,
      high: aapl.high,
      low: aapl.low,
      close: aapl.close,
      volume: new Float64Array(aapl.length),
    });
    expect(seriesHasColumn(zeros, 'high')).toBe(true);
    expect(seriesHasColumn(zeros, 'volume')).toBe(false);
    const strategy = createStrategy('enhanced-momentum', { symbols: ['Z'] });
    expect(() => checkRequiredColumns(strategy, [zeros])).toThrow(/Z has none \(no bar with volume > 0\)/);
    // Strategies that read only closes declare nothing and run anywhere.
    expect(createStrategy('momentum', { symbols: ['KO'] }).requiredColumns).toEqual([]);
    expect(createStrategy('pairs', { symbols: ['KO', 'PG'] }).requiredColumns).toBeUndefined();
  });
});
