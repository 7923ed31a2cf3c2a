import { resampleToTradingDays } from '../core/bar-ops.js';
import { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import { formatDate } from '../core/time.js';
import { betaOrNaN, correlationFromCovariance, riskContributions } from './dependence.js';
import { type PreparedPortfolio, preparePortfolio, type ReturnBasis, type RiskPortfolio } from './inputs.js';
import { checkRiskLimits, currentDrawdown, type RiskLimitReport, type RiskLimits } from './limits.js';
import { maxDrawdown, sampleStdDev } from './stats.js';
import { portfolioCovariance, VAR_METHODS, type VarOptions, type VarResult, varOfPrepared } from './var.js';

/** Limits applied by `risk report` when the portfolio file sets none: a conservative long-only book. */
export const DEFAULT_RISK_LIMITS: RiskLimits = {
  maxPositionWeight: 0.25,
  maxTopNWeight: 0.6,
  topN: 3,
  maxGrossLeverage: 1.5,
  maxNetLeverage: 1,
  maxVar: 0.05,
  maxDrawdown: 0.25,
};

export interface RiskReportOptions extends Omit<VarOptions, 'contributions'> {
  confidence?: number;
  /** Benchmark closes (BarSeries aligned by date, or an array aligned with the position histories). */
  benchmark?: { symbol: string; prices: BarSeries | Float64Array | readonly number[] };
  limits?: RiskLimits;
  /**
   * Returns per year for the annual volatility. Default: the time model's count for the returns used
   * (trading days measured from the dates over a year or more, else the market calendar's nominal count).
   */
  periodsPerYear?: number;
}

export interface RiskReport {
  portfolioValue: number;
  cash: number;
  positions: { symbol: string; quantity: number; price: number; exposure: number; weight: number }[];
  observations: number;
  start?: string;
  end?: string;
  confidence: number;
  horizonDays: number;
  /** The horizon in returns and what those returns are, in one line. */
  horizon: { days: number; returns: number; description: string };
  /** What the returns are and how a year of them is counted. */
  returns: {
    kind: ReturnBasis['kind'];
    timeframe?: string;
    calendar: string;
    periodsPerYear: number;
    description: string;
  };
  /** One result per VaR method (historical, parametric, Cornish-Fisher, Monte Carlo). */
  var: VarResult[];
  /** Volatility of the portfolio's one-day value returns (current holdings over the history). */
  dailyVolatility: number;
  /** Per-return volatility x sqrt(returns.periodsPerYear). */
  annualVolatility: number;
  beta?: { benchmark: string; value: number };
  /** Largest peak-to-trough fall of the current holdings' value over the history (NaN when that value is ever <= 0). */
  maxDrawdown: number;
  currentDrawdown: number;
  correlation: {
    average: number;
    min?: { pair: [string, string]; value: number };
    max?: { pair: [string, string]; value: number };
  };
  /** Euler contributions to portfolio volatility, largest first. */
  riskContributors: { symbol: string; contribution: number; share: number }[];
  limits: RiskLimitReport;
  warnings: string[];
}

/** Value of the current holdings over the history: cash + sum quantity x close. */
export function holdingsValueHistory(portfolio: PreparedPortfolio): Float64Array {
  const t = portfolio.closes[0].length;
  const values = new Float64Array(t).fill(portfolio.cash);
  portfolio.closes.forEach((closes, i) => {
    const q = portfolio.quantities[i];
    for (let k = 0; k < t; k++) values[k] += q * closes[k];
  });
  return values;
}

function benchmarkBeta(
  portfolio: PreparedPortfolio,
  values: Float64Array,
  benchmark: NonNullable<RiskReportOptions['benchmark']>,
): number {
  let own: number[] = [];
  let bench: number[] = [];
  if (benchmark.prices instanceof BarSeries && portfolio.timestamps) {
    // An intraday benchmark is put on the portfolio's footing: daily closes unless bar returns are scaled.
    const series =
      portfolio.basis.kind === 'scaled'
        ? benchmark.prices
        : resampleToTradingDays(benchmark.prices, portfolio.basis.calendar);
    for (let i = 0; i < portfolio.timestamps.length; i++) {
      const j = series.indexOf(portfolio.timestamps[i]);
      if (j >= 0) {
        own.push(values[i]);
        bench.push(series.close[j]);
      }
    }
  } else {
    const closes = benchmark.prices instanceof BarSeries ? benchmark.prices.close : benchmark.prices;
    if (closes.length !== values.length) {
      throw new ValidationError(
        `benchmark ${benchmark.symbol} has ${closes.length} prices but the positions have ${values.length}`,
        {
          field: 'benchmark',
          hint: 'benchmark prices must be aligned with the position histories',
        },
      );
    }
    own = Array.from(values);
    bench = Array.from(closes);
  }
  if (own.length < 31) return Number.NaN;
  const r = new Float64Array(own.length - 1);
  const b = new Float64Array(own.length - 1);
  for (let k = 1; k < own.length; k++) {
    r[k - 1] = own[k] / own[k - 1] - 1;
    b[k - 1] = bench[k] / bench[k - 1] - 1;
  }
  return betaOrNaN(r, b);
}

/** Every risk measure of a portfolio in one structure (what `neural-trader risk report` prints). */
export function riskReport(
  input: RiskPortfolio | PreparedPortfolio,
  options: RiskReportOptions = {},
): RiskReport {
  const portfolio = 'exposures' in input ? input : preparePortfolio(input, options);
  const confidence = options.confidence ?? 0.95;
  const varOptions: VarOptions = { simulations: 20_000, ...options, contributions: true };
  const results = VAR_METHODS.map((m) => varOfPrepared(portfolio, confidence, m, varOptions));
  const warnings = [...new Set(results.flatMap((r) => r.warnings))];
  const values = holdingsValueHistory(portfolio);
  const valueReturns = new Float64Array(values.length - 1);
  for (let k = 1; k < values.length; k++) valueReturns[k - 1] = values[k] / values[k - 1] - 1;
  const stepVolatility = sampleStdDev(valueReturns);
  const dailyVolatility = stepVolatility * Math.sqrt(portfolio.basis.stepsPerDay);
  const periods = options.periodsPerYear ?? portfolio.basis.periodsPerYear;
  if (!(Number.isFinite(periods) && periods > 0)) {
    throw new ValidationError(`periodsPerYear must be a finite number > 0, got ${periods}`, {
      field: 'periodsPerYear',
      hint: 'leave it out to count returns per year from the dates',
    });
  }
  const { matrix } = portfolioCovariance(portfolio, options.covariance);
  const corr = correlationFromCovariance(matrix);
  const n = portfolio.symbols.length;
  let sum = 0;
  let pairs = 0;
  let min: RiskReport['correlation']['min'];
  let max: RiskReport['correlation']['max'];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const c = corr.values[i * n + j];
      sum += c;
      pairs++;
      if (!min || c < min.value) min = { pair: [portfolio.symbols[i], portfolio.symbols[j]], value: c };
      if (!max || c > max.value) max = { pair: [portfolio.symbols[i], portfolio.symbols[j]], value: c };
    }
  }
  const contributions = riskContributions(portfolio.exposures, matrix)
    .contributions.map((c) => ({
      symbol: portfolio.symbols[c.index],
      contribution: c.contribution,
      share: c.share,
    }))
    .sort((a, b) => b.contribution - a.contribution);
  const parametric = results.find((r) => r.method === 'parametric') as VarResult;
  const drawdownNow = currentDrawdown(values);
  // Drawdown is a fall from a positive peak. A value history at or below zero (a net short book with
  // little cash) has no such peak: report n/a and say why instead of a reassuring 0%.
  const valuePositive = values.every((v) => v > 0);
  // (When today's value is <= 0 the VaR results already carry the warning.)
  if (!valuePositive && portfolio.value > 0) {
    const warning =
      `the portfolio value (cash + positions) was at or below zero on some days of the history: ` +
      'drawdown is not meaningful';
    warnings.push(warning);
  }
  const limits = checkRiskLimits(
    {
      equity: portfolio.value,
      positions: portfolio.symbols.map((symbol, i) => ({
        symbol,
        quantity: portfolio.quantities[i],
        price: portfolio.lastPrices[i],
      })),
      varFraction: parametric.varFraction,
      drawdown: drawdownNow,
    },
    options.limits ?? DEFAULT_RISK_LIMITS,
  );
  const betaValue = options.benchmark ? benchmarkBeta(portfolio, values, options.benchmark) : undefined;
  return {
    portfolioValue: portfolio.value,
    cash: portfolio.cash,
    positions: portfolio.symbols.map((symbol, i) => ({
      symbol,
      quantity: portfolio.quantities[i],
      price: portfolio.lastPrices[i],
      exposure: portfolio.exposures[i],
      weight: portfolio.exposures[i] / portfolio.value,
    })),
    observations: portfolio.returns[0].length,
    ...(portfolio.timestamps
      ? {
          start: formatDate(portfolio.timestamps[0]),
          end: formatDate(portfolio.timestamps[portfolio.timestamps.length - 1]),
        }
      : {}),
    confidence,
    horizonDays: options.horizonDays ?? 1,
    horizon: results[0].horizon,
    returns: {
      kind: portfolio.basis.kind,
      ...(portfolio.basis.timeframe ? { timeframe: portfolio.basis.timeframe } : {}),
      calendar: portfolio.basis.calendar,
      periodsPerYear: periods,
      description:
        `${portfolio.basis.description}; annual volatility over ${periods.toFixed(periods >= 1000 ? 0 : 1)} returns a year` +
        (options.periodsPerYear !== undefined
          ? ' (as given)'
          : portfolio.basis.annualisation?.basis === 'measured'
            ? ' (measured from the dates)'
            : ' (nominal for the calendar)'),
    },
    var: results,
    dailyVolatility,
    annualVolatility: stepVolatility * Math.sqrt(periods),
    ...(options.benchmark && betaValue !== undefined
      ? { beta: { benchmark: options.benchmark.symbol, value: betaValue } }
      : {}),
    maxDrawdown: valuePositive ? maxDrawdown(values) : Number.NaN,
    currentDrawdown: valuePositive ? drawdownNow : Number.NaN,
    correlation: { average: pairs > 0 ? sum / pairs : Number.NaN, min, max },
    riskContributors: contributions,
    limits,
    warnings,
  };
}
