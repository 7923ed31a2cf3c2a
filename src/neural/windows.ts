import { ValidationError } from '../core/errors.js';

/**
 * Splitting a target-space series into (input, horizon) samples by time. The split point `s` divides the
 * series: training samples have their whole horizon before `s`; validation samples have their whole
 * horizon at or after `s` (their inputs may reach back before it, as a forecaster's would). The scaler is
 * fitted on values [0, s) only.
 */
export interface WindowSplit {
  /** Index in the target-space series where validation targets begin (= length when no validation). */
  splitIndex: number;
  /** Sample start indices: input = [k, k + inputSize), target = [k + inputSize, k + inputSize + horizon). */
  trainStarts: Int32Array;
  validationStarts: Int32Array;
}

export function splitWindows(
  length: number,
  inputSize: number,
  horizon: number,
  validationFraction: number,
): WindowSplit {
  const span = inputSize + horizon;
  const splitIndex = validationFraction > 0 ? Math.round(length * (1 - validationFraction)) : length;
  const trainCount = Math.max(0, splitIndex - span + 1);
  const trainStarts = new Int32Array(trainCount);
  for (let k = 0; k < trainCount; k++) trainStarts[k] = k;
  const firstValidation = Math.max(0, splitIndex - inputSize);
  const validationCount = validationFraction > 0 ? Math.max(0, length - span - firstValidation + 1) : 0;
  const validationStarts = new Int32Array(validationCount);
  for (let k = 0; k < validationCount; k++) validationStarts[k] = firstValidation + k;
  return { splitIndex, trainStarts, validationStarts };
}

/** Smallest target-space length that yields at least one training and (if asked) one validation sample. */
export function minimumTrainingLength(
  inputSize: number,
  horizon: number,
  validationFraction: number,
): number {
  for (let n = inputSize + horizon; n < 10_000_000; n++) {
    const split = splitWindows(n, inputSize, horizon, validationFraction);
    if (split.trainStarts.length >= 1 && (validationFraction === 0 || split.validationStarts.length >= 1))
      return n;
  }
  return Number.POSITIVE_INFINITY;
}

export function assertEnoughData(
  available: number,
  inputSize: number,
  horizon: number,
  validationFraction: number,
  lag: number,
): void {
  const needed = minimumTrainingLength(inputSize, horizon, validationFraction) + lag;
  if (available < needed) {
    throw new ValidationError(
      `too few bars to train: ${available} given, at least ${needed} needed for input size ${inputSize}, horizon ${horizon} and a ${Math.round(validationFraction * 100)}% validation split`,
      { field: 'data', hint: 'use a longer date range, or a smaller --input-size / --horizon' },
    );
  }
}

/**
 * Copy the samples at `starts[from..to)` (scaled) into batch buffers. With exogenous series (scaled and
 * indexed like `scaled`), each input row is the target window followed by each exogenous window over the
 * same steps: [x_k .. x_{k+n-1} | e1_k .. e1_{k+n-1} | ...].
 */
export function fillBatch(
  scaled: Float64Array,
  starts: ArrayLike<number>,
  order: ArrayLike<number> | null,
  from: number,
  to: number,
  inputSize: number,
  horizon: number,
  xs: Float32Array,
  ys: Float32Array,
  exogenous: readonly Float64Array[] = [],
): void {
  const width = inputSize * (1 + exogenous.length);
  for (let row = 0, i = from; i < to; i++, row++) {
    const k = starts[order ? order[i] : i];
    for (let j = 0; j < inputSize; j++) xs[row * width + j] = scaled[k + j];
    for (let e = 0; e < exogenous.length; e++) {
      const series = exogenous[e];
      const offset = row * width + (e + 1) * inputSize;
      for (let j = 0; j < inputSize; j++) xs[offset + j] = series[k + j];
    }
    for (let j = 0; j < horizon; j++) ys[row * horizon + j] = scaled[k + inputSize + j];
  }
}
