import { normalCdf } from '../core/normal.js';

/**
 * Point-forecast error metrics. Each takes aligned actual/forecast arrays (one element per forecast
 * point) and ignores nothing: callers pass finite values only.
 */

export function meanAbsoluteError(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i] - forecast[i]);
  return actual.length ? sum / actual.length : Number.NaN;
}

export function rootMeanSquaredError(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (actual[i] - forecast[i]) ** 2;
  return actual.length ? Math.sqrt(sum / actual.length) : Number.NaN;
}

/** Mean absolute percentage error in percent; points with actual = 0 are skipped (undefined there). */
export function meanAbsolutePercentageError(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) continue;
    sum += Math.abs((actual[i] - forecast[i]) / actual[i]);
    count++;
  }
  return count ? (100 * sum) / count : Number.NaN;
}

/** Symmetric MAPE in percent (0-200): |a - f| / ((|a| + |f|) / 2); 0/0 counts as 0. */
export function symmetricMape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const denominator = (Math.abs(actual[i]) + Math.abs(forecast[i])) / 2;
    sum += denominator === 0 ? 0 : Math.abs(actual[i] - forecast[i]) / denominator;
  }
  return actual.length ? (100 * sum) / actual.length : Number.NaN;
}

/** Mean absolute scaled error: MAE divided by the in-sample MAE of the (seasonal) naive forecast. */
export function meanAbsoluteScaledError(
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
  naiveScale: number,
): number {
  return meanAbsoluteError(actual, forecast) / naiveScale;
}

/** In-sample MAE of the seasonal naive forecast y[t] = y[t - season]: the MASE denominator. */
export function naiveScale(history: ArrayLike<number>, season = 1): number {
  let sum = 0;
  let count = 0;
  for (let i = season; i < history.length; i++) {
    sum += Math.abs(history[i] - history[i - season]);
    count++;
  }
  return count ? sum / count : Number.NaN;
}

/**
 * Fraction of forecasts whose predicted direction (forecast - origin) matches the actual direction
 * (actual - origin). Points where either move is exactly zero are not counted; a forecaster that never
 * predicts a move (the random walk) has no directional accuracy: null.
 */
export function directionalAccuracy(
  origin: ArrayLike<number>,
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
): number | null {
  let hits = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const actualMove = actual[i] - origin[i];
    const forecastMove = forecast[i] - origin[i];
    if (actualMove === 0 || forecastMove === 0) continue;
    count++;
    if (Math.sign(actualMove) === Math.sign(forecastMove)) hits++;
  }
  return count ? hits / count : null;
}

export interface ForecastMetrics {
  mae: number;
  rmse: number;
  mape: number;
  smape: number;
  mase: number;
  /** Direction of the final-horizon move vs the origin; null if the forecaster never predicts a move. */
  directionalAccuracy: number | null;
  /** Number of forecast points (origins x horizon). */
  points: number;
}

/**
 * All metrics over a set of multi-horizon forecasts. `actual` and `forecast` are origin-major
 * (origin k, step j at k * horizon + j); `origins` holds the last known value at each origin.
 */
export function forecastMetrics(
  actual: Float64Array,
  forecast: Float64Array,
  origins: Float64Array,
  horizon: number,
  scale: number,
): ForecastMetrics {
  const n = origins.length;
  const finalActual = new Float64Array(n);
  const finalForecast = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    finalActual[k] = actual[k * horizon + horizon - 1];
    finalForecast[k] = forecast[k * horizon + horizon - 1];
  }
  return {
    mae: meanAbsoluteError(actual, forecast),
    rmse: rootMeanSquaredError(actual, forecast),
    mape: meanAbsolutePercentageError(actual, forecast),
    smape: symmetricMape(actual, forecast),
    mase: meanAbsoluteScaledError(actual, forecast, scale),
    directionalAccuracy: directionalAccuracy(origins, finalActual, finalForecast),
    points: actual.length,
  };
}

// One normal CDF for the whole product (src/core/normal.ts, accurate to ~1e-15), re-exported for callers of
// this module.
export { normalCdf };

/**
 * Diebold-Mariano test of equal accuracy for two forecasters from their per-origin losses (e.g. absolute
 * errors). The variance of the mean loss difference uses a Newey-West (Bartlett) estimate with
 * `lag` = horizon - 1, since overlapping multi-step forecasts have autocorrelated errors. Returns the
 * statistic (negative = the first forecaster has lower loss) and the two-sided p-value.
 */
export function dieboldMariano(
  lossA: ArrayLike<number>,
  lossB: ArrayLike<number>,
  lag: number,
): { statistic: number; pValue: number } {
  const n = lossA.length;
  if (n < 2) return { statistic: Number.NaN, pValue: Number.NaN };
  const d = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    d[i] = lossA[i] - lossB[i];
    mean += d[i];
  }
  mean /= n;
  const autocovariance = (k: number) => {
    let sum = 0;
    for (let i = k; i < n; i++) sum += (d[i] - mean) * (d[i - k] - mean);
    return sum / n;
  };
  let variance = autocovariance(0);
  for (let k = 1; k <= Math.min(lag, n - 1); k++) variance += 2 * (1 - k / (lag + 1)) * autocovariance(k);
  if (!(variance > 0)) {
    return mean === 0
      ? { statistic: 0, pValue: 1 }
      : { statistic: mean > 0 ? Infinity : -Infinity, pValue: 0 };
  }
  const statistic = mean / Math.sqrt(variance / n);
  return { statistic, pValue: 2 * (1 - normalCdf(Math.abs(statistic))) };
}
