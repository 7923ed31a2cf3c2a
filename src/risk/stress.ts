import type { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import { inverseNormalCdf } from '../core/normal.js';
import { parseDate } from '../core/time.js';
import { betaOrNaN } from './dependence.js';
import { checkConfidence, type PreparedPortfolio } from './inputs.js';
import { bilinearForm, type SymmetricMatrix } from './matrix.js';
import { HISTORICAL_SCENARIOS, type HistoricalScenario } from './scenarios.js';
import { nonPositiveValueWarning, portfolioCovariance } from './var.js';

/** How a position's scenario return was obtained. */
export type ScenarioSource = 'own' | 'proxy';

export interface ScenarioPositionResult {
  symbol: string;
  exposure: number;
  /** Return applied to the position over the scenario. */
  return: number;
  pnl: number;
  source: ScenarioSource;
  /** Beta used when source = proxy. */
  beta?: number;
}

export interface StressResult {
  id: string;
  name: string;
  kind: 'historical' | 'hypothetical';
  /** Portfolio P&L in currency (negative = loss). */
  pnl: number;
  /** pnl / portfolio value (NaN when that value is at or below zero: a percent of it means nothing). */
  pnlFraction: number;
  description: string;
  /** Historical: the window and the proxy's return over it. */
  start?: string;
  end?: string;
  proxy?: string;
  proxyReturn?: number;
  positions?: ScenarioPositionResult[];
}

/** Loads a symbol's full daily history, or undefined when there is none. */
export type SeriesLoader = (symbol: string) => Promise<BarSeries | undefined>;

const COVERAGE_SLACK_MS = 7 * 86_400_000;

/** Close-to-close return of a series over [start, end] if its bars cover the window (within a week). */
export function windowReturn(series: BarSeries, start: number, end: number): number | undefined {
  const first = series.lowerBound(start);
  const last = series.upperBound(end) - 1;
  if (first >= series.length || last < 0 || last <= first) return undefined;
  if (
    series.timestamps[first] - start > COVERAGE_SLACK_MS ||
    end - series.timestamps[last] > COVERAGE_SLACK_MS
  )
    return undefined;
  return series.close[last] / series.close[first] - 1;
}

/**
 * Beta of each position to `proxy`, estimated on the dates the portfolio's history shares with the proxy
 * (needs at least `minObservations` common returns); undefined where that is not possible.
 */
export function betasToProxy(
  portfolio: PreparedPortfolio,
  proxy: BarSeries,
  minObservations = 30,
): (number | undefined)[] {
  const ts = portfolio.timestamps;
  if (!ts) return portfolio.symbols.map(() => undefined);
  const ownIdx: number[] = [];
  const proxyIdx: number[] = [];
  for (let i = 0; i < ts.length; i++) {
    const j = proxy.indexOf(ts[i]);
    if (j >= 0) {
      ownIdx.push(i);
      proxyIdx.push(j);
    }
  }
  if (ownIdx.length - 1 < minObservations) return portfolio.symbols.map(() => undefined);
  const proxyReturns = new Float64Array(ownIdx.length - 1);
  for (let k = 1; k < ownIdx.length; k++)
    proxyReturns[k - 1] = proxy.close[proxyIdx[k]] / proxy.close[proxyIdx[k - 1]] - 1;
  return portfolio.closes.map((closes) => {
    const r = new Float64Array(ownIdx.length - 1);
    for (let k = 1; k < ownIdx.length; k++) r[k - 1] = closes[ownIdx[k]] / closes[ownIdx[k - 1]] - 1;
    const b = betaOrNaN(r, proxyReturns);
    return Number.isFinite(b) ? b : undefined;
  });
}

export interface HistoricalStressOptions {
  loader: SeriesLoader;
  scenarios?: readonly HistoricalScenario[];
  /** Betas to use when one cannot be estimated against a scenario's proxy (e.g. betas to the portfolio's benchmark). Default 1. */
  fallbackBetas?: readonly (number | undefined)[];
}

/**
 * Replay historical scenarios on the current portfolio. Per position: its own return over the window if
 * its history covers it; otherwise beta x the proxy index's return, with beta estimated against that proxy
 * on the portfolio's history, else the fallback beta, else 1. Scenarios whose proxy has no data are skipped.
 */
export async function historicalStressTests(
  portfolio: PreparedPortfolio,
  options: HistoricalStressOptions,
): Promise<StressResult[]> {
  const scenarios = options.scenarios ?? HISTORICAL_SCENARIOS;
  stressValueWarning(portfolio);
  const cache = new Map<string, Promise<BarSeries | undefined>>();
  const load = (symbol: string) => {
    let p = cache.get(symbol);
    if (!p) {
      p = options.loader(symbol).catch(() => undefined);
      cache.set(symbol, p);
    }
    return p;
  };
  const ownSeries = await Promise.all(portfolio.symbols.map(load));
  const betaCache = new Map<string, (number | undefined)[]>();
  const results: StressResult[] = [];
  for (const scenario of scenarios) {
    const proxy = await load(scenario.proxy);
    if (!proxy) continue;
    const start = parseDate(scenario.start, 'scenario.start');
    const end = parseDate(scenario.end, 'scenario.end');
    const proxyReturn = windowReturn(proxy, start, end);
    if (proxyReturn === undefined) continue;
    let betas = betaCache.get(scenario.proxy);
    if (!betas) {
      betas = betasToProxy(portfolio, proxy);
      betaCache.set(scenario.proxy, betas);
    }
    const positions: ScenarioPositionResult[] = [];
    let pnl = 0;
    portfolio.symbols.forEach((symbol, i) => {
      const exposure = portfolio.exposures[i];
      const own = ownSeries[i] ? windowReturn(ownSeries[i] as BarSeries, start, end) : undefined;
      let row: ScenarioPositionResult;
      if (own !== undefined) row = { symbol, exposure, return: own, pnl: exposure * own, source: 'own' };
      else {
        const b = betas[i] ?? options.fallbackBetas?.[i] ?? 1;
        row = {
          symbol,
          exposure,
          return: b * proxyReturn,
          pnl: exposure * b * proxyReturn,
          source: 'proxy',
          beta: b,
        };
      }
      pnl += row.pnl;
      positions.push(row);
    });
    results.push({
      id: scenario.id,
      name: scenario.name,
      kind: 'historical',
      pnl,
      pnlFraction: pnlFractionOf(portfolio, pnl),
      description: scenario.description,
      start: scenario.start,
      end: scenario.end,
      proxy: scenario.proxy,
      proxyReturn,
      positions,
    });
  }
  return results;
}

export interface HypotheticalStressOptions {
  /** Uniform equity move (default -0.2). */
  equityShock?: number;
  /** Volatility multiplier for the stressed VaR (default 2). */
  volatilityMultiplier?: number;
  /** Correlation every pair is raised to (default 0.9). */
  correlation?: number;
  /** Confidence of the stressed VaRs (default 0.99). */
  confidence?: number;
}

/** One-day parametric loss: the covariance is per return, so a day is stepsPerDay returns. */
function parametricLoss(
  w: Float64Array,
  cov: SymmetricMatrix,
  confidence: number,
  stepsPerDay: number,
): number {
  return inverseNormalCdf(confidence) * Math.sqrt(Math.max(0, bilinearForm(cov, w, w)) * stepsPerDay);
}

/** P&L as a fraction of the book, or NaN (with the VaR path's one warning) when the book is worth <= 0. */
export function pnlFractionOf(portfolio: PreparedPortfolio, pnl: number): number {
  return portfolio.value > 0 ? pnl / portfolio.value : Number.NaN;
}

/** The warning for a book worth <= 0, or undefined. */
export function stressValueWarning(portfolio: PreparedPortfolio): string | undefined {
  if (portfolio.value > 0) return undefined;
  return nonPositiveValueWarning(portfolio.value);
}

function checkStressOptions(options: HypotheticalStressOptions): void {
  const check = (field: string, value: number | undefined, ok: (v: number) => boolean, expected: string) => {
    if (value !== undefined && !(Number.isFinite(value) && ok(value))) {
      throw new ValidationError(`${field} must be ${expected}, got ${value}`, { field });
    }
  };
  check(
    'equityShock',
    options.equityShock,
    (v) => v >= -1 && v <= 1,
    'a fractional move in [-1, 1] (-0.2 = -20%)',
  );
  check(
    'volatilityMultiplier',
    options.volatilityMultiplier,
    (v) => v > 0 && v <= 100,
    'a number in (0, 100]',
  );
  check('correlation', options.correlation, (v) => v >= 0 && v <= 1, 'a correlation in [0, 1]');
  if (options.confidence !== undefined) checkConfidence(options.confidence);
}

/**
 * Hypothetical shocks: every position moves by `equityShock`; one-day parametric VaR with volatilities
 * multiplied by `volatilityMultiplier`; and with every correlation set to `correlation` (volatilities kept).
 * The VaR scenarios report P&L = -VaR (the loss at the confidence level) and the unstressed VaR for scale.
 */
export function hypotheticalStressTests(
  portfolio: PreparedPortfolio,
  options: HypotheticalStressOptions = {},
): StressResult[] {
  checkStressOptions(options);
  const shock = options.equityShock ?? -0.2;
  const multiplier = options.volatilityMultiplier ?? 2;
  const rho = options.correlation ?? 0.9;
  const confidence = options.confidence ?? 0.99;
  stressValueWarning(portfolio);
  const w = portfolio.exposures;
  const n = w.length;
  let shockPnl = 0;
  for (let i = 0; i < n; i++) shockPnl += w[i] * shock;
  const { matrix } = portfolioCovariance(portfolio);
  const perDay = portfolio.basis.stepsPerDay;
  const base = parametricLoss(w, matrix, confidence, perDay);
  const volStressed = base * multiplier;
  const spiked = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const si = Math.sqrt(matrix.values[i * n + i]);
      const sj = Math.sqrt(matrix.values[j * n + j]);
      spiked[i * n + j] = i === j ? matrix.values[i * n + i] : rho * si * sj;
    }
  }
  const corrStressed = parametricLoss(w, { size: n, values: spiked }, confidence, perDay);
  const pctConf = `${(confidence * 100).toFixed(1)}%`;
  return [
    {
      id: 'equity-shock',
      name: `Equities ${(shock * 100).toFixed(0)}%`,
      kind: 'hypothetical',
      pnl: shockPnl,
      pnlFraction: pnlFractionOf(portfolio, shockPnl),
      description: `every position moves ${(shock * 100).toFixed(1)}% at once`,
    },
    {
      id: 'volatility-x2',
      name: `Volatility x${multiplier} (1-day ${pctConf} VaR)`,
      kind: 'hypothetical',
      pnl: -volStressed,
      pnlFraction: pnlFractionOf(portfolio, -volStressed),
      description: `parametric VaR with every volatility x${multiplier} (unstressed VaR ${base.toFixed(2)})`,
    },
    {
      id: 'correlation-spike',
      name: `Correlation spike to ${rho} (1-day ${pctConf} VaR)`,
      kind: 'hypothetical',
      pnl: -corrStressed,
      pnlFraction: pnlFractionOf(portfolio, -corrStressed),
      description: `parametric VaR with every pairwise correlation set to ${rho} (unstressed VaR ${base.toFixed(2)})`,
    },
  ];
}
