import type { PreparedPortfolio } from './inputs.js';
import type { SymmetricMatrix } from './matrix.js';
import { NormalSampler } from './normal-sampler.js';
import { sampleChiSquare } from './sampling.js';
import { summarizeTail, TailContributions, type TailSummary } from './tail.js';

/**
 * Scenario engines for historical and Monte Carlo VaR. Each produces one portfolio P&L per scenario in a
 * tight loop (pass 1); when per-position contributions are wanted, the same scenarios are replayed in the
 * same order (pass 2, same seed) and only the tail scenarios are expanded to per-position P&L. That keeps
 * memory at O(scenarios + assets) instead of O(scenarios x assets).
 */
export interface ScenarioOutcome {
  pnl: Float64Array;
  summary: TailSummary;
  contributions?: { var: Float64Array; cvar: Float64Array };
}

/**
 * Historical simulation. Horizon h > 1 uses OVERLAPPING h-day windows: each position's return over days
 * t..t+h-1 is compounded, prod(1 + r) - 1, giving T - h + 1 scenarios (no sqrt-time scaling).
 */
export function historicalScenarios(
  portfolio: PreparedPortfolio,
  confidence: number,
  horizonDays: number,
  withContributions: boolean,
): ScenarioOutcome {
  const { returns, exposures } = portfolio;
  const n = returns.length;
  const t = returns[0].length;
  const count = t - horizonDays + 1;
  const pnl = new Float64Array(count);
  const assetPnl = new Float64Array(n);
  const scenario = (start: number, out: Float64Array | null): number => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const r = returns[i];
      let growth = 1;
      for (let d = 0; d < horizonDays; d++) growth *= 1 + r[start + d];
      const p = exposures[i] * (growth - 1);
      if (out) out[i] = p;
      total += p;
    }
    return total;
  };
  if (horizonDays === 1) {
    // Column-wise accumulation: a streaming multiply-add per position.
    for (let i = 0; i < n; i++) {
      const r = returns[i];
      const w = exposures[i];
      for (let s = 0; s < count; s++) pnl[s] += w * r[s];
    }
  } else {
    for (let s = 0; s < count; s++) pnl[s] = scenario(s, null);
  }
  const summary = summarizeTail(pnl, confidence);
  if (!withContributions) return { pnl, summary };
  const acc = new TailContributions(summary, n);
  for (let s = 0; s < count; s++) {
    if (!acc.wants(pnl[s])) continue;
    scenario(s, assetPnl);
    acc.add(pnl[s], assetPnl);
  }
  return { pnl, summary, contributions: acc.result() };
}

export type MonteCarloDistribution = 'normal' | 'student-t' | 'bootstrap';

export interface MonteCarloSpec {
  simulations: number;
  seed: number;
  horizonDays: number;
  distribution: MonteCarloDistribution;
  /** Student-t degrees of freedom (> 2). */
  degreesOfFreedom: number;
  /** Lower Cholesky factor of the daily covariance of returns (normal and Student-t). */
  choleskyFactor?: Float64Array;
  /** Daily mean return per position (zeros when the mean is ignored). */
  meanReturns: Float64Array;
}

/**
 * Monte Carlo. Normal and Student-t: one-day returns r = mu + s * L z, z ~ N(0, I), scaled to the horizon by
 * the square-root-of-time rule (covariance x h, mean x h). For Student-t, s = sqrt((df - 2) / W) with
 * W ~ chi2(df), a multivariate t whose covariance equals the sample covariance. The portfolio P&L is
 * w . (L z) = (L' w) . z, an O(N) dot product per scenario, so the N x S matrix is never built.
 * Bootstrap: each scenario draws h historical days (whole return vectors, so cross-correlation is kept)
 * with replacement and compounds them per position.
 */
export function monteCarloScenarios(
  portfolio: PreparedPortfolio,
  confidence: number,
  spec: MonteCarloSpec,
  withContributions: boolean,
): ScenarioOutcome {
  const engine =
    spec.distribution === 'bootstrap' ? bootstrapEngine(portfolio, spec) : gaussianEngine(portfolio, spec);
  const pnl = new Float64Array(spec.simulations);
  engine.run(new NormalSampler(spec.seed), pnl, null);
  const summary = summarizeTail(pnl, confidence);
  if (!withContributions) return { pnl, summary };
  const acc = new TailContributions(summary, portfolio.symbols.length);
  engine.run(new NormalSampler(spec.seed), pnl, acc);
  return { pnl, summary, contributions: acc.result() };
}

interface Engine {
  /** Pass 1 (acc = null): fill `pnl`. Pass 2: replay and feed tail scenarios to `acc`. */
  run(rng: NormalSampler, pnl: Float64Array, acc: TailContributions | null): void;
}

function gaussianEngine(portfolio: PreparedPortfolio, spec: MonteCarloSpec): Engine {
  const n = portfolio.symbols.length;
  const w = portfolio.exposures;
  const l = spec.choleskyFactor as Float64Array;
  // a = L' w, so w . (L z) = a . z.
  const a = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = j; i < n; i++) s += l[i * n + j] * w[i];
    a[j] = s;
  }
  const h = spec.horizonDays;
  const sqrtH = Math.sqrt(h);
  let meanPnl = 0;
  for (let i = 0; i < n; i++) meanPnl += w[i] * spec.meanReturns[i] * h;
  const studentT = spec.distribution === 'student-t';
  const df = spec.degreesOfFreedom;
  return {
    run(rng, pnl, acc) {
      // Normals are drawn a block of scenarios at a time (one tight fill), then consumed scenario by scenario.
      const block = Math.max(1, Math.min(pnl.length, Math.floor(65_536 / Math.max(1, n))));
      const z = new Float64Array(block * n);
      const assetPnl = new Float64Array(n);
      const count = pnl.length;
      for (let first = 0; first < count; first += block) {
        const size = Math.min(block, count - first);
        rng.fill(size === block ? z : z.subarray(0, size * n));
        for (let b = 0; b < size; b++) {
          const offset = b * n;
          let dot = 0;
          for (let j = 0; j < n; j++) dot += a[j] * z[offset + j];
          const scale = studentT ? sqrtH * Math.sqrt((df - 2) / sampleChiSquare(rng, df)) : sqrtH;
          const value = meanPnl + scale * dot;
          if (acc === null) {
            pnl[first + b] = value;
            continue;
          }
          if (!acc.wants(value)) continue;
          for (let i = 0; i < n; i++) {
            let lz = 0;
            for (let j = 0; j <= i; j++) lz += l[i * n + j] * z[offset + j];
            assetPnl[i] = w[i] * (spec.meanReturns[i] * h + scale * lz);
          }
          acc.add(value, assetPnl);
        }
      }
    },
  };
}

function bootstrapEngine(portfolio: PreparedPortfolio, spec: MonteCarloSpec): Engine {
  const { returns, exposures } = portfolio;
  const n = returns.length;
  const t = returns[0].length;
  const h = spec.horizonDays;
  return {
    run(rng, pnl, acc) {
      const growth = new Float64Array(n);
      const assetPnl = new Float64Array(n);
      const days = new Int32Array(h);
      const count = pnl.length;
      for (let s = 0; s < count; s++) {
        for (let d = 0; d < h; d++) days[d] = rng.int(t);
        let value = 0;
        for (let i = 0; i < n; i++) {
          const r = returns[i];
          let g = 1;
          for (let d = 0; d < h; d++) g *= 1 + r[days[d]];
          growth[i] = g;
          value += exposures[i] * (g - 1);
        }
        if (acc === null) {
          pnl[s] = value;
          continue;
        }
        if (!acc.wants(value)) continue;
        for (let i = 0; i < n; i++) assetPnl[i] = exposures[i] * (growth[i] - 1);
        acc.add(value, assetPnl);
      }
    },
  };
}

/** Sample covariance of simulated one-day returns L z (for checking the Cholesky path). */
export function simulateCorrelatedReturns(
  cov: SymmetricMatrix,
  choleskyFactor: Float64Array,
  count: number,
  seed: number,
): Float64Array[] {
  const n = cov.size;
  const rng = new NormalSampler(seed);
  const out = Array.from({ length: n }, () => new Float64Array(count));
  const z = new Float64Array(n);
  for (let s = 0; s < count; s++) {
    for (let j = 0; j < n; j++) z[j] = rng.normal();
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j <= i; j++) v += choleskyFactor[i * n + j] * z[j];
      out[i][s] = v;
    }
  }
  return out;
}
