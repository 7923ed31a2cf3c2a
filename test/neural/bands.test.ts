import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Random } from '../../src/core/random.js';
import { initNeuralBackend } from '../../src/neural/backend.js';
import { NHiTS } from '../../src/neural/models.js';

// Slow on a loaded machine (training); the default 20 s per test is too tight.
vi.setConfig({ testTimeout: 180_000 });

// Calibration of multi-step quantile bands (~10 s). A simulated random walk with 1% daily log-return
// volatility: the nominal 80% band [p10, p90] must cover ~80% of outcomes at EVERY step 1..5. Bands made by
// compounding per-step quantiles widen like h instead of sqrt(h) and covered 0.79, 0.93, 0.96, 0.98, 0.99.

beforeAll(async () => {
  expect(await initNeuralBackend()).toBe('wasm');
});

function randomWalk(length: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const x = new Float64Array(length);
  x[0] = 100;
  for (let t = 1; t < length; t++) x[t] = x[t - 1] * Math.exp(0.01 * rng.normal());
  return x;
}

function coverage(model: NHiTS, x: Float64Array, first: number): number[] {
  const h = model.horizon;
  const origins = Int32Array.from({ length: x.length - h - first }, (_, k) => first + k);
  const quantiles = model.forecastAt(x, origins).quantiles as Float64Array;
  const covered = new Array(h).fill(0);
  origins.forEach((t, k) => {
    for (let j = 0; j < h; j++) {
      const p10 = quantiles[(k * 3 + 0) * h + j];
      const p90 = quantiles[(k * 3 + 2) * h + j];
      const actual = x[t + 1 + j];
      if (actual >= p10 && actual <= p90) covered[j]++;
    }
  });
  return covered.map((c) => c / origins.length);
}

describe('multi-step quantile bands', () => {
  const x = randomWalk(7000, 11);
  const train = 4500;

  it('cover 80% +- 4 points at every step 1..5 on a random walk (direct quantiles of the cumulative return)', async () => {
    const model = new NHiTS({ inputSize: 10, horizon: 5, quantiles: true, hiddenSize: 32, seed: 3 });
    expect(model.config.bands).toBe('cumulative');
    await model.train(x.subarray(0, train), { epochs: 30, patience: 10, learningRate: 3e-3 });
    const covered = coverage(model, x, train);
    for (const c of covered) expect(Math.abs(c - 0.8)).toBeLessThan(0.04);
  });

  it('the old per-step construction (compounded step quantiles) is over-wide beyond step 1', async () => {
    const model = new NHiTS({
      inputSize: 10,
      horizon: 5,
      quantiles: true,
      hiddenSize: 32,
      seed: 3,
      bands: 'per-step',
    } as ConstructorParameters<typeof NHiTS>[0]);
    await model.train(x.subarray(0, train), { epochs: 30, patience: 10, learningRate: 3e-3 });
    const covered = coverage(model, x, train);
    expect(covered[4]).toBeGreaterThan(0.9);
  });
});
