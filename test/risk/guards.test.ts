import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  calculateBeta,
  calculateVaR,
  correlationMatrix,
  covarianceMatrix,
  historicalStressTests,
  hypotheticalStressTests,
  kellyCriterionContinuous,
  kellyCriterionMultiAsset,
  ledoitWolfCovariance,
  preparePortfolio,
  riskContributions,
  type VarOptions,
} from '../../src/risk/index.js';
import { closesFromReturns, correlatedCloses } from './helpers.js';

/** The error a call throws: a one-line ValidationError naming a field, like the portfolio path's. */
function refusal(call: () => unknown): ValidationError {
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  const e = error as ValidationError;
  expect(e.message).not.toContain('\n');
  expect(e.field).toBeTruthy();
  return e;
}

const returnsOf = (closes: Float64Array) =>
  Float64Array.from(closes.subarray(1), (c, i) => c / closes[i] - 1);
const [a, b, c] = correlatedCloses(120, [0.01, 0.02, 0.015], 0.4).map(returnsOf);

describe('public risk helpers refuse bad input in one line', () => {
  it('covariance, correlation and Ledoit-Wolf: NaN, Infinity, unaligned or too short', () => {
    const bad = Float64Array.from(b);
    bad[7] = Number.NaN;
    expect(refusal(() => correlationMatrix([a, bad])).message).toBe(
      'returns[1][7] is NaN; returns[1] must be finite numbers',
    );
    expect(refusal(() => covarianceMatrix([a, bad])).field).toBe('returns[1]');
    const shrink = refusal(() => ledoitWolfCovariance([bad, a]));
    expect(shrink.message).toMatch(/^returns\[0\]\[7\] is NaN/);
    const inf = Float64Array.from(a);
    inf[0] = Number.POSITIVE_INFINITY;
    expect(refusal(() => covarianceMatrix([inf])).message).toMatch(/returns\[0\]\[0\] is Infinity/);
    expect(refusal(() => correlationMatrix([a, b.subarray(1)])).message).toMatch(
      /returns\[1\] has 118 values/,
    );
    expect(refusal(() => correlationMatrix([a.subarray(0, 1)])).message).toMatch(/at least 2 returns/);
    expect(refusal(() => correlationMatrix([])).field).toBe('returns');
    // Plain arrays are accepted like Float64Arrays.
    expect(correlationMatrix([Array.from(a), Array.from(b)]).values[1]).toBeCloseTo(
      correlationMatrix([a, b]).values[1],
      15,
    );
  });

  it('beta: NaN, one observation, a constant benchmark, unaligned', () => {
    expect(refusal(() => calculateBeta([0.01, Number.NaN, 0.02], [0.01, 0.02, 0.03])).message).toBe(
      'returns[1] is NaN; returns must be finite numbers',
    );
    expect(refusal(() => calculateBeta([0.01], [0.02])).message).toBe(
      'beta needs at least 2 observations, got 1',
    );
    expect(refusal(() => calculateBeta([0.01, 0.02, -0.01], [0.005, 0.005, 0.005])).message).toBe(
      'beta is undefined: the benchmark returns are constant (zero variance)',
    );
    expect(refusal(() => calculateBeta([0.01, 0.02], [0.01])).field).toBe('benchmark');
    expect(calculateBeta(a, a)).toBeCloseTo(1, 14);
  });

  it('risk contributions: NaN or short weights, NaN or asymmetric covariance', () => {
    const cov = covarianceMatrix([a, b, c]);
    expect(refusal(() => riskContributions([1, Number.NaN, 1], cov)).message).toBe(
      'weights[1] is NaN; weights must be finite numbers',
    );
    expect(refusal(() => riskContributions([1, 1], cov)).message).toBe(
      'weights has 2 values but the covariance is 3x3',
    );
    const nan = { size: 3, values: Float64Array.from(cov.values) };
    nan.values[4] = Number.NaN;
    expect(refusal(() => riskContributions([1, 1, 1], nan)).message).toMatch(
      /^covariance\.values\[4\] is NaN/,
    );
    const skew = { size: 3, values: Float64Array.from(cov.values) };
    skew.values[1] += 1e-3;
    expect(refusal(() => riskContributions([1, 1, 1], skew)).message).toMatch(/^covariance is not symmetric/);
  });

  it('Kelly: NaN means, rates and matrices, ragged rows', () => {
    const cov = covarianceMatrix([a, b]);
    expect(refusal(() => kellyCriterionMultiAsset([0.001, Number.NaN], cov)).message).toBe(
      'meanReturns[1] is NaN; meanReturns must be finite numbers',
    );
    expect(
      refusal(() => kellyCriterionMultiAsset([0.001, 0.001], cov, { riskFreeRate: Number.NaN })).field,
    ).toBe('riskFreeRate');
    expect(
      refusal(() =>
        kellyCriterionMultiAsset(
          [0.001, 0.001],
          [
            [1, 0],
            [0, Number.NaN],
          ],
        ),
      ).message,
    ).toMatch(/^covariance\.values\[3\] is NaN/);
    expect(refusal(() => kellyCriterionMultiAsset([0.001, 0.001], [[1, 0], [0]])).message).toMatch(
      /^covariance row 1 has 1 values, expected 2/,
    );
    expect(refusal(() => kellyCriterionContinuous(Number.NaN, 0.2)).field).toBe('meanReturn');
    expect(refusal(() => kellyCriterionContinuous(0.1, Number.NaN)).field).toBe('volatility');
    expect(refusal(() => kellyCriterionContinuous(0.1, 0.2, Number.NaN)).field).toBe('riskFreeRate');
    expect(kellyCriterionContinuous(0.1, 0.2, 0.02)).toBeCloseTo(2, 14);
  });

  const portfolio = {
    positions: { A: 100, B: -50 },
    prices: { A: closesFromReturns(Array.from(a)), B: closesFromReturns(Array.from(b)) },
    cash: 1000,
  };

  it('hypothetical stress options out of range', () => {
    const prepared = preparePortfolio(portfolio);
    expect(refusal(() => hypotheticalStressTests(prepared, { confidence: 1.5 })).field).toBe('confidence');
    expect(refusal(() => hypotheticalStressTests(prepared, { correlation: 1.5 })).message).toBe(
      'correlation must be a correlation in [0, 1], got 1.5',
    );
    expect(refusal(() => hypotheticalStressTests(prepared, { volatilityMultiplier: -1 })).field).toBe(
      'volatilityMultiplier',
    );
    expect(refusal(() => hypotheticalStressTests(prepared, { equityShock: -2 })).field).toBe('equityShock');
    expect(refusal(() => hypotheticalStressTests(prepared, { equityShock: Number.NaN })).field).toBe(
      'equityShock',
    );
  });

  it('unknown covariance, distribution and intraday strings do not fall back silently', () => {
    const options = (o: Record<string, unknown>) => o as VarOptions;
    expect(
      refusal(() => calculateVaR(portfolio, 0.95, 'parametric', options({ covariance: 'shrunk' }))).message,
    ).toBe('covariance must be one of sample, ledoit-wolf, got "shrunk"');
    expect(
      refusal(() => calculateVaR(portfolio, 0.95, 'monte-carlo', options({ distribution: 'cauchy' }))).field,
    ).toBe('distribution');
    expect(
      refusal(() => calculateVaR(portfolio, 0.95, 'historical', options({ intraday: 'daily' }))).field,
    ).toBe('intraday');
    expect(refusal(() => calculateVaR(portfolio, 0.95, 'historical', { minObservations: 0 })).field).toBe(
      'minObservations',
    );
  });

  it('stress on a book worth <= 0: P&L % is n/a (NaN) with the VaR path warning, never a flipped sign', async () => {
    // Net short with little cash: value = 1000 + 100 A - 5000 B < 0.
    const short = preparePortfolio({ ...portfolio, positions: { A: 10, B: -5000 }, cash: 100 });
    expect(short.value).toBeLessThan(0);
    const results = hypotheticalStressTests(short, { equityShock: -0.2 });
    for (const r of results) expect(r.pnlFraction).toBeNaN();
    // The shock still reports its currency P&L with the right sign: a -20% move makes the short book money.
    expect(results[0].pnl).toBeGreaterThan(0);
    const historical = await historicalStressTests(short, { loader: async () => undefined });
    expect(historical).toEqual([]);
    const healthy = hypotheticalStressTests(preparePortfolio(portfolio), { equityShock: -0.2 });
    expect(healthy[0].pnlFraction).toBeCloseTo(healthy[0].pnl / preparePortfolio(portfolio).value, 15);
  });

  it('property: finite columns give a symmetric correlation with unit diagonal in [-1, 1]; one NaN anywhere is named', () => {
    const column = (t: number) =>
      fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: t, maxLength: t });
    fc.assert(
      fc.property(
        fc
          .integer({ min: 3, max: 30 })
          .chain((t) =>
            fc.tuple(
              fc.array(column(t), { minLength: 1, maxLength: 5 }),
              fc.nat(),
              fc.nat(),
              fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
            ),
          ),
        ([columns, i, k, poison]) => {
          const cols = columns.map((col) => Float64Array.from(col));
          const n = cols.length;
          const corr = correlationMatrix(cols);
          for (let x = 0; x < n; x++) {
            expect(corr.values[x * n + x]).toBe(1);
            for (let y = 0; y < n; y++) {
              expect(corr.values[x * n + y]).toBe(corr.values[y * n + x]);
              expect(Math.abs(corr.values[x * n + y])).toBeLessThanOrEqual(1 + 1e-12);
            }
          }
          const shrunk = ledoitWolfCovariance(cols);
          expect(shrunk.shrinkage).toBeGreaterThanOrEqual(0);
          expect(shrunk.shrinkage).toBeLessThanOrEqual(1);
          const weights = cols.map((_, j) => j - 1.5);
          const split = riskContributions(weights, covarianceMatrix(cols));
          const sum = split.contributions.reduce((s, r) => s + r.contribution, 0);
          expect(sum).toBeCloseTo(split.volatility, 12);
          const row = i % n;
          const at = k % cols[0].length;
          cols[row][at] = poison;
          expect(() => covarianceMatrix(cols)).toThrow(`returns[${row}][${at}] is ${poison}`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
