import { checkPeriod, nanArray } from './validate.js';

/**
 * Rate of change over `period` bars as a fraction: x[t] / x[t - period] - 1 (0.05 = +5%; multiply by
 * 100 for the percent form some charting packages show). First value on bar index `period`.
 */
export class Roc {
  readonly period: number;
  value = Number.NaN;
  private readonly window: Float64Array;
  private next = 0;
  private count = 0;

  constructor(period: number) {
    this.period = checkPeriod('ROC', 'period', period);
    // period + 1 values: the current one and the one `period` bars back.
    this.window = new Float64Array(period + 1);
  }

  get isReady(): boolean {
    return this.count > this.period;
  }

  update(x: number): number {
    this.window[this.next] = x;
    if (++this.next === this.window.length) this.next = 0;
    if (this.count <= this.period) this.count++;
    // After the write, `next` points at the oldest value in a full window.
    this.value = this.count > this.period ? x / this.window[this.next] - 1 : Number.NaN;
    return this.value;
  }

  reset(): void {
    this.window.fill(0);
    this.next = 0;
    this.count = 0;
    this.value = Number.NaN;
  }
}

export function roc(values: ArrayLike<number>, period: number): Float64Array {
  const indicator = new Roc(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}
