import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import {
  calculateBeta,
  cholesky,
  correlationMatrix,
  covarianceMatrix,
  jacobiEigen,
  ledoitWolfCovariance,
  matrixFromRows,
  nearestPositiveDefinite,
  riskContributions,
  simulateCorrelatedReturns,
} from '../../src/risk/index.js';

describe('covariance and correlation', () => {
  it('sample covariance uses T - 1 and correlation has a unit diagonal', () => {
    const x = Float64Array.from([1, 2, 3, 4]);
    const y = Float64Array.from([2, 4, 6, 8.5]);
    const cov = covarianceMatrix([x, y]);
    expect(cov.values[0]).toBeCloseTo(5 / 3, 12);
    expect(cov.values[1]).toBeCloseTo((-1.5 * -3.125 + -0.5 * -1.125 + 0.5 * 0.875 + 1.5 * 3.375) / 3, 12);
    const corr = correlationMatrix([x, y]);
    expect(corr.values[0]).toBe(1);
    expect(corr.values[1]).toBeGreaterThan(0.99);
    expect(corr.values[1]).toBe(corr.values[2]);
  });
});

describe('Ledoit-Wolf shrinkage to the scaled identity', () => {
  it('hand-computed case: shrinkage 4/9, Sigma = diag(10/3, 5/3)', () => {
    // X = [[2,1],[-2,1],[2,-1],[-2,-1]]: S = diag(4, 1), mu = 2.5, d^2 = 2.25,
    // each x_k x_k' - S = [[0, +-2], [+-2, 0]] has squared norm 8, so b^2 = 4 * 8 / (2 * 16) = 1.
    const lw = ledoitWolfCovariance([Float64Array.from([2, -2, 2, -2]), Float64Array.from([1, 1, -1, -1])]);
    expect(lw.shrinkage).toBeCloseTo(4 / 9, 14);
    expect(lw.targetVariance).toBeCloseTo(2.5, 14);
    expect(lw.matrix.values[0]).toBeCloseTo(10 / 3, 12);
    expect(lw.matrix.values[3]).toBeCloseTo(5 / 3, 12);
    expect(lw.matrix.values[1]).toBeCloseTo(0, 14);
  });

  it('matches a direct evaluation of the formula on random data', () => {
    const rng = new Random(5);
    const t = 40;
    const n = 6;
    const cols = Array.from({ length: n }, (_, i) =>
      Float64Array.from({ length: t }, () => rng.normal() * (1 + i * 0.3)),
    );
    const lw = ledoitWolfCovariance(cols);
    const means = cols.map((c) => c.reduce((s, x) => s + x, 0) / t);
    const x = cols.map((c, i) => Array.from(c, (v) => v - means[i]));
    const s = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => x[i].reduce((acc, v, k) => acc + v * x[j][k], 0) / t),
    );
    const mu = s.reduce((acc, row, i) => acc + row[i], 0) / n;
    let d2 = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d2 += (s[i][j] - (i === j ? mu : 0)) ** 2;
    d2 /= n;
    let bBar = 0;
    for (let k = 0; k < t; k++)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) bBar += (x[i][k] * x[j][k] - s[i][j]) ** 2;
    bBar /= n * t * t;
    const expected = Math.min(bBar, d2) / d2;
    expect(lw.shrinkage).toBeCloseTo(expected, 12);
    expect(lw.shrinkage).toBeGreaterThan(0);
    expect(lw.shrinkage).toBeLessThan(1);
    expect(lw.matrix.values[1]).toBeCloseTo((1 - expected) * s[0][1], 12);
  });
});

describe('Cholesky and nearest positive definite', () => {
  const cov = matrixFromRows([
    [0.04, 0.006, -0.004],
    [0.006, 0.09, 0.018],
    [-0.004, 0.018, 0.0625],
  ]);

  it("L L' reproduces the matrix, and simulated L z reproduce the covariance within sampling error", () => {
    const l = cholesky(cov)!;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += l[i * 3 + k] * l[j * 3 + k];
        expect(s).toBeCloseTo(cov.values[i * 3 + j], 14);
      }
    }
    const draws = simulateCorrelatedReturns(cov, l, 100_000, 9);
    const sample = covarianceMatrix(draws);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        // Standard error of a sample covariance ~ sqrt((s_ii s_jj + s_ij^2) / n); allow 4 of them.
        const se = Math.sqrt((cov.values[i * 4] * cov.values[j * 4] + cov.values[i * 3 + j] ** 2) / 100_000);
        expect(Math.abs(sample.values[i * 3 + j] - cov.values[i * 3 + j])).toBeLessThan(4 * se);
      }
    }
  });

  it('Jacobi eigendecomposition: A v = lambda v', () => {
    const { values, vectors } = jacobiEigen(cov);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let j = 0; j < 3; j++) av += cov.values[i * 3 + j] * vectors[j * 3 + k];
        expect(av).toBeCloseTo(values[k] * vectors[i * 3 + k], 12);
      }
    }
    expect(values[0]).toBeLessThan(values[1]);
  });

  it('repairs an indefinite correlation matrix to a PD one with the same diagonal and a warning', () => {
    const bad = matrixFromRows([
      [1, 0.9, 0.9],
      [0.9, 1, -0.9],
      [0.9, -0.9, 1],
    ]);
    expect(cholesky(bad)).toBeNull();
    const fixed = nearestPositiveDefinite(bad);
    expect(fixed.repaired).toBe(true);
    expect(fixed.minEigenvalue).toBeLessThan(0);
    expect(fixed.warning).toMatch(/not positive definite/);
    expect(cholesky(fixed.matrix)).not.toBeNull();
    expect(jacobiEigen(fixed.matrix).values[0]).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect(fixed.matrix.values[i * 4]).toBeCloseTo(1, 12);
    const good = nearestPositiveDefinite(cov);
    expect(good.repaired).toBe(false);
    expect(good.warning).toBeUndefined();
  });
});

describe('risk contributions and beta', () => {
  it('Euler contributions sum to portfolio volatility', () => {
    const cov = matrixFromRows([
      [0.04, 0.01],
      [0.01, 0.09],
    ]);
    const { volatility, contributions } = riskContributions([0.6, 0.4], cov);
    const variance = 0.36 * 0.04 + 2 * 0.24 * 0.01 + 0.16 * 0.09;
    expect(volatility).toBeCloseTo(Math.sqrt(variance), 14);
    expect(contributions[0].contribution).toBeCloseTo((0.6 * (0.6 * 0.04 + 0.4 * 0.01)) / volatility, 14);
    expect(contributions[0].share + contributions[1].share).toBeCloseTo(1, 14);
  });

  it('beta of 2x the benchmark plus noise orthogonal to it is 2', () => {
    const bench = [0.01, -0.02, 0.015, -0.005, 0.0];
    const noise = [0.001, 0.001, 0.001, 0.001, -0.004];
    const r = bench.map((x, i) => 2 * x + noise[i] - 0.0);
    // noise is not exactly orthogonal to bench; compute the expected OLS slope directly.
    const mb = bench.reduce((s, x) => s + x, 0) / 5;
    const mr = r.reduce((s, x) => s + x, 0) / 5;
    const slope =
      bench.reduce((s, x, i) => s + (x - mb) * (r[i] - mr), 0) / bench.reduce((s, x) => s + (x - mb) ** 2, 0);
    expect(calculateBeta(r, bench)).toBeCloseTo(slope, 14);
    expect(
      calculateBeta(
        bench.map((x) => 3 * x),
        bench,
      ),
    ).toBeCloseTo(3, 14);
  });
});
