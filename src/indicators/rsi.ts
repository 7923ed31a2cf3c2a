import { checkPeriod, nanArray } from './validate.js';

/**
 * Relative Strength Index (Wilder, 1978). Gains and losses of close-to-close changes are averaged with
 * Wilder's smoothing, seeded with the plain mean of the first `period` changes, so the first RSI appears
 * on bar index `period` (the period-th change). RSI = 100 - 100 / (1 + avgGain / avgLoss); 100 when there
 * were no losses, 50 when the price did not move at all over the seed and since.
 */
export class Rsi {
  readonly period: number;
  value = Number.NaN;
  /** Wilder-smoothed average gain and loss (both >= 0), NaN during warm-up. */
  averageGain = Number.NaN;
  averageLoss = Number.NaN;
  private previous = Number.NaN;
  private changes = 0;
  private gainSum = 0;
  private lossSum = 0;

  constructor(period = 14) {
    this.period = checkPeriod('RSI', 'period', period);
  }

  get isReady(): boolean {
    return this.changes >= this.period;
  }

  update(close: number): number {
    const previous = this.previous;
    this.previous = close;
    if (Number.isNaN(previous)) return this.value;
    const change = close - previous;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    const period = this.period;
    if (this.changes < period) {
      this.changes++;
      this.gainSum += gain;
      this.lossSum += loss;
      if (this.changes < period) return this.value;
      this.averageGain = this.gainSum / period;
      this.averageLoss = this.lossSum / period;
    } else {
      this.averageGain = (this.averageGain * (period - 1) + gain) / period;
      this.averageLoss = (this.averageLoss * (period - 1) + loss) / period;
    }
    if (this.averageLoss === 0) this.value = this.averageGain === 0 ? 50 : 100;
    else this.value = 100 - 100 / (1 + this.averageGain / this.averageLoss);
    return this.value;
  }

  reset(): void {
    this.previous = Number.NaN;
    this.changes = 0;
    this.gainSum = 0;
    this.lossSum = 0;
    this.averageGain = Number.NaN;
    this.averageLoss = Number.NaN;
    this.value = Number.NaN;
  }
}

/** Batch RSI; NaN for the first `period` bars. */
export function rsi(close: ArrayLike<number>, period = 14): Float64Array {
  const indicator = new Rsi(period);
  const out = nanArray(close.length);
  for (let i = 0; i < close.length; i++) out[i] = indicator.update(close[i]);
  return out;
}
