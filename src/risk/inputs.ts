import { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
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
  /** Simple daily returns per symbol (length = closes length - 1). */
  returns: Float64Array[];
  /** Timestamps of the aligned closes when BarSeries were given. */
  timestamps?: Float64Array;
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
  /** Minimum number of daily returns required (default 30). */
  minObservations?: number;
}

/** Validate and normalise a portfolio; every problem is a ValidationError naming the field. */
export function preparePortfolio(input: RiskPortfolio, options: PrepareOptions = {}): PreparedPortfolio {
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
  if (histories.every((h) => h instanceof BarSeries)) {
    const aligned = alignIndices(histories as BarSeries[]);
    timestamps = aligned.timestamps;
    closes = (histories as BarSeries[]).map((series, s) => {
      const out = new Float64Array(aligned.timestamps.length);
      const idx = aligned.indices[s];
      for (let i = 0; i < out.length; i++) out[i] = series.close[idx[i]];
      return out;
    });
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
    throw new ValidationError(
      `need at least ${minObservations} returns, got ${observations}${timestamps ? ' on the dates common to all positions' : ''}`,
      {
        field: 'prices',
        hint: 'supply a longer price history (at least minObservations + 1 prices per symbol)',
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
  return { symbols, quantities, lastPrices, exposures, cash, value, closes, returns, timestamps };
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
