import { describe, expect, it, vi } from 'vitest';
import { generateGbmSeries } from '../../src/data/synthetic.js';
import { activeBackend } from '../../src/neural/backend.js';
import { NeuralTrendStrategy } from '../../src/neural/neural-trend.js';
import { optimizeStrategy } from '../../src/optimize/optimizer.js';
import { parseSpace } from '../../src/optimize/space.js';

describe('optimiser trials prepare their strategy', () => {
  it('a neural-trend sweep awaits prepare() in every trial, so it trains on the wasm backend like a backtest', async () => {
    const prepare = vi.spyOn(NeuralTrendStrategy.prototype, 'prepare');
    expect(activeBackend()).toBeUndefined();
    const series = generateGbmSeries({ bars: 90, seed: 5, symbol: 'NT' });
    const result = await optimizeStrategy({
      strategy: 'neural-trend',
      series: [series],
      fixedParams: {
        model: 'nbeats',
        inputSize: 8,
        horizon: 1,
        hiddenSize: 4,
        epochs: 1,
        minTrainBars: 60,
        retrainEvery: 1000,
      },
      space: parseSpace(['threshold=0.001,0.002']),
      workers: 1,
    });
    expect(result.trials).toHaveLength(2);
    expect(result.trials.every((t) => t.error === undefined)).toBe(true);
    expect(prepare).toHaveBeenCalledTimes(2);
    expect(activeBackend()).toBe('wasm');
  }, 60_000);
});
