/** Moments of a sample, as risk measures need them (sample variance with n - 1; population skew/kurtosis). */

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Unbiased sample variance (divisor n - 1). */
export function sampleVariance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return Number.NaN;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    ss += d * d;
  }
  return ss / (n - 1);
}

export function sampleStdDev(values: ArrayLike<number>): number {
  return Math.sqrt(sampleVariance(values));
}

/** Skewness m3 / m2^1.5 and excess kurtosis m4 / m2^2 - 3 from central moments (divisor n). */
export function skewnessAndExcessKurtosis(values: ArrayLike<number>): {
  skewness: number;
  excessKurtosis: number;
} {
  const n = values.length;
  const m = mean(values);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  if (!(m2 > 0)) return { skewness: 0, excessKurtosis: 0 };
  return { skewness: m3 / m2 ** 1.5, excessKurtosis: m4 / (m2 * m2) - 3 };
}

/** Covariance of two equal-length samples (divisor n - 1). */
export function sampleCovariance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - mx) * (y[i] - my);
  return s / (n - 1);
}

// Largest peak-to-trough fall of a value curve: the product's one definition (src/core/performance.ts).
export { maxDrawdown } from '../core/performance.js';
