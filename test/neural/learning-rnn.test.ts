import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initNeuralBackend } from '../../src/neural/backend.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';
import { LSTMForecaster, TransformerForecaster } from '../../src/neural/models.js';
import { AR2_CASES, AR2_TRAIN, ar2Gain, ar2Series, noisySine } from './learning-helpers.js';

// Slow on a loaded machine (training); the default 20 s per test is too tight.
vi.setConfig({ testTimeout: 180_000 });

// SLOW-ish learning checks (~20-30 s): LSTM and Transformer at SMALL sizes (hidden 16; model size 16,
// 1 layer), batch 64 and learning rate 3e-3, on AR(2) processes and a noisy sine.

beforeAll(async () => {
  expect(await initNeuralBackend()).toBe('wasm');
});

const models: [string, (seed: number, horizon: number) => NeuralForecaster][] = [
  [
    'LSTM',
    (seed, horizon) => new LSTMForecaster({ inputSize: 8, horizon, target: 'price', hiddenSize: 16, seed }),
  ],
  [
    'Transformer',
    (seed, horizon) =>
      new TransformerForecaster({
        inputSize: 8,
        horizon,
        target: 'price',
        modelSize: 16,
        heads: 2,
        layers: 1,
        seed,
      }),
  ],
];
const training = { epochs: 20, patience: 5, batchSize: 64, learningRate: 3e-3 };

describe.each(models)('%s learns', (_name, create) => {
  it.each(
    AR2_CASES,
  )('AR(2) phi = ($phi1, $phi2), seed $seed: >= 70% of the learnable gain, DM p < 0.01 vs random walk', async ({
    seed,
    phi1,
    phi2,
  }) => {
    const x = ar2Series(seed, phi1, phi2);
    const model = create(seed, 1);
    await model.train(x.subarray(0, AR2_TRAIN), training);
    expect(ar2Gain(model, x, phi1, phi2)).toBeGreaterThanOrEqual(0.7);
    const report = model.evaluate(x, { firstOrigin: AR2_TRAIN - 1 });
    const walk = report.verdicts.find((v) => v.baseline === 'random-walk');
    const seasonal = report.verdicts.find((v) => v.baseline === 'seasonal-naive');
    expect(walk?.beatOnMae).toBe(true);
    expect(walk?.dieboldMariano.pValue).toBeLessThan(0.01);
    expect(seasonal?.beatOnMae).toBe(true);
    expect(seasonal?.dieboldMariano.pValue).toBeLessThan(0.01);
  });

  it('a noisy sine (period 20, horizon 4): beats seasonal naive and the random walk, DM p < 0.01', async () => {
    const x = noisySine(7);
    const model = create(7, 4);
    await model.train(x.subarray(0, 500), training);
    const report = model.evaluate(x, { firstOrigin: 499, season: 20 });
    for (const baseline of ['random-walk', 'seasonal-naive'] as const) {
      const verdict = report.verdicts.find((v) => v.baseline === baseline);
      expect(verdict?.beatOnMae).toBe(true);
      expect(verdict?.dieboldMariano.pValue).toBeLessThan(0.01);
    }
  });
});
