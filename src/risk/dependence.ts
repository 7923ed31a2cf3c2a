import { ValidationError } from '../core/errors.js';
import type { SymmetricMatrix } from './matrix.js';
import { sampleCovariance, sampleVariance } from './stats.js';

/**
 * Dependence between assets: sample covariance and correlation, Ledoit-Wolf shrinkage, Euler risk
 * contributions and beta. Return histories are passed as one Float64Array column per asset, all of the
 * same length (aligned dates).
 */

/** Every value finite, or a ValidationError naming the first offender (`field[index]`). */
export function checkFinite(values: ArrayLike<number>, field: string, hint?: string): void {
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ValidationError(`${field}[${k}] is ${String(v)}; ${field} must be finite numbers`, {
        field,
        hint: hint ?? 'remove or fill missing (NaN) values first',
      });
    }
  }
}

function checkColumns(columns: readonly ArrayLike<number>[]): number {
  if (!Array.isArray(columns) || columns.length === 0)
    throw new ValidationError('need at least one return series', { field: 'returns' });
  const t = columns[0].length;
  for (let i = 1; i < columns.length; i++) {
    if (columns[i].length !== t) {
      throw new ValidationError(`returns[${i}] has ${columns[i].length} values, returns[0] has ${t}`, {
        field: `returns[${i}]`,
        hint: 'align the histories to the same dates first',
      });
    }
  }
  if (t < 2) throw new ValidationError(`need at least 2 returns per series, got ${t}`, { field: 'returns' });
  columns.forEach((c, i) => {
    checkFinite(c, `returns[${i}]`);
  });
  return t;
}

/** A covariance matrix given to a helper: square, finite and symmetric. */
export function checkCovariance(cov: SymmetricMatrix, field = 'covariance'): void {
  const n = cov?.size;
  if (!(Number.isInteger(n) && n >= 1) || !(cov.values?.length === n * n)) {
    throw new ValidationError(`${field} must be a square matrix with size x size values`, { field });
  }
  checkFinite(cov.values, `${field}.values`);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = cov.values[i * n + j];
      const b = cov.values[j * n + i];
      if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a), Math.abs(b))) {
        throw new ValidationError(
          `${field} is not symmetric: (${i}, ${j}) is ${a} but (${j}, ${i}) is ${b}`,
          {
            field,
          },
        );
      }
    }
  }
}

function columnMeans(columns: readonly ArrayLike<number>[], t: number): Float64Array {
  const means = new Float64Array(columns.length);
  for (let i = 0; i < columns.length; i++) {
    let s = 0;
    const c = columns[i];
    for (let k = 0; k < t; k++) s += c[k];
    means[i] = s / t;
  }
  return means;
}

/** Sample covariance matrix (divisor T - 1). */
export function covarianceMatrix(columns: readonly ArrayLike<number>[]): SymmetricMatrix {
  const t = checkColumns(columns);
  const n = columns.length;
  const means = columnMeans(columns, t);
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = columns[i];
    const mi = means[i];
    for (let j = i; j < n; j++) {
      const cj = columns[j];
      const mj = means[j];
      let s = 0;
      for (let k = 0; k < t; k++) s += (ci[k] - mi) * (cj[k] - mj);
      s /= t - 1;
      values[i * n + j] = s;
      values[j * n + i] = s;
    }
  }
  return { size: n, values };
}

/** Correlation matrix from a covariance matrix (a zero-variance asset gets correlation 0 with others). */
export function correlationFromCovariance(cov: SymmetricMatrix): SymmetricMatrix {
  const n = cov.size;
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = Math.sqrt(cov.values[i * n + i] * cov.values[j * n + j]);
      // Clipped to [-1, 1] (as numpy's corrcoef does): rounding can put a near-perfect correlation a hair outside.
      values[i * n + j] = i === j ? 1 : d > 0 ? Math.min(1, Math.max(-1, cov.values[i * n + j] / d)) : 0;
    }
  }
  return { size: n, values };
}

/**
 * Correlation matrix of return columns. A column with zero variance (a constant) has no defined
 * correlation: its off-diagonal entries are 0 by convention (its diagonal stays 1).
 */
export function correlationMatrix(columns: readonly ArrayLike<number>[]): SymmetricMatrix {
  return correlationFromCovariance(covarianceMatrix(columns));
}

export interface ShrunkCovariance {
  matrix: SymmetricMatrix;
  /** Weight on the target, in [0, 1]. */
  shrinkage: number;
  /** The target's common variance: trace(S) / N. */
  targetVariance: number;
}

/**
 * Ledoit-Wolf (2004, "A well-conditioned estimator for large-dimensional covariance matrices") shrinkage
 * towards the SCALED IDENTITY mu*I, mu = trace(S)/N, where S = X'X/T is the maximum-likelihood covariance
 * of the demeaned returns X (T x N):
 *   d^2 = ||S - mu I||_F^2 / N
 *   b^2 = min(d^2, (1 / (N T^2)) * sum_k ||x_k x_k' - S||_F^2)     (x_k = the k-th demeaned return vector)
 *   shrinkage = b^2 / d^2,   Sigma = shrinkage * mu I + (1 - shrinkage) * S
 * (the same estimator as scikit-learn's `ledoit_wolf`). Use it when there are few observations per asset.
 */
export function ledoitWolfCovariance(columns: readonly ArrayLike<number>[]): ShrunkCovariance {
  const t = checkColumns(columns);
  const n = columns.length;
  const means = columnMeans(columns, t);
  const x = columns.map((c, i) => {
    const d = new Float64Array(t);
    for (let k = 0; k < t; k++) d[k] = c[k] - means[i];
    return d;
  });
  const s = new Float64Array(n * n);
  // sum_ij (X^2' X^2)_ij, needed for the variance of the sample covariance entries.
  let fourth = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let cross = 0;
      let sq = 0;
      const xi = x[i];
      const xj = x[j];
      for (let k = 0; k < t; k++) {
        const p = xi[k] * xj[k];
        cross += p;
        sq += p * p;
      }
      cross /= t;
      s[i * n + j] = cross;
      s[j * n + i] = cross;
      fourth += i === j ? sq : 2 * sq;
    }
  }
  let trace = 0;
  let frob = 0;
  for (let i = 0; i < n; i++) trace += s[i * n + i];
  for (let i = 0; i < n * n; i++) frob += s[i] * s[i];
  const mu = trace / n;
  const d2 = (frob - 2 * mu * trace + n * mu * mu) / n;
  const bBar2 = (fourth / t - frob) / (n * t);
  const b2 = Math.min(bBar2, d2);
  const shrinkage = d2 > 0 ? Math.max(0, b2 / d2) : 0;
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++)
      values[i * n + j] = (1 - shrinkage) * s[i * n + j] + (i === j ? shrinkage * mu : 0);
  }
  return { matrix: { size: n, values }, shrinkage, targetVariance: mu };
}

export interface RiskContribution {
  index: number;
  /** Euler contribution to portfolio standard deviation: w_i (Sigma w)_i / sigma_p (they sum to sigma_p). */
  contribution: number;
  /** contribution / sigma_p (they sum to 1). */
  share: number;
}

/**
 * Euler risk contributions of positions with exposures `weights` (currency or fractions) under covariance
 * `cov`. Negative contributions are hedges.
 */
export function riskContributions(
  weights: ArrayLike<number>,
  cov: SymmetricMatrix,
): { volatility: number; contributions: RiskContribution[] } {
  checkCovariance(cov);
  const n = cov.size;
  if (weights?.length !== n) {
    throw new ValidationError(`weights has ${weights?.length} values but the covariance is ${n}x${n}`, {
      field: 'weights',
      hint: 'give one weight (or exposure) per asset, in the covariance order',
    });
  }
  checkFinite(weights, 'weights');
  const marginal = new Float64Array(n);
  let variance = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += cov.values[i * n + j] * weights[j];
    marginal[i] = s;
    variance += weights[i] * s;
  }
  const volatility = Math.sqrt(Math.max(variance, 0));
  const contributions: RiskContribution[] = [];
  for (let i = 0; i < n; i++) {
    const contribution = volatility > 0 ? (weights[i] * marginal[i]) / volatility : 0;
    contributions.push({ index: i, contribution, share: volatility > 0 ? contribution / volatility : 0 });
  }
  return { volatility, contributions };
}

/**
 * OLS beta of `returns` on `benchmark` (aligned, same length): cov / var. Refused (one-line
 * ValidationError) for non-finite values, fewer than two observations or a constant benchmark, where
 * beta is not defined.
 */
export function beta(returns: ArrayLike<number>, benchmark: ArrayLike<number>): number {
  if (returns?.length !== benchmark?.length) {
    throw new ValidationError(`beta: ${returns?.length} returns vs ${benchmark?.length} benchmark returns`, {
      field: 'benchmark',
      hint: 'align the series to the same dates first',
    });
  }
  if (returns.length < 2) {
    throw new ValidationError(`beta needs at least 2 observations, got ${returns.length}`, {
      field: 'returns',
      hint: 'supply a longer aligned history',
    });
  }
  checkFinite(returns, 'returns');
  checkFinite(benchmark, 'benchmark');
  const v = sampleVariance(benchmark);
  if (!(v > 0)) {
    throw new ValidationError('beta is undefined: the benchmark returns are constant (zero variance)', {
      field: 'benchmark',
      hint: 'use a benchmark that moves over the period',
    });
  }
  return sampleCovariance(returns, benchmark) / v;
}

/** Beta, or NaN where it is not defined (too short, constant benchmark): for reports that carry on without it. */
export function betaOrNaN(returns: ArrayLike<number>, benchmark: ArrayLike<number>): number {
  if (returns.length !== benchmark.length || returns.length < 2) return Number.NaN;
  const v = sampleVariance(benchmark);
  const b = v > 0 ? sampleCovariance(returns, benchmark) / v : Number.NaN;
  return Number.isFinite(b) ? b : Number.NaN;
}
