import { Random } from '../../src/core/random.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';

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
