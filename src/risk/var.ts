import { ValidationError } from '../core/errors.js';
import { inverseNormalCdf, normalPdf } from '../core/normal.js';
import { covarianceMatrix, ledoitWolfCovariance } from './dependence.js';
import {
  checkConfidence,
  checkHorizon,
  type PreparedPortfolio,
  type PrepareOptions,
  preparePortfolio,
  type ReturnBasis,
  type RiskPortfolio,
} from './inputs.js';
import { cholesky, nearestPositiveDefinite, type SymmetricMatrix } from './matrix.js';
import {
  historicalScenarios,
  type MonteCarloDistribution,
  monteCarloScenarios,
  type ScenarioOutcome,
} from './simulation.js';
import { mean, skewnessAndExcessKurtosis } from './stats.js';

// Warnings are returned in results (`warnings`); the CLI prints each as one `warning:` line, MCP returns them.

/**
 * A book whose value (cash + positions) is at or below zero - a net short with little cash - has no
 * meaningful "percent of value": VaR and CVaR stand in currency only.
 */
export function nonPositiveValueWarning(value: number): string {
  return (
    `the portfolio value (cash + positions) is ${value.toFixed(2)}, at or below zero: percentages of value ` +
    '(VaR %, weights, drawdown) are not meaningful; read VaR and CVaR in currency'
  );
}

/** VaR methods (the old system's names as an enum-like const). */
export const VarMethod = {
  Historical: 'historical',
  Parametric: 'parametric',
  CornishFisher: 'cornish-fisher',
  MonteCarlo: 'monte-carlo',
} as const;
export type VarMethod = (typeof VarMethod)[keyof typeof VarMethod];

export const VAR_METHODS: readonly VarMethod[] = Object.values(VarMethod);

export interface VarOptions extends PrepareOptions {
  /** Holding period in trading days (default 1). */
  horizonDays?: number;
  /** Monte Carlo scenarios (default 10,000). */
  simulations?: number;
  /** Monte Carlo seed (default 42): the same seed gives the same result. */
  seed?: number;
  /** Monte Carlo distribution of returns (default normal). */
  distribution?: MonteCarloDistribution;
  /** Student-t degrees of freedom, > 2 (default 5). */
  degreesOfFreedom?: number;
  /** Covariance estimator for parametric, Cornish-Fisher and Monte Carlo (default sample). */
  covariance?: 'sample' | 'ledoit-wolf';
  /**
   * Subtract the expected P&L (sample mean return x exposure x horizon) in parametric, Cornish-Fisher and
   * normal/t Monte Carlo (default false: zero mean, the usual convention for short horizons).
   * Historical and bootstrap always use the returns as they happened.
   */
  meanAdjusted?: boolean;
  /** Cornish-Fisher: use these one-day moments instead of those of the portfolio's history. */
  moments?: { skewness: number; excessKurtosis: number };
  /** Per-position contributions (default true). */
  contributions?: boolean;
}

export interface VarContribution {
  symbol: string;
  quantity: number;
  price: number;
  exposure: number;
  /** Contribution to VaR in currency; contributions sum to VaR. */
  var: number;
  /** Contribution to CVaR in currency; contributions sum to CVaR. */
  cvar: number;
}

export interface VarResult {
  method: VarMethod;
  confidence: number;
  horizonDays: number;
  /** Returns behind the horizon (horizonDays x returns per day) and what they are, in one line. */
  horizon: { days: number; returns: number; description: string };
  /** Cash + market value of positions. */
  portfolioValue: number;
  /** Loss not exceeded with probability `confidence` over the horizon, in currency (positive = loss). */
  var: number;
  /** Expected shortfall: mean loss beyond VaR, in currency. */
  cvar: number;
  /** var / portfolioValue (NaN when the portfolio value is at or below zero). */
  varFraction: number;
  cvarFraction: number;
  /** Returns used (daily unless intraday returns were scaled; see `horizon`). */
  observations: number;
  /** Scenarios behind a simulated figure (historical windows or Monte Carlo draws). */
  scenarios?: number;
  seed?: number;
  distribution?: MonteCarloDistribution;
  /** One-day P&L standard deviation in currency implied by the covariance (parametric family). */
  dailyVolatility?: number;
  /** Cornish-Fisher: the moments used (already scaled to the horizon). */
  skewness?: number;
  excessKurtosis?: number;
  contributions: VarContribution[];
  /** Things the user must know (e.g. a covariance repaired to positive definite). */
  warnings: string[];
}

/** What each method computes; varOfPrepared adds the shared fields. */
type MethodResult = Omit<
  VarResult,
  'method' | 'confidence' | 'horizonDays' | 'horizon' | 'portfolioValue' | 'varFraction' | 'cvarFraction'
>;

interface PortfolioCovariance {
  matrix: SymmetricMatrix;
  choleskyFactor: Float64Array;
  warnings: string[];
}

// One estimate per prepared portfolio and estimator, so a report computing every method estimates (and
// warns about a repair) once.
const covarianceCache = new WeakMap<PreparedPortfolio, Map<string, PortfolioCovariance>>();

/** The covariance used by the parametric and Monte Carlo methods, repaired (with a warning) if not PD. */
export function portfolioCovariance(
  portfolio: PreparedPortfolio,
  estimator: 'sample' | 'ledoit-wolf' = 'sample',
): PortfolioCovariance {
  if (!COVARIANCE_ESTIMATORS.includes(estimator)) checkVarOptions({ covariance: estimator });
  let perEstimator = covarianceCache.get(portfolio);
  if (!perEstimator) {
    perEstimator = new Map();
    covarianceCache.set(portfolio, perEstimator);
  }
  let cached = perEstimator.get(estimator);
  if (!cached) {
    cached = estimateCovariance(portfolio, estimator);
    perEstimator.set(estimator, cached);
  }
  return { matrix: cached.matrix, choleskyFactor: cached.choleskyFactor, warnings: [...cached.warnings] };
}

function estimateCovariance(
  portfolio: PreparedPortfolio,
  estimator: 'sample' | 'ledoit-wolf',
): PortfolioCovariance {
  const raw =
    estimator === 'ledoit-wolf'
      ? ledoitWolfCovariance(portfolio.returns).matrix
      : covarianceMatrix(portfolio.returns);
  const direct = cholesky(raw);
  if (direct) return { matrix: raw, choleskyFactor: direct, warnings: [] };
  const repaired = nearestPositiveDefinite(raw, `covariance matrix of ${portfolio.symbols.join(', ')}`);
  const factor = cholesky(repaired.matrix);
  if (!factor) {
    throw new ValidationError('covariance matrix could not be repaired to positive definite', {
      field: 'prices',
      hint: 'check for constant prices or duplicated series',
    });
  }
  return {
    matrix: repaired.matrix,
    choleskyFactor: factor,
    warnings: repaired.warning ? [repaired.warning] : [],
  };
}

function meanReturns(portfolio: PreparedPortfolio, adjusted: boolean): Float64Array {
  return Float64Array.from(portfolio.returns, (r) => (adjusted ? mean(r) : 0));
}

/** Cornish-Fisher quantile of a standardised distribution with given skewness and excess kurtosis. */
export function cornishFisherQuantile(q: number, skewness: number, excessKurtosis: number): number {
  return (
    q +
    ((q * q - 1) * skewness) / 6 +
    ((q * q * q - 3 * q) * excessKurtosis) / 24 -
    ((2 * q * q * q - 5 * q) * skewness * skewness) / 36
  );
}

/**
 * Whether the Cornish-Fisher quantile map is increasing on [q, 0] (the tail it is used in); outside that
 * domain the expansion's quantiles are not a distribution's. d/dq = 1 + qS/3 + (q^2 - 1)K/8 - (6q^2 - 5)S^2/36.
 */
export function cornishFisherMonotone(q: number, skewness: number, excessKurtosis: number): boolean {
  const steps = 200;
  for (let i = 0; i <= steps; i++) {
    const x = (q * i) / steps;
    const slope =
      1 +
      (x * skewness) / 3 +
      ((x * x - 1) * excessKurtosis) / 8 -
      ((6 * x * x - 5) * skewness * skewness) / 36;
    if (!(slope > 0)) return false;
  }
  return true;
}

/**
 * E[Z ; Z < q] / alpha for the Cornish-Fisher expanded variable, in closed form from the truncated normal
 * moments I_n = int_{-inf}^{q} x^n phi(x) dx (I_0 = alpha, I_1 = -phi(q), I_n = -q^(n-1) phi(q) + (n-1) I_(n-2)):
 *   phi(q)/alpha * [ -1 - q S/6 + (1 - q^2) K/24 - (1 - 2 q^2) S^2/36 ].
 * With S = K = 0 this is -phi(q)/alpha, the normal expected shortfall.
 */
export function cornishFisherTailMean(
  q: number,
  alpha: number,
  skewness: number,
  excessKurtosis: number,
): number {
  return (
    (normalPdf(q) / alpha) *
    (-1 -
      (q * skewness) / 6 +
      ((1 - q * q) * excessKurtosis) / 24 -
      ((1 - 2 * q * q) * skewness * skewness) / 36)
  );
}

function contributionsFrom(
  portfolio: PreparedPortfolio,
  varParts: ArrayLike<number>,
  cvarParts: ArrayLike<number>,
): VarContribution[] {
  return portfolio.symbols.map((symbol, i) => ({
    symbol,
    quantity: portfolio.quantities[i],
    price: portfolio.lastPrices[i],
    exposure: portfolio.exposures[i],
    var: varParts[i],
    cvar: cvarParts[i],
  }));
}

function parametricFamily(
  portfolio: PreparedPortfolio,
  confidence: number,
  method: 'parametric' | 'cornish-fisher',
  options: VarOptions,
  steps: number,
): MethodResult {
  // The horizon in returns: days, or days x bars per day when intraday returns are scaled.
  const h = steps;
  const { matrix, warnings } = portfolioCovariance(portfolio, options.covariance);
  const w = portfolio.exposures;
  const n = w.length;
  const sigmaW = new Float64Array(n);
  let variance = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += matrix.values[i * n + j] * w[j];
    sigmaW[i] = s;
    variance += w[i] * s;
  }
  const sigma = Math.sqrt(Math.max(variance, 0));
  const sigmaH = sigma * Math.sqrt(h);
  const mu = meanReturns(portfolio, options.meanAdjusted ?? false);
  let meanPnl = 0;
  for (let i = 0; i < n; i++) meanPnl += w[i] * mu[i] * h;
  const alpha = 1 - confidence;
  const q = inverseNormalCdf(alpha);
  let skewness = 0;
  let excessKurtosis = 0;
  if (method === 'cornish-fisher') {
    let moments = options.moments;
    if (!moments) {
      const daily = new Float64Array(portfolio.returns[0].length);
      for (let i = 0; i < n; i++)
        for (let t = 0; t < daily.length; t++) daily[t] += w[i] * portfolio.returns[i][t];
      moments = skewnessAndExcessKurtosis(daily);
    }
    // Moments of a sum of h iid days: skewness / sqrt(h), excess kurtosis / h.
    skewness = moments.skewness / Math.sqrt(h);
    excessKurtosis = moments.excessKurtosis / h;
  }
  if (method === 'cornish-fisher' && !cornishFisherMonotone(q, skewness, excessKurtosis)) {
    const warning =
      `the Cornish-Fisher expansion is not monotone in the tail for skewness ${skewness.toFixed(3)} and excess kurtosis ` +
      `${excessKurtosis.toFixed(3)}, so its VaR is unreliable; prefer historical or Monte Carlo (bootstrap or student-t)`;
    warnings.push(warning);
  }
  const quantile = cornishFisherQuantile(q, skewness, excessKurtosis);
  const tailMean = cornishFisherTailMean(q, alpha, skewness, excessKurtosis);
  const varValue = -(meanPnl + quantile * sigmaH);
  const cvarValue = -(meanPnl + tailMean * sigmaH);
  // Euler contributions: d sigma / d w_i = (Sigma w)_i / sigma, times the (CF-adjusted) multiplier.
  const varParts = new Float64Array(n);
  const cvarParts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const share = sigma > 0 ? (w[i] * sigmaW[i]) / sigma : 0;
    const meanPart = w[i] * mu[i] * h;
    varParts[i] = -(meanPart + quantile * Math.sqrt(h) * share);
    cvarParts[i] = -(meanPart + tailMean * Math.sqrt(h) * share);
  }
  return {
    var: varValue,
    cvar: cvarValue,
    observations: portfolio.returns[0].length,
    dailyVolatility: sigma * Math.sqrt(portfolio.basis.stepsPerDay),
    ...(method === 'cornish-fisher' ? { skewness, excessKurtosis } : {}),
    contributions: options.contributions === false ? [] : contributionsFrom(portfolio, varParts, cvarParts),
    warnings,
  };
}

function simulated(
  portfolio: PreparedPortfolio,
  confidence: number,
  method: 'historical' | 'monte-carlo',
  options: VarOptions,
  steps: number,
): MethodResult {
  const h = steps;
  const withContributions = options.contributions !== false;
  const warnings: string[] = [];
  const observations = portfolio.returns[0].length;
  let outcome: ScenarioOutcome;
  let extra: Partial<VarResult> = {};
  if (method === 'historical') {
    if (h > observations) {
      throw new ValidationError(
        `horizon of ${h} returns is longer than the ${observations} returns of history`,
        { field: 'horizon', hint: 'shorten the horizon or supply a longer history' },
      );
    }
    outcome = historicalScenarios(portfolio, confidence, h, withContributions);
  } else {
    const simulations = options.simulations ?? 10_000;
    if (!(Number.isInteger(simulations) && simulations >= 1)) {
      throw new ValidationError(`simulations must be a whole number >= 1, got ${simulations}`, {
        field: 'simulations',
      });
    }
    const seed = options.seed ?? 42;
    if (!Number.isInteger(seed))
      throw new ValidationError(`seed must be an integer, got ${seed}`, { field: 'seed' });
    const distribution = options.distribution ?? 'normal';
    const degreesOfFreedom = options.degreesOfFreedom ?? 5;
    if (distribution === 'student-t' && !(degreesOfFreedom > 2)) {
      throw new ValidationError(
        `degreesOfFreedom must be > 2 for a finite variance, got ${degreesOfFreedom}`,
        {
          field: 'degreesOfFreedom',
        },
      );
    }
    let choleskyFactor: Float64Array | undefined;
    if (distribution !== 'bootstrap') {
      const cov = portfolioCovariance(portfolio, options.covariance);
      choleskyFactor = cov.choleskyFactor;
      warnings.push(...cov.warnings);
    }
    outcome = monteCarloScenarios(
      portfolio,
      confidence,
      {
        simulations,
        seed,
        horizonDays: h,
        distribution,
        degreesOfFreedom,
        choleskyFactor,
        meanReturns: meanReturns(portfolio, options.meanAdjusted ?? false),
      },
      withContributions,
    );
    extra = { seed, distribution };
  }
  const scenarios = outcome.pnl.length;
  if (scenarios * (1 - confidence) < 1) {
    const warning = `only ${scenarios} scenarios at ${confidence} confidence: fewer than one scenario lies beyond VaR, so VaR is the worst scenario`;
    warnings.push(warning);
  }
  const parts = outcome.contributions;
  return {
    var: outcome.summary.var,
    cvar: outcome.summary.cvar,
    observations,
    scenarios,
    ...extra,
    contributions: parts ? contributionsFrom(portfolio, parts.var, parts.cvar) : [],
    warnings,
  };
}

/** Returns making up `days` trading days: the days themselves, or days x measured bars per day when scaled. */
export function horizonSteps(basis: ReturnBasis, days: number): number {
  return basis.kind === 'scaled' ? Math.max(1, Math.round(days * basis.stepsPerDay)) : days;
}

/** "1-day horizon from daily returns (...)" or, scaled, how many bar returns stand for the days. */
export function horizonDescription(basis: ReturnBasis, days: number, steps: number): string {
  const span = `${days}-day horizon`;
  if (basis.kind !== 'scaled') return `${span}: ${basis.description}`;
  return (
    `${span} = ${steps} ${basis.timeframe} returns (${basis.stepsPerDay.toFixed(1)} per ${basis.calendar} trading day; ` +
    'square-root-of-time for parametric and Monte Carlo, consecutive-bar windows for historical)'
  );
}

const COVARIANCE_ESTIMATORS = ['sample', 'ledoit-wolf'] as const;
const DISTRIBUTIONS: readonly MonteCarloDistribution[] = ['normal', 'student-t', 'bootstrap'];

/** Refuse unknown option strings and out-of-range numbers instead of falling back silently. */
export function checkVarOptions(options: VarOptions): void {
  checkHorizon(options.horizonDays ?? 1);
  if (options.covariance !== undefined && !COVARIANCE_ESTIMATORS.includes(options.covariance)) {
    throw new ValidationError(
      `covariance must be one of ${COVARIANCE_ESTIMATORS.join(', ')}, got "${String(options.covariance)}"`,
      {
        field: 'covariance',
        hint: 'sample = the sample covariance; ledoit-wolf = shrunk towards a scaled identity',
      },
    );
  }
  if (options.distribution !== undefined && !DISTRIBUTIONS.includes(options.distribution)) {
    throw new ValidationError(
      `distribution must be one of ${DISTRIBUTIONS.join(', ')}, got "${String(options.distribution)}"`,
      {
        field: 'distribution',
      },
    );
  }
  const moments = options.moments;
  if (moments && !(Number.isFinite(moments.skewness) && Number.isFinite(moments.excessKurtosis))) {
    throw new ValidationError(
      `moments must be finite numbers, got skewness ${moments.skewness} and excess kurtosis ${moments.excessKurtosis}`,
      { field: 'moments' },
    );
  }
}

/** VaR of an already prepared portfolio (avoids re-validating when computing several methods). */
export function varOfPrepared(
  portfolio: PreparedPortfolio,
  confidence: number,
  method: VarMethod,
  options: VarOptions = {},
): VarResult {
  checkConfidence(confidence);
  checkVarOptions(options);
  const days = options.horizonDays ?? 1;
  const steps = horizonSteps(portfolio.basis, days);
  let core: MethodResult;
  switch (method) {
    case 'historical':
    case 'monte-carlo':
      core = simulated(portfolio, confidence, method, options, steps);
      break;
    case 'parametric':
    case 'cornish-fisher':
      core = parametricFamily(portfolio, confidence, method, options, steps);
      break;
    default:
      throw new ValidationError(`unknown VaR method "${String(method)}"`, {
        field: 'method',
        hint: `use one of ${VAR_METHODS.join(', ')}`,
      });
  }
  const { var: varValue, cvar, ...rest } = core;
  rest.warnings.unshift(...portfolio.warnings);
  const positiveValue = portfolio.value > 0;
  if (!positiveValue) {
    rest.warnings.push(nonPositiveValueWarning(portfolio.value));
  }
  return {
    method,
    confidence,
    horizonDays: days,
    horizon: { days, returns: steps, description: horizonDescription(portfolio.basis, days, steps) },
    portfolioValue: portfolio.value,
    var: varValue,
    cvar,
    varFraction: positiveValue ? varValue / portfolio.value : Number.NaN,
    cvarFraction: positiveValue ? cvar / portfolio.value : Number.NaN,
    ...rest,
  };
}

/**
 * Value at Risk and Expected Shortfall of a portfolio. `method` is one of VarMethod's values
 * ('historical' | 'parametric' | 'cornish-fisher' | 'monte-carlo'). Every result carries CVaR as well.
 */
export function calculateVaR(
  portfolio: RiskPortfolio,
  confidence = 0.95,
  method: VarMethod = VarMethod.Historical,
  options: VarOptions = {},
): VarResult {
  checkConfidence(confidence);
  checkVarOptions(options);
  return varOfPrepared(preparePortfolio(portfolio, options), confidence, method, options);
}

/** Alias of calculateVaR with the old system's spelling. */
export const calculateVar = calculateVaR;

/** Expected Shortfall (CVaR): the same computation; read `cvar` / `cvarFraction` of the result. */
export function calculateCVaR(
  portfolio: RiskPortfolio,
  confidence = 0.95,
  method: VarMethod = VarMethod.Historical,
  options: VarOptions = {},
): VarResult {
  return calculateVaR(portfolio, confidence, method, options);
}
