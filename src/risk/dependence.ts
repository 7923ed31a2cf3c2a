import { ValidationError } from '../core/errors.js';
import type { SymmetricMatrix } from './matrix.js';
import { sampleCovariance, sampleVariance } from './stats.js';

/**
 * Dependence between assets: sample covariance and correlation, Ledoit-Wolf shrinkage, Euler risk
 * contributions and beta. Return histories are passed as one Float64Array column per asset, all of the
 * same length (aligned dates).
 */

function checkColumns(columns: readonly Float64Array[]): number {
  if (columns.length === 0)
    throw new ValidationError('need at least one return series', { field: 'returns' });
  const t = columns[0].length;
  for (let i = 1; i < columns.length; i++) {
    if (columns[i].length !== t) {
      throw new ValidationError(`return series ${i} has ${columns[i].length} values, series 0 has ${t}`, {
        field: 'returns',
        hint: 'align the histories to the same dates first',
      });
    }
  }
  if (t < 2) throw new ValidationError(`need at least 2 returns per series, got ${t}`, { field: 'returns' });
  return t;
}

function columnMeans(columns: readonly Float64Array[], t: number): Float64Array {
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
export function covarianceMatrix(columns: readonly Float64Array[]): SymmetricMatrix {
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
      values[i * n + j] = i === j ? 1 : d > 0 ? cov.values[i * n + j] / d : 0;
    }
  }
  return { size: n, values };
}

export function correlationMatrix(columns: readonly Float64Array[]): SymmetricMatrix {
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
export function ledoitWolfCovariance(columns: readonly Float64Array[]): ShrunkCovariance {
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
  const n = cov.size;
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

/** OLS beta of `returns` on `benchmark` (aligned, same length): cov / var. */
export function beta(returns: ArrayLike<number>, benchmark: ArrayLike<number>): number {
  if (returns.length !== benchmark.length) {
    throw new ValidationError(`beta: ${returns.length} returns vs ${benchmark.length} benchmark returns`, {
      field: 'benchmark',
      hint: 'align the series to the same dates first',
    });
  }
  const v = sampleVariance(benchmark);
  return v > 0 ? sampleCovariance(returns, benchmark) / v : Number.NaN;
}
