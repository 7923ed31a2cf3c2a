import type { PreparedPortfolio } from './inputs.js';
import type { SymmetricMatrix } from './matrix.js';
import { NormalSampler } from './normal-sampler.js';
import { sampleChiSquare } from './sampling.js';
import { summarizeTail, TailContributions, type TailSummary } from './tail.js';

/**
 * Scenario engines for historical and Monte Carlo VaR. Each produces one portfolio P&L per scenario in a
 * tight loop (pass 1). Per-position contributions need the position P&L of the tail scenarios only: the
 * normal/t engine keeps the draws of scenarios below a generous pilot quantile during pass 1; otherwise
 * (or if the pilot proves too narrow) the same scenarios are replayed in the same order from the same seed
 * (pass 2). Either way memory stays O(scenarios + kept tail x assets), never O(scenarios x assets).
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
  /** Keep pilot-tail draws in pass 1 to avoid a replay for contributions (default true; false forces the replay). */
  singlePass?: boolean;
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
  // Keep the draws of scenarios in a generous pilot tail during pass 1, so contributions usually need no
  // second pass; fall back to replaying when the pilot was too narrow or the tail too wide to keep.
  const keepFraction = 2 * (1 - confidence + 0.005) + 0.02;
  const keep = withContributions && spec.singlePass !== false && keepFraction <= 0.3 ? keepFraction : 0;
  const kept = engine.run(new NormalSampler(spec.seed), pnl, null, keep);
  const summary = summarizeTail(pnl, confidence);
  if (!withContributions) return { pnl, summary };
  const acc = new TailContributions(summary, portfolio.symbols.length);
  if (kept && engine.expand && summary.windowHigh <= kept.threshold) engine.expand(kept, acc);
  else engine.run(new NormalSampler(spec.seed), pnl, acc, 0);
  return { pnl, summary, contributions: acc.result() };
}

/** Draws of the scenarios whose P&L fell at or below `threshold` in pass 1, in scenario order. */
interface KeptTail {
  threshold: number;
  count: number;
  values: Float64Array;
  scales: Float64Array;
  draws: Float64Array;
}

interface Engine {
  /**
   * Pass 1 (acc = null): fill `pnl`; with keepFraction > 0 also keep the draws of scenarios below a pilot
   * quantile at that probability (when the engine can). Pass 2: replay and feed tail scenarios to `acc`.
   */
  run(
    rng: NormalSampler,
    pnl: Float64Array,
    acc: TailContributions | null,
    keepFraction: number,
  ): KeptTail | null;
  /** Feed kept scenarios to `acc` instead of replaying. */
  expand?(kept: KeptTail, acc: TailContributions): void;
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
  const positionPnl = (z: Float64Array, offset: number, scale: number, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let lz = 0;
      for (let j = 0; j <= i; j++) lz += l[i * n + j] * z[offset + j];
      out[i] = w[i] * (spec.meanReturns[i] * h + scale * lz);
    }
  };
  return {
    run(rng, pnl, acc, keepFraction) {
      // Normals are drawn a block of scenarios at a time (one tight fill), then consumed scenario by scenario.
      const block = Math.max(1, Math.min(pnl.length, Math.floor(65_536 / Math.max(1, n))));
      const z = new Float64Array(block * n);
      const scales = new Float64Array(block);
      const assetPnl = new Float64Array(n);
      const count = pnl.length;
      // A pilot quantile needs a large enough first block.
      const keeping = acc === null && keepFraction > 0 && block >= 1000 && block < count;
      let kept: KeptTail | null = null;
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
            scales[b] = scale;
            continue;
          }
          if (!acc.wants(value)) continue;
          positionPnl(z, offset, scale, assetPnl);
          acc.add(value, assetPnl);
        }
        if (!keeping) continue;
        if (kept === null) {
          const pilot = Float64Array.from(pnl.subarray(0, size)).sort();
          const capacity = Math.ceil(count * keepFraction * 1.5) + 16;
          kept = {
            threshold: pilot[Math.min(size - 1, Math.floor(size * keepFraction))],
            count: 0,
            values: new Float64Array(capacity),
            scales: new Float64Array(capacity),
            draws: new Float64Array(capacity * n),
          };
        }
        for (let b = 0; b < size; b++) {
          const value = pnl[first + b];
          if (value > kept.threshold) continue;
          if (kept.count === kept.values.length) {
            // More than expected below the pilot: give up keeping; contributions will replay.
            kept.threshold = Number.NEGATIVE_INFINITY;
            break;
          }
          kept.values[kept.count] = value;
          kept.scales[kept.count] = scales[b];
          kept.draws.set(z.subarray(b * n, b * n + n), kept.count * n);
          kept.count++;
        }
      }
      return kept;
    },
    expand(kept, acc) {
      const assetPnl = new Float64Array(n);
      for (let k = 0; k < kept.count; k++) {
        const value = kept.values[k];
        if (!acc.wants(value)) continue;
        positionPnl(kept.draws, k * n, kept.scales[k], assetPnl);
        acc.add(value, assetPnl);
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
      // Bootstrap draws are cheap to replay (h indices per scenario), so nothing is kept.
      return null;
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
