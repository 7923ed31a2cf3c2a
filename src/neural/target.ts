import { ValidationError } from '../core/errors.js';
import { NEURAL_TRAIN_DEFAULTS } from './defaults.js';

/**
 * What the network models. Prices are not stationary, so the default is `log-return`: the network sees
 * the last `inputSize` log returns and predicts the next `horizon` ones, turned back into a price path.
 * `price` models raw values (also right for any non-price series such as a sine); `log-price` models
 * ln(price); `return` models simple returns.
 */
export type ForecastTarget = 'price' | 'log-price' | 'return' | 'log-return';
export const FORECAST_TARGETS: readonly ForecastTarget[] = ['price', 'log-price', 'return', 'log-return'];
export const DEFAULT_TARGET: ForecastTarget = NEURAL_TRAIN_DEFAULTS.target;

/** 1 for return targets (a return needs the previous price), 0 for level targets. */
export function targetLag(target: ForecastTarget): number {
  return target === 'return' || target === 'log-return' ? 1 : 0;
}

/** Raw values -> modelled values; for return targets the result is one shorter. */
export function toTargetSpace(values: ArrayLike<number>, target: ForecastTarget): Float64Array {
  const n = values.length;
  switch (target) {
    case 'price':
      return Float64Array.from(values);
    case 'log-price': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.log(values[i]);
      return out;
    }
    case 'return': {
      const out = new Float64Array(Math.max(0, n - 1));
      for (let i = 1; i < n; i++) out[i - 1] = values[i] / values[i - 1] - 1;
      return out;
    }
    case 'log-return': {
      const out = new Float64Array(Math.max(0, n - 1));
      for (let i = 1; i < n; i++) out[i - 1] = Math.log(values[i] / values[i - 1]);
      return out;
    }
  }
}

/** Forecast in target space (horizon values after `lastValue`) -> forecast values in the original units. */
export function fromTargetSpace(
  forecast: ArrayLike<number>,
  lastValue: number,
  target: ForecastTarget,
  out: Float64Array = new Float64Array(forecast.length),
): Float64Array {
  const h = forecast.length;
  switch (target) {
    case 'price':
      for (let j = 0; j < h; j++) out[j] = forecast[j];
      break;
    case 'log-price':
      for (let j = 0; j < h; j++) out[j] = Math.exp(forecast[j]);
      break;
    case 'return': {
      let level = lastValue;
      for (let j = 0; j < h; j++) {
        level *= 1 + forecast[j];
        out[j] = level;
      }
      break;
    }
    case 'log-return': {
      let logLevel = Math.log(lastValue);
      for (let j = 0; j < h; j++) {
        logLevel += forecast[j];
        out[j] = Math.exp(logLevel);
      }
      break;
    }
  }
  return out;
}

/**
 * Write `count` scaled target-space values computed from raw values starting at `base` into `out` at
 * `offset` (no allocation; the inference hot path). For return targets it reads count + 1 raw values.
 */
export function writeTargetWindow(
  values: ArrayLike<number>,
  base: number,
  count: number,
  target: ForecastTarget,
  scaler: { transform(value: number): number },
  out: Float32Array,
  offset: number,
): void {
  for (let j = 0; j < count; j++) {
    let z: number;
    switch (target) {
      case 'price':
        z = values[base + j];
        break;
      case 'log-price':
        z = Math.log(values[base + j]);
        break;
      case 'return':
        z = values[base + j + 1] / values[base + j] - 1;
        break;
      case 'log-return':
        z = Math.log(values[base + j + 1] / values[base + j]);
        break;
    }
    out[offset + j] = scaler.transform(z);
  }
}

/** Reject values the target cannot represent (NaN anywhere; non-positive values for log/return targets). */
export function validateValues(values: ArrayLike<number>, target: ForecastTarget, what = 'data'): void {
  const needsPositive = target !== 'price';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new ValidationError(`${what} has a non-finite value (${v}) at index ${i}`, {
        field: `${what}[${i}]`,
        hint: 'drop or fill missing bars before training or forecasting',
      });
    }
    if (needsPositive && v <= 0) {
      throw new ValidationError(
        `${what} has a non-positive value (${v}) at index ${i}, which target '${target}' cannot take the log/return of`,
        {
          field: `${what}[${i}]`,
          hint: 'use --target price for series that can be zero or negative',
        },
      );
    }
  }
}
