import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initNeuralBackend } from '../../src/neural/backend.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';
import { NBEATS, NHiTS } from '../../src/neural/models.js';
import { AR2_TRAIN, ar2Gain, ar2Series, describeLearning } from './learning-helpers.js';

// Slow on a loaded machine (training); the default 20 s per test is too tight.
vi.setConfig({ testTimeout: 180_000 });

// SLOW-ish learning checks (~15 s): N-HiTS and N-BEATS at their DEFAULT sizes and default training
// options (batch 256) on AR(2) processes and a noisy sine. See learning-helpers.ts for the definitions.

beforeAll(async () => {
  expect(await initNeuralBackend()).toBe('wasm');
});

const models: [string, (seed: number, horizon: number) => NeuralForecaster][] = [
  ['N-HiTS', (seed, horizon) => new NHiTS({ inputSize: 8, horizon, target: 'price', seed })],
  ['N-BEATS', (seed, horizon) => new NBEATS({ inputSize: 8, horizon, target: 'price', seed })],
];

describeLearning(models, { epochs: 40, patience: 8 });

describe('N-HiTS with a wide input window (30 bars, 28 of them irrelevant)', () => {
  it.each([
    { seed: 1, phi1: 1.3, phi2: -0.6 },
    { seed: 2, phi1: 0.5, phi2: 0.3 },
  ])('AR(2) phi = ($phi1, $phi2): weight decay 10 reaches >= 70% of the learnable gain', async ({
    seed,
    phi1,
    phi2,
  }) => {
    const x = ar2Series(seed, phi1, phi2);
    const model = new NHiTS({ inputSize: 30, horizon: 1, target: 'price', seed });
    await model.train(x.subarray(0, AR2_TRAIN), { epochs: 60, patience: 10, weightDecay: 10 });
    expect(ar2Gain(model, x, phi1, phi2)).toBeGreaterThanOrEqual(0.7);
  });
});
