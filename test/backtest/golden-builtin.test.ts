import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { presets } from '../../src/backtest/presets.js';
import { createStrategy } from '../../src/strategies/registry.js';
import { SmaCrossoverStrategy } from '../../src/strategies/sma-crossover.js';
import { referenceFills } from './golden-reference.js';
import { loadCsvSeries } from './helpers.js';

const dir = resolve(import.meta.dirname, 'golden');

describe('golden parity of the built-in sma-crossover strategy', () => {
  it('SmaCrossoverStrategy(10, 30) reproduces the reference fill log under peer-parity', () => {
    const bars = loadCsvSeries(resolve(dir, 'gbm_2520_s42.csv'), 'GBM');
    const result = runBacktest(
      new SmaCrossoverStrategy('GBM', { fast: 10, slow: 30 }),
      [bars],
      presets.peerParity,
    );
    const reference = referenceFills();
    expect(result.fills).toHaveLength(reference.length);
    result.fills.forEach((fill, i) => {
      const ref = reference[i];
      expect([fill.side, fill.quantity, fill.price], `fill ${i} ${ref.date}`).toEqual([
        ref.side,
        ref.size,
        ref.price,
      ]);
      expect(Math.abs(fill.cashAfter - ref.cashAfter)).toBeLessThan(1e-6);
    });
    expect(Math.abs(result.finalEquity - 99141.123657)).toBeLessThan(1e-6);
  });
  it('through the registry by name', () => {
    const bars = loadCsvSeries(resolve(dir, 'gbm_2520_s42.csv'), 'GBM');
    const strategy = createStrategy('sma-crossover', { symbols: ['GBM'], fast: 10, slow: 30 });
    const result = runBacktest(strategy, [bars], presets.peerParity);
    expect(Math.abs(result.finalEquity - 99141.123657)).toBeLessThan(1e-6);
  });
});
