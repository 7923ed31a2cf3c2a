import { MS_PER_DAY } from '../core/time.js';
import type { Timeframe } from '../core/timeframe.js';

/**
 * Performance statistics of an equity curve and its trades. Conventions (documented because every tool
 * differs slightly):
 * - Per-period returns are simple returns r_i = e_i / e_{i-1} - 1 of the curve (one per bar after the
 *   first); the curve starts with the initial capital as e_0 when the engine passes it.
 * - Annualised return = (final / initial)^(periodsPerYear / periods) - 1 (geometric).
 * - Volatility is the sample standard deviation (n - 1) of r, times sqrt(periodsPerYear).
 * - Sharpe = mean(r) / sd(r) * sqrt(periodsPerYear), risk-free rate 0.
 * - Sortino = mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(periodsPerYear) (downside deviation over all periods).
 * - Max drawdown is a positive fraction; its duration is the longest stretch (in bars and calendar days)
 *   from a peak until equity regains it (or the end of the curve if it never does).
 * - Calmar = annualised return / max drawdown.
 */
export interface CurveMetrics {
  totalReturn: number;
  annualizedReturn: number;
  annualizedVolatility: number;
  sharpeRatio: number;
  sortinoRatio: number;
  maxDrawdown: number;
  maxDrawdownDurationBars: number;
  maxDrawdownDurationDays: number;
  calmarRatio: number;
}

export interface TradeMetrics {
  tradeCount: number;
  /** Winning round trips / all closed round trips (0..1); NaN with no trades. */
  winRate: number;
  /** Gross profit / gross loss of closed trades; Infinity when there are wins and no losses. */
  profitFactor: number;
  /** Mean P&L of winning trades (0 if none). */
  averageWin: number;
  /** Mean P&L of losing trades, as a negative number (0 if none). */
  averageLoss: number;
}

export interface BacktestMetrics extends CurveMetrics, TradeMetrics {
  /** Fraction of bars that closed with a position open (0..1). */
  exposure: number;
  /** Traded notional / average equity over the run (2.0 = the book was bought and sold once). */
  turnover: number;
  fillCount: number;
  totalCommission: number;
  periodsPerYear: number;
  benchmark: { totalReturn: number; annualizedReturn: number; sharpeRatio: number; maxDrawdown: number };
}

/** Periods per year by timeframe: 252 trading days; intraday bars scaled by a 6.5-hour US session. */
export function periodsPerYearFor(timeframe: Timeframe): number {
  switch (timeframe) {
    case '1Min':
      return 252 * 390;
    case '5Min':
      return 252 * 78;
    case '15Min':
      return 252 * 26;
    case '30Min':
      return 252 * 13;
    case '1Hour':
      return 252 * 6.5;
    case '4Hour':
      return 252 * 1.625;
    case '1Day':
      return 252;
    case '1Week':
      return 52;
    case '1Month':
      return 12;
  }
}

/** Mean and sample standard deviation of the simple returns of a curve. */
function returnStats(curve: ArrayLike<number>): { mean: number; sd: number; downside: number; n: number } {
  const n = curve.length - 1;
  if (n < 1) return { mean: Number.NaN, sd: Number.NaN, downside: Number.NaN, n: 0 };
  let mean = 0;
  let downsideSq = 0;
  for (let i = 1; i <= n; i++) {
    const r = curve[i] / curve[i - 1] - 1;
    mean += r;
    if (r < 0) downsideSq += r * r;
  }
  mean /= n;
  let variance = 0;
  for (let i = 1; i <= n; i++) {
    const d = curve[i] / curve[i - 1] - 1 - mean;
    variance += d * d;
  }
  const sd = n > 1 ? Math.sqrt(variance / (n - 1)) : Number.NaN;
  return { mean, sd, downside: Math.sqrt(downsideSq / n), n };
}

function ratio(numerator: number, denominator: number): number {
  if (Number.isNaN(numerator) || Number.isNaN(denominator)) return Number.NaN;
  if (denominator === 0) return numerator > 0 ? Number.POSITIVE_INFINITY : numerator < 0 ? -Infinity : 0;
  return numerator / denominator;
}

/** Drawdown from the running peak at each point, as a fraction <= 0. */
export function drawdownCurve(curve: ArrayLike<number>): Float64Array {
  const out = new Float64Array(curve.length);
  let peak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < curve.length; i++) {
    if (curve[i] > peak) peak = curve[i];
    out[i] = peak > 0 ? curve[i] / peak - 1 : 0;
  }
  return out;
}

/** Max drawdown (positive fraction) and the longest underwater stretch in bars and days. */
export function drawdownStats(
  curve: ArrayLike<number>,
  timestamps?: ArrayLike<number>,
): { maxDrawdown: number; durationBars: number; durationDays: number } {
  let peak = Number.NEGATIVE_INFINITY;
  let peakIndex = 0;
  let maxDrawdown = 0;
  let durationBars = 0;
  let durationDays = 0;
  const consider = (end: number) => {
    const bars = end - peakIndex;
    if (bars > durationBars) {
      durationBars = bars;
      durationDays = timestamps ? (timestamps[end] - timestamps[peakIndex]) / MS_PER_DAY : bars;
    }
  };
  for (let i = 0; i < curve.length; i++) {
    const v = curve[i];
    if (v >= peak) {
      // Regained (or set) a peak: an underwater stretch, if any, ends here.
      if (i - peakIndex > 1) consider(i);
      peak = v;
      peakIndex = i;
    } else if (peak > 0) {
      const dd = (peak - v) / peak;
      if (dd > maxDrawdown) maxDrawdown = dd;
    }
  }
  const last = curve.length - 1;
  if (last > peakIndex) consider(last);
  return { maxDrawdown, durationBars, durationDays };
}

/**
 * Return/risk metrics of an equity curve. `initial` is the capital the returns are measured against
 * (default: the first point).
 */
export function curveMetrics(
  curve: ArrayLike<number>,
  periodsPerYear: number,
  timestamps?: ArrayLike<number>,
  initial: number = curve[0],
): CurveMetrics {
  const n = curve.length;
  const final = n > 0 ? curve[n - 1] : initial;
  const totalReturn = initial > 0 ? final / initial - 1 : Number.NaN;
  const { mean, sd, downside, n: periods } = returnStats(curve);
  const annualizedReturn =
    periods > 0 && initial > 0 && final > 0
      ? (final / initial) ** (periodsPerYear / periods) - 1
      : periods > 0 && final <= 0
        ? -1
        : Number.NaN;
  const root = Math.sqrt(periodsPerYear);
  const annualize = (x: number) => (Number.isFinite(x) ? x * root : x);
  const dd = drawdownStats(curve, timestamps);
  return {
    totalReturn,
    annualizedReturn,
    annualizedVolatility: sd * root,
    sharpeRatio: annualize(ratio(mean, sd)),
    sortinoRatio: annualize(ratio(mean, downside)),
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDurationBars: dd.durationBars,
    maxDrawdownDurationDays: dd.durationDays,
    calmarRatio: ratio(annualizedReturn, dd.maxDrawdown),
  };
}

/** Win rate, profit factor and average win/loss of closed round trips' net P&L. */
export function tradeMetrics(pnls: readonly number[]): TradeMetrics {
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  for (const pnl of pnls) {
    if (pnl > 0) {
      wins++;
      grossProfit += pnl;
    } else if (pnl < 0) {
      losses++;
      grossLoss -= pnl;
    }
  }
  return {
    tradeCount: pnls.length,
    winRate: pnls.length > 0 ? wins / pnls.length : Number.NaN,
    profitFactor: pnls.length > 0 ? ratio(grossProfit, grossLoss) : Number.NaN,
    averageWin: wins > 0 ? grossProfit / wins : 0,
    averageLoss: losses > 0 ? -grossLoss / losses : 0,
  };
}

/** Equal-weight buy-and-hold of several close series: each gets capital / k at the first close. */
export function buyAndHoldCurve(closes: readonly ArrayLike<number>[], capital: number): Float64Array {
  const n = closes.length > 0 ? closes[0].length : 0;
  const out = new Float64Array(n);
  const k = closes.length;
  for (let i = 0; i < n; i++) {
    let value = 0;
    for (let s = 0; s < k; s++) value += closes[s][i] / closes[s][0];
    out[i] = (capital * value) / k;
  }
  return out;
}
