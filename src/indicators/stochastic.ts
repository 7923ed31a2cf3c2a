import { RollingMax, RollingMin } from './extremes.js';
import { Sma } from './moving-averages.js';
import { checkPeriod, checkSameLength, nanArray } from './validate.js';

/**
 * Stochastic oscillator (Lane), the "fast" form: %K = 100 * (close - lowest low) / (highest high -
 * lowest low) over `period` bars (current included); %D = SMA(signalPeriod) of %K. When the range is zero
 * (a flat window) %K is 50, the middle of an empty range. Highs and lows come from monotonic deques, so an
 * update is O(1) amortised. `update` returns %K.
 */
export class Stochastic {
  readonly period: number;
  readonly signalPeriod: number;
  value = Number.NaN;
  k = Number.NaN;
  d = Number.NaN;
  private readonly highest: RollingMax;
  private readonly lowest: RollingMin;
  private readonly signal: Sma;

  constructor(period = 14, signalPeriod = 3) {
    this.period = checkPeriod('Stochastic', 'period', period);
    this.signalPeriod = checkPeriod('Stochastic', 'signalPeriod', signalPeriod);
    this.highest = new RollingMax(period);
    this.lowest = new RollingMin(period);
    this.signal = new Sma(signalPeriod);
  }

  get isReady(): boolean {
    return this.signal.isReady;
  }

  update(high: number, low: number, close: number): number {
    const highest = this.highest.update(high);
    const lowest = this.lowest.update(low);
    if (!this.highest.isReady) return this.value;
    const range = highest - lowest;
    this.k = range > 0 ? (100 * (close - lowest)) / range : 50;
    this.d = this.signal.update(this.k);
    this.value = this.k;
    return this.value;
  }

  reset(): void {
    this.highest.reset();
    this.lowest.reset();
    this.signal.reset();
    this.value = Number.NaN;
    this.k = Number.NaN;
    this.d = Number.NaN;
  }
}

export interface StochasticResult {
  k: Float64Array;
  d: Float64Array;
}

export function stochastic(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period = 14,
  signalPeriod = 3,
): StochasticResult {
  const n = checkSameLength('Stochastic', high, low, close);
  const indicator = new Stochastic(period, signalPeriod);
  const out: StochasticResult = { k: nanArray(n), d: nanArray(n) };
  for (let i = 0; i < n; i++) {
    indicator.update(high[i], low[i], close[i]);
    out.k[i] = indicator.k;
    out.d[i] = indicator.d;
  }
  return out;
}
