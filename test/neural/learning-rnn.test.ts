import { beforeAll, expect, vi } from 'vitest';
import { initNeuralBackend } from '../../src/neural/backend.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';
import { LSTMForecaster, TransformerForecaster } from '../../src/neural/models.js';
import { describeLearning } from './learning-helpers.js';

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

describeLearning(models, training);
