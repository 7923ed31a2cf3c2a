import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';
import type { TrainOptions } from '../../src/neural/training-types.js';

/**
 * Learning checks shared by the learning-*.test.ts files (SLOW-ish: each trains small models for a few
 * seconds; sizes and epochs are the smallest that still show the property).
 *
 * AR(2): x_t - 100 = phi1 (x_{t-1} - 100) + phi2 (x_{t-2} - 100) + e_t, e_t ~ N(0, 1).
 * Learnable gain = (random-walk MAE - model MAE) / (random-walk MAE - oracle MAE), where the oracle
 * forecasts with the true coefficients.
 */
export const AR2_CASES: { seed: number; phi1: number; phi2: number }[] = [
  { seed: 1, phi1: 1.3, phi2: -0.6 },
  { seed: 2, phi1: 0.5, phi2: 0.3 },
  { seed: 3, phi1: -0.4, phi2: 0.3 },
];

export const AR2_TRAIN = 1600;
export const AR2_LENGTH = 3600;

export function ar2Series(seed: number, phi1: number, phi2: number, length = AR2_LENGTH): Float64Array {
  const rng = new Random(seed * 101);
  const x = new Float64Array(length);
  x[0] = 100;
  x[1] = 100;
  for (let t = 2; t < length; t++)
    x[t] = 100 + phi1 * (x[t - 1] - 100) + phi2 * (x[t - 2] - 100) + rng.normal();
  return x;
}

/** One-step learnable gain of a trained model on the held-out part of an AR(2) series. */
export function ar2Gain(
  model: NeuralForecaster,
  x: Float64Array,
  phi1: number,
  phi2: number,
  firstOrigin = AR2_TRAIN - 1,
): number {
  const origins = Int32Array.from({ length: x.length - 1 - firstOrigin }, (_, k) => firstOrigin + k);
  const { point } = model.forecastAt(x, origins);
  let modelError = 0;
  let walkError = 0;
  let oracleError = 0;
  origins.forEach((t, k) => {
    const actual = x[t + 1];
    modelError += Math.abs(point[k * model.horizon] - actual);
    walkError += Math.abs(x[t] - actual);
    oracleError += Math.abs(100 + phi1 * (x[t] - 100) + phi2 * (x[t - 1] - 100) - actual);
  });
  return (walkError - modelError) / (walkError - oracleError);
}

/** A sine of period 20 with N(0, 0.3^2) noise around level 10. */
export function noisySine(seed: number, length = 900): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length }, (_, i) => 10 + Math.sin((2 * Math.PI * i) / 20) + 0.3 * rng.normal());
}

/**
 * The learning checks every model must pass, as one describe block per model: on each AR(2) case at least
 * 70% of the learnable gain and a significant win (DM p < 0.01) over the random walk and seasonal naive;
 * on a noisy sine (period 20, horizon 4) a significant win over both.
 */
export function describeLearning(
  models: [string, (seed: number, horizon: number) => NeuralForecaster][],
  training: TrainOptions,
): void {
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
}
