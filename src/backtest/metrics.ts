import { type Annualisation, MS_PER_YEAR, nominalPeriodsPerYear } from '../core/calendar.js';
import {
  annualisedGrowth,
  annualisedRatio,
  drawdownStats,
  returnMoments,
  safeRatio,
} from '../core/performance.js';
import type { Timeframe } from '../core/timeframe.js';

// The curve figures live in src/core/performance.ts (one implementation for every capability and face);
// re-exported here, where backtest users have always found them.
export { drawdownCurve, drawdownStats } from '../core/performance.js';

/**
 * Performance statistics of an equity curve and its trades. Conventions (documented because every tool
 * differs slightly; the formulas and edge cases are those of src/core/performance.ts):
 * - Per-period returns are simple returns r_i = e_i / e_{i-1} - 1 of the curve (one per bar after the
 *   first); returns are measured against the initial capital.
 * - Periods per year come from the time model (src/core/calendar.ts): measured from the timestamps when
 *   the run spans a year or more, else the nominal count of the inferred market calendar; stated in
 *   `annualisation`.
 * - Annualised return = (final / initial)^(1 / years) - 1 over the elapsed calendar years (geometric).
 * - Volatility is the sample standard deviation (n - 1) of r, times sqrt(periodsPerYear).
 * - Sharpe = mean(r) / sd(r) * sqrt(periodsPerYear), risk-free rate 0.
 * - Sortino = mean(r) / sqrt(mean(min(r, 0)^2)) * sqrt(periodsPerYear) (downside deviation over all periods).
 * - A zero deviation gives 0 with a zero mean and +-Infinity otherwise (JSON: null).
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
  /** Interest paid on negative cash over the run (see BacktestOptions.marginInterestRate). */
  marginInterest: number;
  /** Borrow fees paid on short market value over the run (see BacktestOptions.borrowFeeRate). */
  borrowFees: number;
  /** marginInterest + borrowFees: what leverage and shorts cost; already taken out of cash and equity. */
  financingCost: number;
  periodsPerYear: number;
  /** How periods per year and years were obtained (the convention printed with the metrics). */
  annualisation: Annualisation;
  /** The same curve measures for equal-weight buy-and-hold of the traded symbols (same capital). */
  benchmark: CurveMetrics;
}

/**
 * Nominal periods per year of a timeframe on the US equity calendar (252 sessions of 6.5 hours). Kept for
 * callers that want that convention by name; backtests measure it from the timestamps
 * (`annualisationOf`, src/core/calendar.ts).
 */
export function periodsPerYearFor(timeframe: Timeframe): number {
  return nominalPeriodsPerYear('us-equity', timeframe);
}

/**
 * Return/risk metrics of an equity curve. `annualisation` is the time model's verdict for the curve's
 * timestamps (or a bare periods-per-year number). Annual return compounds over elapsed calendar time:
 * the annualisation's `years`, else the timestamps' span, else periods / periodsPerYear when there are no
 * timestamps. `initial` is the capital the returns are measured against (default: the first point).
 */
export function curveMetrics(
  curve: ArrayLike<number>,
  annualisation: number | Pick<Annualisation, 'periodsPerYear' | 'years'>,
  timestamps?: ArrayLike<number>,
  initial: number = curve[0],
): CurveMetrics {
  const n = curve.length;
  const final = n > 0 ? curve[n - 1] : initial;
  const totalReturn = initial > 0 ? final / initial - 1 : Number.NaN;
  const moments = returnMoments(curve);
  const periodsPerYear = typeof annualisation === 'number' ? annualisation : annualisation.periodsPerYear;
  const years =
    typeof annualisation !== 'number'
      ? annualisation.years
      : timestamps && timestamps.length > 1
        ? (timestamps[timestamps.length - 1] - timestamps[0]) / MS_PER_YEAR
        : moments.count / periodsPerYear;
  const annualizedReturn = moments.count > 0 ? annualisedGrowth(initial, final, years) : Number.NaN;
  const dd = drawdownStats(curve, timestamps);
  return {
    totalReturn,
    annualizedReturn,
    annualizedVolatility: moments.sd * Math.sqrt(periodsPerYear),
    sharpeRatio: annualisedRatio(moments.mean, moments.sd, periodsPerYear),
    sortinoRatio: annualisedRatio(moments.mean, moments.downsideDeviation, periodsPerYear),
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownDurationBars: dd.durationBars,
    maxDrawdownDurationDays: dd.durationDays,
    calmarRatio: safeRatio(annualizedReturn, dd.maxDrawdown),
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
    profitFactor: pnls.length > 0 ? safeRatio(grossProfit, grossLoss) : Number.NaN,
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
