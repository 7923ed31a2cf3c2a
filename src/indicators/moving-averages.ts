import { checkPeriod, nanArray } from './validate.js';

/**
 * Moving averages: simple (SMA), exponential (EMA), Wilder's (RMA) and linearly weighted (WMA).
 *
 * Conventions shared by every indicator in this folder:
 * - Streaming form: `update(x)` consumes one bar in O(1) without allocating and returns the new value,
 *   or NaN until the indicator has seen enough bars (`isReady`). `value` repeats the last result and
 *   `reset()` forgets all history.
 * - Batch form: takes Float64Arrays and returns Float64Array(s) of the same length, NaN during warm-up.
 *   It runs the streaming form, so both always agree.
 * - Inputs must be finite: a NaN fed to a running-sum indicator stays in its sums until `reset()`.
 */

/** Simple moving average over the last `period` values (ring buffer + running sum). */
export class Sma {
  readonly period: number;
  value = Number.NaN;
  private readonly window: Float64Array;
  private next = 0;
  private count = 0;
  private sum = 0;

  constructor(period: number) {
    this.period = checkPeriod('SMA', 'period', period);
    this.window = new Float64Array(period);
  }

  get isReady(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    if (this.count < this.period) {
      this.count++;
      this.sum += x;
    } else {
      this.sum += x - this.window[this.next];
    }
    this.window[this.next] = x;
    if (++this.next === this.period) this.next = 0;
    this.value = this.count === this.period ? this.sum / this.period : Number.NaN;
    return this.value;
  }

  reset(): void {
    this.window.fill(0);
    this.next = 0;
    this.count = 0;
    this.sum = 0;
    this.value = Number.NaN;
  }
}

/**
 * Exponential smoothing seeded with the SMA of the first `period` values, then
 * `value += alpha * (x - value)`. The first value appears on the `period`-th input, which is the
 * convention of TA-Lib, technicalindicators and most charting packages.
 */
class SeededExponentialAverage {
  readonly period: number;
  readonly alpha: number;
  value = Number.NaN;
  private count = 0;
  private seedSum = 0;

  constructor(period: number, alpha: number) {
    this.period = period;
    this.alpha = alpha;
  }

  get isReady(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    if (this.count >= this.period) {
      this.value += this.alpha * (x - this.value);
      return this.value;
    }
    this.count++;
    this.seedSum += x;
    if (this.count === this.period) this.value = this.seedSum / this.period;
    return this.value;
  }

  reset(): void {
    this.count = 0;
    this.seedSum = 0;
    this.value = Number.NaN;
  }
}

/** Exponential moving average, alpha = 2 / (period + 1), seeded with the SMA of the first period. */
export class Ema extends SeededExponentialAverage {
  constructor(period: number) {
    checkPeriod('EMA', 'period', period);
    super(period, 2 / (period + 1));
  }
}

/**
 * Wilder's moving average (RMA / SMMA), alpha = 1 / period, seeded with the SMA of the first period:
 * `avg = (avg * (period - 1) + x) / period`. RSI, ATR and ADX smooth with it.
 */
export class WilderAverage extends SeededExponentialAverage {
  constructor(period: number) {
    checkPeriod('Wilder average', 'period', period);
    super(period, 1 / period);
  }

  override update(x: number): number {
    if (!this.isReady) return super.update(x);
    // Wilder's own form; algebraically the EMA update with alpha = 1/period, kept for bit-compatibility.
    this.value = (this.value * (this.period - 1) + x) / this.period;
    return this.value;
  }
}

/**
 * Linearly weighted moving average: weights 1..period, the newest bar weighing `period`. O(1) per bar
 * from a running sum S and weighted sum W: when x enters and the oldest leaves, W' = W - S + period*x.
 */
export class Wma {
  readonly period: number;
  value = Number.NaN;
  private readonly window: Float64Array;
  private readonly denominator: number;
  private next = 0;
  private count = 0;
  private sum = 0;
  private weightedSum = 0;

  constructor(period: number) {
    this.period = checkPeriod('WMA', 'period', period);
    this.window = new Float64Array(period);
    this.denominator = (period * (period + 1)) / 2;
  }

  get isReady(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    if (this.count < this.period) {
      this.count++;
      // While filling, the k-th value will carry weight k once the window is full.
      this.weightedSum += this.count * x;
      this.sum += x;
    } else {
      this.weightedSum += this.period * x - this.sum;
      this.sum += x - this.window[this.next];
    }
    this.window[this.next] = x;
    if (++this.next === this.period) this.next = 0;
    this.value = this.count === this.period ? this.weightedSum / this.denominator : Number.NaN;
    return this.value;
  }

  reset(): void {
    this.window.fill(0);
    this.next = 0;
    this.count = 0;
    this.sum = 0;
    this.weightedSum = 0;
    this.value = Number.NaN;
  }
}

// Each batch function has its own loop so its `update` call site stays monomorphic (fast).

/** Batch SMA: `sma(close, 20)`; NaN for the first period - 1 bars. */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  const indicator = new Sma(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}

/** Batch EMA (SMA seed); NaN for the first period - 1 bars. */
export function ema(values: ArrayLike<number>, period: number): Float64Array {
  const indicator = new Ema(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}

/** Batch Wilder average (SMA seed); NaN for the first period - 1 bars. */
export function wilderAverage(values: ArrayLike<number>, period: number): Float64Array {
  const indicator = new WilderAverage(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}

/** Batch WMA; NaN for the first period - 1 bars. */
export function wma(values: ArrayLike<number>, period: number): Float64Array {
  const indicator = new Wma(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}
