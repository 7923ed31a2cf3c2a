import { describe, expect, it } from 'vitest';
import { BarSeries } from '../../src/core/bars.js';
import { NeuralTraderError } from '../../src/core/errors.js';
import { setLogSink } from '../../src/core/log.js';
import { Portfolio } from '../../src/portfolio/portfolio.js';
import {
  calculateCVaR,
  calculateVaR,
  calculateVar,
  covarianceMatrix,
  inverseNormalCdf,
  standardNormalPdf as normalPdf,
  type RiskPortfolio,
  tailCount,
  VarMethod,
} from '../../src/risk/index.js';
import { closesFromReturns, correlatedCloses } from './helpers.js';

const [a, b, c] = correlatedCloses(501, [0.01, 0.015, 0.02], 0.4, 11);
const threeAssets: RiskPortfolio = {
  positions: [
    { symbol: 'A', quantity: 100 },
    { symbol: 'B', quantity: -50 },
    { symbol: 'C', quantity: 80 },
  ],
  prices: { A: a, B: b, C: c },
  cash: 5000,
};

function exposuresOf(p: RiskPortfolio): number[] {
  const prices = p.prices as Record<string, Float64Array>;
  return (p.positions as { symbol: string; quantity: number }[]).map(
    (pos) => pos.quantity * prices[pos.symbol].at(-1)!,
  );
}

function returnsOf(closes: Float64Array): number[] {
  const r: number[] = [];
  for (let i = 1; i < closes.length; i++) r.push(closes[i] / closes[i - 1] - 1);
  return r;
}

describe('quantile convention', () => {
  it('k = max(1, floor(n (1 - c))) with a guard against representation error', () => {
    expect(tailCount(100, 0.95)).toBe(5);
    expect(tailCount(250, 0.95)).toBe(12);
    expect(tailCount(250, 0.99)).toBe(2);
    expect(tailCount(40, 0.99)).toBe(1);
    expect(tailCount(1000, 0.975)).toBe(25);
  });
});

describe('historical VaR', () => {
  const returns = [
    0.01, -0.02, 0.005, -0.035, 0.012, 0.003, -0.007, 0.021, -0.015, 0.0, 0.004, -0.011, 0.009, 0.017, -0.026,
    0.002, 0.006, -0.004, 0.013, -0.009, 0.008, 0.001, -0.003, 0.011, -0.041, 0.007, 0.002, -0.012, 0.015,
    0.003, -0.006, 0.009, 0.004, -0.018, 0.01, 0.005, -0.001, 0.006, -0.008, 0.012,
  ];
  const closes = closesFromReturns(returns);
  const portfolio: RiskPortfolio = { positions: { X: 10 }, prices: { X: closes } };
  const exposure = 10 * closes[closes.length - 1];

  it('equals the hand-computed empirical quantile', () => {
    // n = 40, c = 0.95: k = 2. Sorted returns start -0.041, -0.035, -0.026: VaR = -(-0.035) x exposure.
    const result = calculateVaR(portfolio, 0.95, 'historical');
    expect(result.var).toBeCloseTo(0.035 * exposure, 9);
    expect(result.cvar).toBeCloseTo(((0.041 + 0.035) / 2) * exposure, 9);
    expect(result.varFraction).toBeCloseTo(0.035, 12);
    expect(result.scenarios).toBe(40);
    // c = 0.9: k = 4 -> the 4th worst return, -0.02; CVaR = mean of the 4 worst.
    const r90 = calculateVaR(portfolio, 0.9, VarMethod.Historical);
    expect(r90.var).toBeCloseTo(0.02 * exposure, 9);
    expect(r90.cvar).toBeCloseTo(((0.041 + 0.035 + 0.026 + 0.02) / 4) * exposure, 9);
  });

  it('compounds overlapping windows for a multi-day horizon', () => {
    const two: number[] = [];
    for (let i = 0; i + 1 < returns.length; i++) two.push((1 + returns[i]) * (1 + returns[i + 1]) - 1);
    two.sort((x, y) => x - y);
    const k = Math.floor(39 * 0.05); // 1
    const result = calculateVaR(portfolio, 0.95, 'historical', { horizonDays: 2 });
    expect(result.scenarios).toBe(39);
    expect(result.var).toBeCloseTo(-two[k - 1] * exposure, 9);
  });

  it('multi-asset P&L is the exposure-weighted sum of returns; contributions sum to VaR and CVaR', () => {
    const w = exposuresOf(threeAssets);
    const rs = [a, b, c].map(returnsOf);
    const pnl = rs[0]
      .map((_, t) => w[0] * rs[0][t] + w[1] * rs[1][t] + w[2] * rs[2][t])
      .sort((x, y) => x - y);
    const k = Math.floor(500 * 0.01);
    const result = calculateVaR(threeAssets, 0.99, 'historical');
    expect(result.var).toBeCloseTo(-pnl[k - 1], 8);
    expect(result.cvar).toBeCloseTo(-pnl.slice(0, k).reduce((s, x) => s + x, 0) / k, 8);
    const value = 5000 + w.reduce((s, x) => s + x, 0);
    expect(result.portfolioValue).toBeCloseTo(value, 8);
    expect(result.contributions.reduce((s, x) => s + x.var, 0)).toBeCloseTo(result.var, 6);
    expect(result.contributions.reduce((s, x) => s + x.cvar, 0)).toBeCloseTo(result.cvar, 6);
  });
});

describe('parametric VaR', () => {
  it('equals z sigma V sqrt(h) with the sample covariance, and the normal ES closed form', () => {
    const w = exposuresOf(threeAssets);
    const cov = covarianceMatrix([a, b, c].map((x) => Float64Array.from(returnsOf(x))));
    let variance = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) variance += w[i] * w[j] * cov.values[i * 3 + j];
    const sigma = Math.sqrt(variance);
    for (const [confidence, h] of [
      [0.95, 1],
      [0.99, 10],
      [0.9, 5],
    ]) {
      const z = inverseNormalCdf(confidence);
      const result = calculateVaR(threeAssets, confidence, 'parametric', { horizonDays: h });
      expect(result.var).toBeCloseTo(z * sigma * Math.sqrt(h), 8);
      expect(result.cvar).toBeCloseTo((sigma * Math.sqrt(h) * normalPdf(z)) / (1 - confidence), 8);
      expect(result.contributions.reduce((s, x) => s + x.var, 0)).toBeCloseTo(result.var, 8);
    }
  });

  it('single asset: z x daily sd x position value', () => {
    const closes = a;
    const r = returnsOf(closes);
    const mean = r.reduce((s, x) => s + x, 0) / r.length;
    const sd = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / (r.length - 1));
    const value = 100 * closes[closes.length - 1];
    const result = calculateVar({ positions: { A: 100 }, prices: { A: closes } }, 0.95, VarMethod.Parametric);
    expect(result.var).toBeCloseTo(1.6448536269514722 * sd * value, 8);
    const adjusted = calculateVaR({ positions: { A: 100 }, prices: { A: closes } }, 0.95, 'parametric', {
      meanAdjusted: true,
    });
    expect(adjusted.var).toBeCloseTo((1.6448536269514722 * sd - mean) * value, 8);
  });
});

describe('Cornish-Fisher', () => {
  it('equals parametric when skewness = excess kurtosis = 0', () => {
    const p = calculateVaR(threeAssets, 0.99, 'parametric');
    const cf = calculateVaR(threeAssets, 0.99, 'cornish-fisher', {
      moments: { skewness: 0, excessKurtosis: 0 },
    });
    expect(cf.var).toBeCloseTo(p.var, 10);
    expect(cf.cvar).toBeCloseTo(p.cvar, 10);
  });

  it('fat left tails raise VaR; uses the history moments by default', () => {
    const p = calculateVaR(threeAssets, 0.99, 'parametric');
    const fat = calculateVaR(threeAssets, 0.99, 'cornish-fisher', {
      moments: { skewness: -0.5, excessKurtosis: 3 },
    });
    expect(fat.var).toBeGreaterThan(p.var);
    expect(fat.cvar).toBeGreaterThan(fat.var);
    expect(fat.warnings).toEqual([]);
    // Extreme skewness folds the expansion over: the result says so.
    const folded = calculateVaR(threeAssets, 0.99, 'cornish-fisher', {
      moments: { skewness: -3, excessKurtosis: 0 },
    });
    expect(folded.warnings.join(' ')).toMatch(/Cornish-Fisher expansion is not monotone/);
    const auto = calculateVaR(threeAssets, 0.99, 'cornish-fisher');
    expect(Number.isFinite(auto.skewness)).toBe(true);
    expect(Number.isFinite(auto.excessKurtosis)).toBe(true);
  });
});

describe('Monte Carlo VaR', () => {
  it('normal returns converge to the parametric value within 2% with 200k simulations', () => {
    const p = calculateVaR(threeAssets, 0.99, 'parametric');
    const mc = calculateVaR(threeAssets, 0.99, 'monte-carlo', { simulations: 200_000, seed: 1 });
    expect(Math.abs(mc.var / p.var - 1)).toBeLessThan(0.02);
    expect(Math.abs(mc.cvar / p.cvar - 1)).toBeLessThan(0.02);
    expect(mc.contributions.reduce((s, x) => s + x.var, 0)).toBeCloseTo(mc.var, 6);
    expect(mc.contributions.reduce((s, x) => s + x.cvar, 0)).toBeCloseTo(mc.cvar, 6);
    // Euler contributions agree with the parametric ones (same model) to within sampling error.
    for (let i = 0; i < 3; i++) expect(mc.contributions[i].cvar / p.contributions[i].cvar).toBeCloseTo(1, 1);
  });

  it('is reproducible from the seed and scales with sqrt(horizon)', () => {
    const one = calculateVaR(threeAssets, 0.95, 'monte-carlo', { simulations: 20_000, seed: 42 });
    const again = calculateVaR(threeAssets, 0.95, 'monte-carlo', { simulations: 20_000, seed: 42 });
    const other = calculateVaR(threeAssets, 0.95, 'monte-carlo', { simulations: 20_000, seed: 43 });
    expect(again.var).toBe(one.var);
    expect(again.contributions).toEqual(one.contributions);
    expect(other.var).not.toBe(one.var);
    const ten = calculateVaR(threeAssets, 0.95, 'monte-carlo', {
      simulations: 20_000,
      seed: 42,
      horizonDays: 10,
    });
    expect(ten.var / one.var).toBeCloseTo(Math.sqrt(10), 10);
  });

  it('Student-t (scaled to the sample covariance) has the t quantile: 99% VaR ~ 2.606 sigma at df = 5', () => {
    const p = calculateVaR(threeAssets, 0.99, 'parametric');
    const sigma = p.var / inverseNormalCdf(0.99);
    const t = calculateVaR(threeAssets, 0.99, 'monte-carlo', {
      simulations: 200_000,
      distribution: 'student-t',
      degreesOfFreedom: 5,
    });
    // t_5 quantile 3.36493 x sqrt(3/5) = 2.60648 standard deviations.
    expect(Math.abs(t.var / (2.60648 * sigma) - 1)).toBeLessThan(0.03);
    expect(t.distribution).toBe('student-t');
  });

  it('bootstrap of historical return vectors approaches historical VaR', () => {
    const h = calculateVaR(threeAssets, 0.95, 'historical');
    const boot = calculateVaR(threeAssets, 0.95, 'monte-carlo', {
      simulations: 100_000,
      distribution: 'bootstrap',
    });
    expect(Math.abs(boot.var / h.var - 1)).toBeLessThan(0.05);
    expect(boot.contributions.reduce((s, x) => s + x.cvar, 0)).toBeCloseTo(boot.cvar, 6);
  });
});

describe('inputs', () => {
  it('accepts the shared Portfolio class (its cash included) and BarSeries aligned by date', () => {
    const day = 86_400_000;
    const t1 = Float64Array.from({ length: 60 }, (_, i) => i * day);
    // B has one extra bar (day 30.5) that A lacks: alignment keeps the 60 common dates.
    const t2 = Float64Array.from({ length: 61 }, (_, i) => (i <= 30 ? i : i === 31 ? 30.5 : i - 1) * day);
    const s1 = BarSeries.fromCloses('A', '1Day', t1, a.slice(0, 60));
    const s2 = BarSeries.fromCloses('B', '1Day', t2, Float64Array.from(b.slice(0, 61)));
    const book = new Portfolio(100_000);
    book.addPosition('A', 100, 100);
    book.addPosition('B', 50, 100);
    const result = calculateVaR({ positions: book, prices: { A: s1, B: s2 } }, 0.95, 'historical');
    expect(result.observations).toBe(59);
    expect(result.portfolioValue).toBeCloseTo(book.cash + 100 * a[59] + 50 * s2.close[60], 6);
  });

  it('names bad input clearly', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(NeuralTraderError);
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(err(() => calculateVaR(threeAssets, 1.2, 'historical'))).toMatch(
      /confidence must be between 0 and 1.*got 1.2/,
    );
    expect(err(() => calculateVaR(threeAssets, 0, 'parametric'))).toMatch(/confidence/);
    expect(err(() => calculateVaR({ positions: { A: 1 }, prices: { A: a.slice(0, 13) } }, 0.95))).toBe(
      'need at least 30 returns, got 12',
    );
    expect(err(() => calculateVaR({ positions: { A: 1, Z: 2 }, prices: { A: a, B: b } }, 0.95))).toMatch(
      /no price history for position Z/,
    );
    const withNaN = Float64Array.from(a);
    withNaN[17] = Number.NaN;
    expect(err(() => calculateVaR({ positions: { A: 1 }, prices: { A: withNaN } }, 0.95))).toMatch(
      /prices\.A\[17\] is NaN/,
    );
    expect(
      err(() => calculateVaR({ positions: { A: 1, B: 1 }, prices: { A: a, B: b.slice(0, 100) } }, 0.95)),
    ).toMatch(/aligned/);
    expect(err(() => calculateVaR(threeAssets, 0.95, 'garch' as VarMethod))).toMatch(/unknown VaR method/);
    expect(
      err(() =>
        calculateVaR(threeAssets, 0.95, 'monte-carlo', { distribution: 'student-t', degreesOfFreedom: 2 }),
      ),
    ).toMatch(/> 2/);
  });

  it('repairs a covariance that is not positive definite, with a warning returned (not logged: the faces print it)', () => {
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    try {
      // B duplicated as B2: the covariance is singular.
      const dup: RiskPortfolio = {
        positions: { A: 10, B: 5, B2: 5 },
        prices: { A: a, B: b, B2: Float64Array.from(b) },
      };
      const result = calculateVaR(dup, 0.95, 'monte-carlo', { simulations: 5000 });
      expect(result.warnings.join(' ')).toMatch(/not positive definite/);
      expect(lines).toEqual([]);
      expect(Number.isFinite(result.var)).toBe(true);
      const p = calculateCVaR(dup, 0.95, 'parametric');
      expect(p.warnings.length).toBe(1);
    } finally {
      setLogSink((line) => process.stderr.write(`${line}\n`));
    }
  });
});

describe('Monte Carlo contributions: kept pilot tail vs replay', () => {
  it('give identical results', async () => {
    const { monteCarloScenarios } = await import('../../src/risk/simulation.js');
    const { preparePortfolio, portfolioCovariance } = await import('../../src/risk/index.js');
    // 60 assets so a block of scenarios (65,536 / 60) is large enough for the pilot quantile.
    const closes = correlatedCloses(
      300,
      Array.from({ length: 60 }, (_, i) => 0.01 + (i % 7) * 0.002),
      0.3,
      5,
    );
    const prepared = preparePortfolio({
      positions: closes.map((_, i) => ({ symbol: `S${i}`, quantity: 10 + i })),
      prices: Object.fromEntries(closes.map((c, i) => [`S${i}`, c])),
    });
    const { choleskyFactor } = portfolioCovariance(prepared);
    for (const distribution of ['normal', 'student-t'] as const) {
      const spec = {
        simulations: 20_000,
        seed: 3,
        horizonDays: 1,
        distribution,
        degreesOfFreedom: 4,
        choleskyFactor,
        meanReturns: new Float64Array(60),
      };
      const single = monteCarloScenarios(prepared, 0.99, spec, true);
      const replay = monteCarloScenarios(prepared, 0.99, { ...spec, singlePass: false }, true);
      expect(single.summary).toEqual(replay.summary);
      expect(single.contributions).toEqual(replay.contributions);
    }
  });
});
