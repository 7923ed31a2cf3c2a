import { MS_PER_DAY } from './time.js';

/**
 * The performance figures of a value curve (equity, holdings value, a price), in ONE place: the backtest
 * metrics, the shared Portfolio, the risk report, walk-forward and every face compute them here, so a
 * Sharpe ratio or a drawdown means the same thing, edge cases included, wherever it is printed.
 *
 * Conventions:
 * - Per-period returns are simple returns r_i = v_i / v_(i-1) - 1 (one per point after the first).
 * - The mean is arithmetic; the standard deviation is the sample one (divisor n - 1), so it needs at
 *   least two returns (fewer: NaN).
 * - Sharpe = mean(r) / sd(r) x sqrt(periodsPerYear), risk-free rate 0.
 * - Sortino = mean(r) / dd x sqrt(periodsPerYear), with the downside deviation dd = sqrt(mean(min(r, 0)^2))
 *   taken over ALL periods (the Sortino-Price definition; zero-return periods count as no downside).
 * - A ratio whose deviation is exactly 0 is 0 when its mean is 0 (a flat curve: no return, no risk),
 *   +Infinity when the mean is positive and -Infinity when it is negative (return without any measured
 *   risk; JSON shows it as null). NaN in, NaN out.
 * - Drawdown is measured from the running peak as a fraction (a positive number for the max); points
 *   before the curve has been above zero have no drawdown (a fall from a peak at or below zero is not a
 *   percentage of anything).
 */

/** Mean, sample standard deviation and downside deviation of the simple returns of a curve. */
export interface ReturnMoments {
  /** Number of returns (points - 1). */
  count: number;
  mean: number;
  /** Sample standard deviation (n - 1); NaN with fewer than two returns. */
  sd: number;
  /** sqrt(mean(min(r, 0)^2)) over all periods; NaN with no returns. */
  downsideDeviation: number;
}

/** Simple returns of a value curve (length = points - 1). */
export function simpleReturns(curve: ArrayLike<number>): Float64Array {
  const n = Math.max(0, curve.length - 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = curve[i + 1] / curve[i] - 1;
  return out;
}

/** Scratch for the returns of the last curve (grown as needed), so each return is divided once. */
let scratch = new Float64Array(0);

/** Moments of the simple returns of a curve, in two passes (each return computed once). */
export function returnMoments(curve: ArrayLike<number>): ReturnMoments {
  const n = curve.length - 1;
  if (n < 1) return { count: 0, mean: Number.NaN, sd: Number.NaN, downsideDeviation: Number.NaN };
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  const r = scratch;
  let mean = 0;
  let downsideSq = 0;
  let previous = curve[0];
  for (let i = 0; i < n; i++) {
    const next = curve[i + 1];
    const x = next / previous - 1;
    previous = next;
    r[i] = x;
    mean += x;
    if (x < 0) downsideSq += x * x;
  }
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    const d = r[i] - mean;
    variance += d * d;
  }
  return {
    count: n,
    mean,
    sd: n > 1 ? Math.sqrt(variance / (n - 1)) : Number.NaN,
    downsideDeviation: Math.sqrt(downsideSq / n),
  };
}

/**
 * numerator / denominator with the module's convention for a zero denominator: 0 when the numerator is
 * 0, +-Infinity with the numerator's sign otherwise; NaN if either is NaN.
 */
export function safeRatio(numerator: number, denominator: number): number {
  if (Number.isNaN(numerator) || Number.isNaN(denominator)) return Number.NaN;
  if (denominator === 0) {
    if (numerator === 0) return 0;
    return numerator > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
  return numerator / denominator;
}

/** Per-period mean / deviation, annualised by sqrt(periodsPerYear) (infinities stay infinite). */
export function annualisedRatio(mean: number, deviation: number, periodsPerYear: number): number {
  const perPeriod = safeRatio(mean, deviation);
  return Number.isFinite(perPeriod) ? perPeriod * Math.sqrt(periodsPerYear) : perPeriod;
}

/** Annualised Sharpe ratio of a value curve (risk-free rate 0). */
export function sharpeRatio(curve: ArrayLike<number>, periodsPerYear: number): number {
  const m = returnMoments(curve);
  return annualisedRatio(m.mean, m.sd, periodsPerYear);
}

/** Annualised Sortino ratio of a value curve (target 0, downside deviation over all periods). */
export function sortinoRatio(curve: ArrayLike<number>, periodsPerYear: number): number {
  const m = returnMoments(curve);
  return annualisedRatio(m.mean, m.downsideDeviation, periodsPerYear);
}

/**
 * Compound annual growth: (final / initial)^(1 / years) - 1 over `years` of elapsed calendar time.
 * A curve that ends at or below zero lost everything (-1); no elapsed time or no positive start: NaN.
 */
export function annualisedGrowth(initial: number, final: number, years: number): number {
  if (!(years > 0) || !(initial > 0) || Number.isNaN(final)) return Number.NaN;
  if (final <= 0) return -1;
  return (final / initial) ** (1 / years) - 1;
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

/** Max drawdown (positive fraction) and the longest underwater stretch in bars and calendar days. */
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

/** Largest peak-to-trough fall of a curve, as a positive fraction (0 for a curve that never falls). */
export function maxDrawdown(curve: ArrayLike<number>): number {
  return drawdownStats(curve).maxDrawdown;
}

/** Drawdown of the last point from the running peak, as a positive fraction (0 at a new high). */
export function currentDrawdown(curve: ArrayLike<number>): number {
  let peak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < curve.length; i++) if (curve[i] > peak) peak = curve[i];
  const last = curve[curve.length - 1];
  return curve.length === 0 || !(peak > 0) ? 0 : Math.max(0, (peak - last) / peak);
}
