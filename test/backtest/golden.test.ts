import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { presets } from '../../src/backtest/presets.js';
import { formatDate } from '../../src/core/time.js';
import { referenceFills } from './golden-reference.js';
import { GoldenSmaCross, loadCsvSeries } from './helpers.js';

// Reference data copied from /work/shared/data/golden (see golden/README.txt): the fill log backtrader,
// vectorbt and backtesting.py all produce for an SMA(10)/SMA(30) crossover on a seeded GBM path.
const dir = resolve(import.meta.dirname, 'golden');
const bars = loadCsvSeries(resolve(dir, 'gbm_2520_s42.csv'), 'GBM');
const reference = referenceFills();

describe('golden parity with backtrader / vectorbt / backtesting.py', () => {
  it('reproduces every fill of the reference log under the peer-parity preset', () => {
    const result = runBacktest(new GoldenSmaCross('GBM', 10, 30), [bars], presets.peerParity);
    expect(bars.length).toBe(2520);
    expect(result.fills.filter((f) => f.side === 'buy')).toHaveLength(54);
    expect(result.fills.filter((f) => f.side === 'sell')).toHaveLength(53);
    expect(result.fills).toHaveLength(reference.length);
    result.fills.forEach((fill, i) => {
      const ref = reference[i];
      const row = `fill ${i} (${ref.date})`;
      expect(formatDate(fill.timestamp), row).toBe(ref.date);
      expect(fill.side, row).toBe(ref.side);
      expect(fill.quantity, row).toBe(ref.size);
      expect(fill.price, row).toBe(ref.price);
      expect(Math.abs(fill.commission - ref.commission), row).toBeLessThan(1e-9);
      expect(Math.abs(fill.cashAfter - ref.cashAfter), row).toBeLessThan(1e-6);
    });
    expect(result.positions).toEqual({ GBM: 962 });
    expect(Math.abs(result.finalCash - 57.047657)).toBeLessThan(1e-6);
    expect(Math.abs(result.finalEquity - 99141.123657)).toBeLessThan(1e-6);
    expect(result.trades).toHaveLength(53);
    expect(result.openTrades).toHaveLength(1);
    expect(result.rejections).toHaveLength(0);
  });
});
