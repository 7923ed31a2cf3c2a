import { ValidationError } from '../core/errors.js';
import { Ema } from './moving-averages.js';
import { checkPeriod, nanArray } from './validate.js';

/**
 * MACD (Appel): line = EMA(fast) - EMA(slow) of closes; signal = EMA(signal) of the line; histogram =
 * line - signal. EMAs are SMA-seeded, so the line appears on bar slow - 1 and the signal and histogram on
 * bar slow + signal - 2. `update` returns the line.
 */
export class Macd {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  /** The MACD line (same as `macd`). */
  value = Number.NaN;
  macd = Number.NaN;
  signal = Number.NaN;
  histogram = Number.NaN;
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly signalEma: Ema;

  constructor(fastPeriod = 12, slowPeriod = 26, signalPeriod = 9) {
    checkPeriod('MACD', 'fastPeriod', fastPeriod);
    checkPeriod('MACD', 'slowPeriod', slowPeriod);
    checkPeriod('MACD', 'signalPeriod', signalPeriod);
    if (fastPeriod >= slowPeriod) {
      throw new ValidationError(
        `MACD: fastPeriod (${fastPeriod}) must be less than slowPeriod (${slowPeriod})`,
        { field: 'fastPeriod' },
      );
    }
    this.fastPeriod = fastPeriod;
    this.slowPeriod = slowPeriod;
    this.signalPeriod = signalPeriod;
    this.fast = new Ema(fastPeriod);
    this.slow = new Ema(slowPeriod);
    this.signalEma = new Ema(signalPeriod);
  }

  /** True once the signal line (and so the histogram) exists. */
  get isReady(): boolean {
    return this.signalEma.isReady;
  }

  update(close: number): number {
    const fast = this.fast.update(close);
    const slow = this.slow.update(close);
    if (!this.slow.isReady) return this.value;
    this.macd = fast - slow;
    this.value = this.macd;
    this.signal = this.signalEma.update(this.macd);
    this.histogram = this.macd - this.signal;
    return this.value;
  }

  reset(): void {
    this.fast.reset();
    this.slow.reset();
    this.signalEma.reset();
    this.value = Number.NaN;
    this.macd = Number.NaN;
    this.signal = Number.NaN;
    this.histogram = Number.NaN;
  }
}

export interface MacdResult {
  macd: Float64Array;
  signal: Float64Array;
  histogram: Float64Array;
}

/** Batch MACD; each column is NaN until it exists. */
export function macd(
  close: ArrayLike<number>,
  fastPeriod = 12,
  slowPeriod = 26,
  signalPeriod = 9,
): MacdResult {
  const indicator = new Macd(fastPeriod, slowPeriod, signalPeriod);
  const n = close.length;
  const result = { macd: nanArray(n), signal: nanArray(n), histogram: nanArray(n) };
  for (let i = 0; i < n; i++) {
    indicator.update(close[i]);
    result.macd[i] = indicator.macd;
    result.signal[i] = indicator.signal;
    result.histogram[i] = indicator.histogram;
  }
  return result;
}
