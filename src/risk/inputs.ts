import { resampleToTradingDays } from '../core/bar-ops.js';
import { BarSeries } from '../core/bars.js';
import {
  type Annualisation,
  annualisationOf,
  inferCalendar,
  isIntraday,
  type MarketCalendar,
  tradingDaysPerYear,
} from '../core/calendar.js';
import { ValidationError } from '../core/errors.js';
import type { Timeframe } from '../core/timeframe.js';
import { Portfolio } from '../portfolio/portfolio.js';

/**
 * What the risk functions take: positions, an aligned price history per position, and cash.
 *
 * - `positions`: a list `{symbol, quantity}[]`, a map `{KO: 100}`, or the shared `Portfolio` (its open
 *   positions; its cash is used unless `cash` is given). Quantities are signed (negative = short).
 * - `prices`: per symbol, closes oldest first as a Float64Array / number[] (all the same length, already
 *   aligned) or a `BarSeries` (aligned here on the dates common to every series).
 * Positions are valued at the LAST price of their history, so exposures and the return history agree.
 * Symbols in `prices` without a position (e.g. a benchmark) are ignored.
 */
export type PriceHistory = Float64Array | readonly number[] | BarSeries;

export interface RiskPosition {
  symbol: string;
  quantity: number;
}

export interface RiskPortfolio {
  positions: readonly RiskPosition[] | Readonly<Record<string, number>> | Portfolio;
  prices: Readonly<Record<string, PriceHistory>>;
  cash?: number;
}

/**
 * How intraday bars become a daily risk figure: `resample` (default) takes the last close of each trading
 * day of the market calendar and works on those daily returns; `scale` keeps the bar returns and scales
 * a day to the measured bars per trading day (square-root-of-time, consecutive-bar windows).
 */
export const INTRADAY_RETURNS = ['resample', 'scale'] as const;
export type IntradayReturns = (typeof INTRADAY_RETURNS)[number];

/** What one return of a prepared portfolio spans, stated with every figure computed from it. */
export interface ReturnBasis {
  /**
   * daily: daily bars; resampled: intraday bars turned into daily closes; scaled: intraday bar returns
   * scaled by bars per day; undated: price arrays without dates, each step taken as one trading day.
   * (Weekly and monthly bars are refused: they cannot give a daily figure.)
   */
  kind: 'daily' | 'resampled' | 'scaled' | 'undated';
  /** Timeframe of the bars given (undefined for price arrays). */
  timeframe?: Timeframe;
  calendar: MarketCalendar;
  /** Returns per trading day: 1 unless `scaled`, then the measured bars per trading day. */
  stepsPerDay: number;
  /** Returns per year, for annual figures (measured from the dates over a year or more, else nominal). */
  periodsPerYear: number;
  /** The time model's verdict for the dated returns. */
  annualisation?: Annualisation;
  /** One line, e.g. "daily returns from 30Min bars resampled to 1,301 fx trading days". */
  description: string;
}

/** The normalised form every calculation works on. */
export interface PreparedPortfolio {
  symbols: string[];
  quantities: Float64Array;
  /** Last price per symbol. */
  lastPrices: Float64Array;
  /** Currency exposure per symbol: quantity x last price. */
  exposures: Float64Array;
  cash: number;
  /** Cash + sum of exposures. */
  value: number;
  /** Aligned closes per symbol (oldest first). */
  closes: Float64Array[];
  /** Simple returns per symbol (length = closes length - 1): daily unless `basis.kind` is `scaled`. */
  returns: Float64Array[];
  /** Timestamps of the aligned closes when BarSeries were given (trading-day midnights once resampled). */
  timestamps?: Float64Array;
  /** What one return spans and how a day and a year are counted. */
  basis: ReturnBasis;
  /** Things the user must know about the inputs (e.g. intraday returns scaled to a day). */
  warnings: string[];
}

export const DEFAULT_MIN_OBSERVATIONS = 30;

function positionList(positions: RiskPortfolio['positions']): RiskPosition[] {
  if (positions instanceof Portfolio)
    return positions.positions().map((p) => ({ symbol: p.symbol, quantity: p.quantity }));
  if (Array.isArray(positions)) return positions as RiskPosition[];
  return Object.entries(positions as Record<string, number>).map(([symbol, quantity]) => ({
    symbol,
    quantity,
  }));
}

/** Intersect the timestamps of several series; returns, per series, the indices of the common dates. */
function alignIndices(series: readonly BarSeries[]): { timestamps: Float64Array; indices: Int32Array[] } {
  let common = series[0].timestamps;
  for (let s = 1; s < series.length; s++) {
    const other = series[s].timestamps;
    const kept: number[] = [];
    let j = 0;
    for (let i = 0; i < common.length; i++) {
      while (j < other.length && other[j] < common[i]) j++;
      if (j < other.length && other[j] === common[i]) kept.push(common[i]);
    }
    common = Float64Array.from(kept);
  }
  const indices = series.map((s) => {
    const idx = new Int32Array(common.length);
    let j = 0;
    for (let i = 0; i < common.length; i++) {
      while (s.timestamps[j] !== common[i]) j++;
      idx[i] = j;
    }
    return idx;
  });
  return { timestamps: common, indices };
}

export interface PrepareOptions {
  /** Minimum number of returns required (default 30). */
  minObservations?: number;
  /** How intraday bars become daily figures (default resample). */
  intraday?: IntradayReturns;
  /** Market calendar for trading days and annual figures (default: inferred from the timestamps). */
  calendar?: MarketCalendar;
}

function checkPrepareOptions(options: PrepareOptions): void {
  if (options.intraday !== undefined && !INTRADAY_RETURNS.includes(options.intraday)) {
    throw new ValidationError(
      `intraday must be one of ${INTRADAY_RETURNS.join(', ')}, got "${String(options.intraday)}"`,
      {
        field: 'intraday',
        hint: 'resample = daily closes of intraday bars; scale = bar returns scaled by bars per day',
      },
    );
  }
  const min = options.minObservations;
  if (min !== undefined && !(Number.isInteger(min) && min >= 2)) {
    throw new ValidationError(`minObservations must be a whole number >= 2, got ${min}`, {
      field: 'minObservations',
    });
  }
}

const grouped = (x: number) => x.toLocaleString('en-US');

/** Turn BarSeries histories into aligned closes on the requested return basis. */
function barHistories(
  symbols: readonly string[],
  histories: readonly BarSeries[],
  options: PrepareOptions,
): { closes: Float64Array[]; timestamps: Float64Array; basis: ReturnBasis; warnings: string[] } {
  for (const [s, series] of histories.entries()) {
    if (series.timeframe === '1Week' || series.timeframe === '1Month') {
      throw new ValidationError(
        `prices.${symbols[s]}: ${series.timeframe} bars cannot give a daily risk figure`,
        { field: `prices.${symbols[s]}`, hint: 'load daily or intraday bars for risk' },
      );
    }
  }
  const intraday = histories.filter((h) => isIntraday(h.timeframe));
  const mode = options.intraday ?? 'resample';
  const timeframe = (intraday[0] ?? histories[0]).timeframe;
  const calendarOf = (h: BarSeries) => options.calendar ?? inferCalendar(h.timestamps, h.timeframe);
  const calendar = calendarOf(intraday[0] ?? histories[0]);
  let series: readonly BarSeries[] = histories;
  if (intraday.length > 0 && mode === 'scale') {
    const timeframes = [...new Set(histories.map((h) => h.timeframe))];
    if (timeframes.length > 1) {
      throw new ValidationError(
        `intraday "scale" needs every position's bars in one timeframe, got ${timeframes.join(', ')}`,
        { field: 'intraday', hint: 'use intraday "resample" (daily closes) or load one timeframe' },
      );
    }
  } else if (intraday.length > 0) {
    series = histories.map((h) => resampleToTradingDays(h, calendarOf(h)));
  }
  const aligned = alignIndices(series as BarSeries[]);
  const closes = series.map((one, s) => {
    const out = new Float64Array(aligned.timestamps.length);
    const idx = aligned.indices[s];
    for (let i = 0; i < out.length; i++) out[i] = one.close[idx[i]];
    return out;
  });
  const timestamps = aligned.timestamps;
  const warnings: string[] = [];
  let basis: ReturnBasis;
  if (intraday.length === 0) {
    const annualisation = annualisationOf(timestamps, '1Day', { calendar: options.calendar });
    basis = {
      kind: 'daily',
      timeframe,
      calendar: annualisation.calendar,
      stepsPerDay: 1,
      periodsPerYear: annualisation.periodsPerYear,
      annualisation,
      description: `daily returns (${timeframe} bars, ${annualisation.calendar} calendar)`,
    };
  } else if (mode === 'resample') {
    const annualisation = annualisationOf(timestamps, '1Day', {
      calendar: options.calendar,
      knownCalendar: calendar,
    });
    basis = {
      kind: 'resampled',
      timeframe,
      calendar,
      stepsPerDay: 1,
      periodsPerYear: annualisation.periodsPerYear,
      annualisation,
      description: `daily returns (${timeframe} bars resampled to the last close of each of ${grouped(timestamps.length)} ${calendar} trading days)`,
    };
  } else {
    const annualisation = annualisationOf(timestamps, timeframe, {
      calendar: options.calendar,
      knownCalendar: calendar,
    });
    const perDay = annualisation.barsPerDay;
    basis = {
      kind: 'scaled',
      timeframe,
      calendar,
      stepsPerDay: perDay,
      periodsPerYear: annualisation.periodsPerYear,
      annualisation,
      description: `${timeframe} returns scaled by ${perDay.toFixed(1)} bars per ${calendar} trading day`,
    };
    const warning =
      `intraday ${timeframe} returns stand in for daily ones: a day is scaled to ${perDay.toFixed(1)} bars ` +
      '(square-root-of-time for parametric and Monte Carlo, windows of consecutive bars for historical), ' +
      'which misses intraday autocorrelation and overnight gaps; use intraday "resample" for returns of real daily closes';
    warnings.push(warning);
  }
  return { closes, timestamps, basis, warnings };
}

/** Validate and normalise a portfolio; every problem is a ValidationError naming the field. */
export function preparePortfolio(input: RiskPortfolio, options: PrepareOptions = {}): PreparedPortfolio {
  checkPrepareOptions(options);
  const minObservations = options.minObservations ?? DEFAULT_MIN_OBSERVATIONS;
  const list = positionList(input.positions).filter((p) => p.quantity !== 0);
  if (list.length === 0) {
    throw new ValidationError('portfolio has no positions', {
      field: 'positions',
      hint: 'add at least one {symbol, quantity}',
    });
  }
  const seen = new Set<string>();
  for (const [i, p] of list.entries()) {
    if (typeof p.symbol !== 'string' || p.symbol === '') {
      throw new ValidationError(`positions[${i}].symbol must be a non-empty string`, {
        field: `positions[${i}].symbol`,
      });
    }
    if (!Number.isFinite(p.quantity)) {
      throw new ValidationError(
        `positions[${i}].quantity (${p.symbol}) must be a finite number, got ${p.quantity}`,
        {
          field: `positions[${i}].quantity`,
        },
      );
    }
    if (seen.has(p.symbol)) {
      throw new ValidationError(`position ${p.symbol} is listed twice`, {
        field: `positions[${i}].symbol`,
        hint: 'merge the quantities',
      });
    }
    seen.add(p.symbol);
  }
  const missing = list.filter((p) => input.prices[p.symbol] === undefined).map((p) => p.symbol);
  if (missing.length > 0) {
    throw new ValidationError(
      `no price history for position${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (prices has ${Object.keys(input.prices).join(', ') || 'no symbols'})`,
      { field: 'prices', hint: 'give a price history for every position symbol' },
    );
  }
  const symbols = list.map((p) => p.symbol);
  const histories = symbols.map((s) => input.prices[s]);
  let closes: Float64Array[];
  let timestamps: Float64Array | undefined;
  let basis: ReturnBasis;
  let warnings: string[] = [];
  if (histories.every((h) => h instanceof BarSeries)) {
    ({ closes, timestamps, basis, warnings } = barHistories(symbols, histories as BarSeries[], options));
  } else {
    closes = histories.map((h) =>
      h instanceof BarSeries ? h.close : h instanceof Float64Array ? h : Float64Array.from(h),
    );
    const length = closes[0].length;
    for (let s = 1; s < closes.length; s++) {
      if (closes[s].length !== length) {
        throw new ValidationError(
          `prices.${symbols[s]} has ${closes[s].length} values but prices.${symbols[0]} has ${length}; price arrays must be aligned to the same dates`,
          {
            field: `prices.${symbols[s]}`,
            hint: 'pass histories of equal length, or BarSeries to align by date',
          },
        );
      }
    }
    const calendar = options.calendar ?? 'us-equity';
    const perYear = tradingDaysPerYear(calendar);
    basis = {
      kind: 'undated',
      calendar,
      stepsPerDay: 1,
      periodsPerYear: perYear,
      description: `price steps without dates, each taken as one trading day (${perYear} a year, ${calendar} calendar)`,
    };
  }
  for (let s = 0; s < symbols.length; s++) {
    const c = closes[s];
    for (let i = 0; i < c.length; i++) {
      if (!Number.isFinite(c[i]) || c[i] <= 0) {
        throw new ValidationError(
          `prices.${symbols[s]}[${i}] is ${c[i]}; prices must be positive finite numbers`,
          {
            field: `prices.${symbols[s]}`,
            hint: 'remove or fill missing (NaN) prices before computing risk',
          },
        );
      }
    }
  }
  const observations = Math.max(0, closes[0].length - 1);
  if (observations < minObservations) {
    const resampled = basis.kind === 'resampled';
    throw new ValidationError(
      `need at least ${minObservations} returns, got ${observations}${resampled ? ` daily returns (${basis.timeframe} bars resampled to trading days)` : ''}${timestamps ? ' on the dates common to all positions' : ''}`,
      {
        field: 'prices',
        hint: resampled
          ? 'supply a longer history, or use intraday "scale" to work on the bar returns scaled to a day'
          : 'supply a longer price history (at least minObservations + 1 prices per symbol)',
      },
    );
  }
  const cash = input.cash ?? (input.positions instanceof Portfolio ? input.positions.cash : 0);
  if (!Number.isFinite(cash))
    throw new ValidationError(`cash must be a finite number, got ${cash}`, { field: 'cash' });
  const n = symbols.length;
  const quantities = Float64Array.from(list.map((p) => p.quantity));
  const lastPrices = new Float64Array(n);
  const exposures = new Float64Array(n);
  let value = cash;
  for (let s = 0; s < n; s++) {
    lastPrices[s] = closes[s][closes[s].length - 1];
    exposures[s] = quantities[s] * lastPrices[s];
    value += exposures[s];
  }
  const returns = closes.map((c) => {
    const r = new Float64Array(c.length - 1);
    for (let i = 0; i < r.length; i++) r[i] = c[i + 1] / c[i] - 1;
    return r;
  });
  return {
    symbols,
    quantities,
    lastPrices,
    exposures,
    cash,
    value,
    closes,
    returns,
    timestamps,
    basis,
    warnings,
  };
}

/** Confidence must lie strictly between 0 and 1 (0.95 = 95%). */
export function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) {
    throw new ValidationError(`confidence must be between 0 and 1 (exclusive), got ${confidence}`, {
      field: 'confidence',
      hint: 'use e.g. 0.95 for 95% or 0.99 for 99%',
    });
  }
}

export function checkHorizon(horizonDays: number): void {
  if (!(Number.isInteger(horizonDays) && horizonDays >= 1)) {
    throw new ValidationError(`horizon must be a whole number of days >= 1, got ${horizonDays}`, {
      field: 'horizon',
    });
  }
}
