import type { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import { checkCovariance, checkFinite } from './dependence.js';
import { type PrepareOptions, preparePortfolio } from './inputs.js';
import { cholesky, choleskySolve, matrixFromRows, type SymmetricMatrix } from './matrix.js';
import { mean, sampleVariance } from './stats.js';

/**
 * Kelly sizing: the fraction of capital that maximises expected log growth. Full Kelly is aggressive
 * (large drawdowns, very sensitive to estimation error); `fraction` scales it (0.5 = half Kelly).
 */

export interface BinaryKellyInput {
  /** Probability of winning, in (0, 1). */
  winProbability: number;
  /** Decimal (European) odds: total return per unit staked including the stake, > 1 (2.0 = even money). */
  decimalOdds?: number;
  /** Net odds b: profit per unit staked on a win (decimalOdds - 1). Give this or decimalOdds. */
  netOdds?: number;
  /** Fraction of full Kelly to use, in (0, 1] (default 1). */
  fraction?: number;
}

export interface BinaryKellyResult {
  /** Full Kelly stake f* = p - q / b as a fraction of bankroll; 0 when the bet has no edge (never negative). */
  fullKelly: number;
  /** fraction x fullKelly. */
  stake: number;
  /** Expected profit per unit staked: p b - q. */
  edge: number;
  /** Expected log growth per bet at `stake`. */
  growthRate: number;
  netOdds: number;
}

function checkFraction(fraction: number): void {
  if (!(fraction > 0 && fraction <= 1)) {
    throw new ValidationError(`fraction must be in (0, 1], got ${fraction}`, {
      field: 'fraction',
      hint: 'use 0.5 for half Kelly',
    });
  }
}

/** Kelly stake for a bet that wins b per unit with probability p and loses the stake otherwise. */
export function kellyCriterionBinary(input: BinaryKellyInput): BinaryKellyResult {
  const p = input.winProbability;
  if (!(p > 0 && p < 1)) {
    throw new ValidationError(`winProbability must be between 0 and 1 (exclusive), got ${p}`, {
      field: 'winProbability',
    });
  }
  let b: number;
  if (input.netOdds !== undefined) b = input.netOdds;
  else if (input.decimalOdds !== undefined) {
    if (!(input.decimalOdds > 1)) {
      throw new ValidationError(`decimal odds must be > 1, got ${input.decimalOdds}`, {
        field: 'odds',
        hint: 'even money is 2.0',
      });
    }
    b = input.decimalOdds - 1;
  } else throw new ValidationError('give decimalOdds or netOdds', { field: 'odds' });
  if (!(b > 0) || !Number.isFinite(b))
    throw new ValidationError(`net odds must be a positive number, got ${b}`, { field: 'odds' });
  const fraction = input.fraction ?? 1;
  checkFraction(fraction);
  const q = 1 - p;
  const fullKelly = Math.max(0, p - q / b);
  const stake = fullKelly * fraction;
  return {
    fullKelly,
    stake,
    edge: p * b - q,
    growthRate: p * Math.log(1 + b * stake) + q * Math.log(1 - stake),
    netOdds: b,
  };
}

/** Old-system form: kellyCriterion(winProbability, decimalOdds, fraction = 1) -> stake fraction. */
export function kellyCriterion(winProbability: number, decimalOdds: number, fraction = 1): number {
  return kellyCriterionBinary({ winProbability, decimalOdds, fraction }).stake;
}

/**
 * Continuous-return Kelly (Merton): f* = (mu - r) / sigma^2 with per-period mean excess return and variance.
 * May exceed 1 (leverage) or be negative (short); scaled by `fraction`.
 */
export function kellyCriterionContinuous(
  meanReturn: number,
  volatility: number,
  riskFreeRate = 0,
  fraction = 1,
): number {
  if (!(volatility > 0) || !Number.isFinite(volatility)) {
    throw new ValidationError(`volatility must be a positive number, got ${volatility}`, {
      field: 'volatility',
    });
  }
  if (!Number.isFinite(meanReturn))
    throw new ValidationError(`meanReturn must be finite, got ${meanReturn}`, { field: 'meanReturn' });
  if (!Number.isFinite(riskFreeRate))
    throw new ValidationError(`riskFreeRate must be finite, got ${riskFreeRate}`, { field: 'riskFreeRate' });
  checkFraction(fraction);
  return (fraction * (meanReturn - riskFreeRate)) / (volatility * volatility);
}

export interface HistoryKellyOptions extends PrepareOptions {
  /** Annual risk-free rate (default 0). */
  riskFreeRate?: number;
  /** Fraction of full Kelly, in (0, 1] (default 1). */
  fraction?: number;
}

export interface HistoryKellyResult {
  /** Full Kelly leverage (annual mean excess return / annual variance); may exceed 1 or be negative. */
  fullKelly: number;
  /** fraction x fullKelly. */
  stake: number;
  fraction: number;
  riskFreeRate: number;
  /** Mean return x returns per year. */
  annualMeanReturn: number;
  /** Standard deviation x sqrt(returns per year). */
  annualVolatility: number;
  observations: number;
  /** Returns per year used to annualise (measured from the dates over a year or more, else nominal). */
  periodsPerYear: number;
  /** What the returns are and how a year of them was counted, in one line. */
  convention: string;
  warnings: string[];
}

/**
 * Continuous Kelly from a price history: daily returns (intraday bars resampled to trading days unless
 * `intraday: 'scale'`), annualised by the time model (src/core/calendar.ts), f* = (mu - r) / sigma^2 on
 * annual figures. The annual risk-free rate is why the annualisation matters: f* itself is the same on
 * any period if the rate is 0.
 */
export function kellyFromHistory(series: BarSeries, options: HistoryKellyOptions = {}): HistoryKellyResult {
  const fraction = options.fraction ?? 1;
  checkFraction(fraction);
  const riskFreeRate = options.riskFreeRate ?? 0;
  if (!Number.isFinite(riskFreeRate))
    throw new ValidationError(`riskFreeRate must be finite, got ${riskFreeRate}`, { field: 'riskFreeRate' });
  const symbol = series.symbol;
  const prepared = preparePortfolio({ positions: { [symbol]: 1 }, prices: { [symbol]: series } }, options);
  const returns = prepared.returns[0];
  const perYear = prepared.basis.periodsPerYear;
  const annualMeanReturn = mean(returns) * perYear;
  const annualVariance = sampleVariance(returns) * perYear;
  if (!(annualVariance > 0)) {
    throw new ValidationError(
      `${symbol}: the returns are constant (zero variance), so Kelly is not defined`,
      {
        field: 'symbol',
        hint: 'pick a symbol and period with price moves',
      },
    );
  }
  const fullKelly = kellyCriterionContinuous(annualMeanReturn, Math.sqrt(annualVariance), riskFreeRate, 1);
  const measured = prepared.basis.annualisation?.basis === 'measured';
  return {
    fullKelly,
    stake: fullKelly * fraction,
    fraction,
    riskFreeRate,
    annualMeanReturn,
    annualVolatility: Math.sqrt(annualVariance),
    observations: returns.length,
    periodsPerYear: perYear,
    convention:
      `${prepared.basis.description}; annualised over ${perYear.toFixed(perYear >= 1000 ? 0 : 1)} returns a year ` +
      `(${measured ? 'measured from the dates' : 'nominal for the calendar'}); risk-free rate ${riskFreeRate} a year`,
    warnings: prepared.warnings,
  };
}

export interface MultiAssetKellyOptions {
  riskFreeRate?: number;
  fraction?: number;
  /** Cap on |weight| per asset (e.g. 0.25). */
  maxWeight?: number;
  /** Cap on sum |weight| (e.g. 1 = no leverage); weights are scaled down proportionally to meet it. */
  maxGrossLeverage?: number;
}

export interface MultiAssetKellyResult {
  /** Unconstrained Sigma^-1 (mu - r) x fraction. */
  unconstrained: Float64Array;
  /** After the per-asset and gross caps. */
  weights: Float64Array;
  grossLeverage: number;
  /** Which constraints bound ("maxWeight", "maxGrossLeverage"). */
  binding: string[];
}

/**
 * Multi-asset Kelly: w = fraction x Sigma^-1 (mu - r) (per-period means and covariance of returns). Then
 * each |w_i| is clipped to maxWeight and, if sum |w| exceeds maxGrossLeverage, all weights are scaled down
 * by the same factor (which keeps the per-asset caps satisfied).
 */
export function kellyCriterionMultiAsset(
  meanReturns: ArrayLike<number>,
  covariance: SymmetricMatrix | readonly (readonly number[])[],
  options: MultiAssetKellyOptions = {},
): MultiAssetKellyResult {
  let cov: SymmetricMatrix;
  if (Array.isArray(covariance)) {
    const rows = covariance as readonly (readonly number[])[];
    const ragged = rows.findIndex((row) => !Array.isArray(row) || row.length !== rows.length);
    if (ragged >= 0) {
      throw new ValidationError(
        `covariance row ${ragged} has ${rows[ragged]?.length} values, expected ${rows.length} (a square matrix)`,
        { field: 'covariance' },
      );
    }
    cov = matrixFromRows(rows);
  } else cov = covariance as SymmetricMatrix;
  checkCovariance(cov);
  const n = cov.size;
  if (meanReturns?.length !== n) {
    throw new ValidationError(
      `meanReturns has ${meanReturns.length} values but the covariance is ${n}x${n}`,
      { field: 'meanReturns' },
    );
  }
  checkFinite(meanReturns, 'meanReturns');
  const fraction = options.fraction ?? 1;
  checkFraction(fraction);
  const r = options.riskFreeRate ?? 0;
  if (!Number.isFinite(r))
    throw new ValidationError(`riskFreeRate must be finite, got ${r}`, { field: 'riskFreeRate' });
  const l = cholesky(cov);
  if (!l) {
    throw new ValidationError(
      'covariance matrix is not positive definite, so Kelly weights are not defined',
      {
        field: 'covariance',
        hint: 'repair it with nearestPositiveDefinite or use ledoitWolfCovariance',
      },
    );
  }
  const excess = Float64Array.from({ length: n }, (_, i) => meanReturns[i] - r);
  const unconstrained = choleskySolve(l, n, excess).map((v) => v * fraction);
  const weights = Float64Array.from(unconstrained);
  const binding: string[] = [];
  if (options.maxWeight !== undefined) {
    if (!(options.maxWeight > 0))
      throw new ValidationError(`maxWeight must be > 0, got ${options.maxWeight}`, { field: 'maxWeight' });
    for (let i = 0; i < n; i++) {
      if (Math.abs(weights[i]) > options.maxWeight) {
        weights[i] = Math.sign(weights[i]) * options.maxWeight;
        if (!binding.includes('maxWeight')) binding.push('maxWeight');
      }
    }
  }
  let gross = 0;
  for (let i = 0; i < n; i++) gross += Math.abs(weights[i]);
  if (options.maxGrossLeverage !== undefined) {
    if (!(options.maxGrossLeverage > 0)) {
      throw new ValidationError(`maxGrossLeverage must be > 0, got ${options.maxGrossLeverage}`, {
        field: 'maxGrossLeverage',
      });
    }
    if (gross > options.maxGrossLeverage) {
      const scale = options.maxGrossLeverage / gross;
      for (let i = 0; i < n; i++) weights[i] *= scale;
      gross = options.maxGrossLeverage;
      binding.push('maxGrossLeverage');
    }
  }
  return { unconstrained, weights, grossLeverage: gross, binding };
}

/**
 * Fixed-fractional position size (the old system's calculatePositionSize): risk `riskPercent` of the
 * account on a trade stopped out `stopLoss` away.
 *   riskPercent: fraction of the account to risk, in (0, 1] (0.02 = 2%).
 *   stopLoss:    per-share distance to the stop (e.g. 2.5) when entryPrice is omitted; when entryPrice is
 *                given it is the stop PRICE and the distance is |entryPrice - stopLoss|.
 * Returns shares = floor(accountValue x riskPercent / per-share risk) (or unrounded with wholeShares false).
 */
export function calculatePositionSize(
  accountValue: number,
  riskPercent: number,
  stopLoss: number,
  entryPrice?: number,
  wholeShares = true,
): number {
  if (!(accountValue > 0) || !Number.isFinite(accountValue)) {
    throw new ValidationError(`accountValue must be a positive number, got ${accountValue}`, {
      field: 'accountValue',
    });
  }
  if (!(riskPercent > 0 && riskPercent <= 1)) {
    throw new ValidationError(`riskPercent must be a fraction in (0, 1], got ${riskPercent}`, {
      field: 'riskPercent',
      hint: 'pass 0.02 to risk 2% of the account',
    });
  }
  if (entryPrice !== undefined && !(entryPrice > 0)) {
    throw new ValidationError(`entryPrice must be a positive price, got ${entryPrice}`, {
      field: 'entryPrice',
    });
  }
  const perShareRisk = entryPrice === undefined ? stopLoss : Math.abs(entryPrice - stopLoss);
  if (!(perShareRisk > 0) || !Number.isFinite(perShareRisk)) {
    throw new ValidationError(
      entryPrice === undefined
        ? `stopLoss (per-share distance) must be a positive number, got ${stopLoss}`
        : `stopLoss price ${stopLoss} must differ from entryPrice ${entryPrice}`,
      { field: 'stopLoss' },
    );
  }
  const shares = (accountValue * riskPercent) / perShareRisk;
  return wholeShares ? Math.floor(shares + 1e-9) : shares;
}
