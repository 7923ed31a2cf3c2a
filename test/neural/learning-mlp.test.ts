import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initNeuralBackend } from '../../src/neural/backend.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';
import { NBEATS, NHiTS } from '../../src/neural/models.js';
import { AR2_CASES, AR2_TRAIN, ar2Gain, ar2Series, noisySine } from './learning-helpers.js';

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
    await model.train(x.subarray(0, AR2_TRAIN), { epochs: 40, patience: 8 });
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
    await model.train(x.subarray(0, 500), { epochs: 40, patience: 8 });
    const report = model.evaluate(x, { firstOrigin: 499, season: 20 });
    for (const baseline of ['random-walk', 'seasonal-naive'] as const) {
      const verdict = report.verdicts.find((v) => v.baseline === baseline);
      expect(verdict?.beatOnMae).toBe(true);
      expect(verdict?.dieboldMariano.pValue).toBeLessThan(0.01);
    }
  });
});

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
