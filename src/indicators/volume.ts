import { checkPeriod, checkSameLength, nanArray } from './validate.js';

/**
 * Volume indicators.
 *
 * OBV starts at 0 on the first bar (there is no previous close to compare with) and then adds the bar's
 * volume on an up close, subtracts it on a down close and leaves it on an unchanged close. (The
 * technicalindicators package omits the first bar instead, so its i-th value is our (i+1)-th.)
 *
 * VWAP uses the typical price (high + low + close) / 3. The cumulative form accumulates from the first
 * bar (or the last `reset()`, e.g. at a session open); the rolling form covers the last `period` bars.
 * Both are NaN while the volume summed so far is zero (e.g. close-only data with no volume).
 */

export class Obv {
  value = Number.NaN;
  private previousClose = Number.NaN;

  get isReady(): boolean {
    return !Number.isNaN(this.value);
  }

  update(close: number, volume: number): number {
    const previous = this.previousClose;
    this.previousClose = close;
    if (Number.isNaN(previous)) this.value = 0;
    else if (close > previous) this.value += volume;
    else if (close < previous) this.value -= volume;
    return this.value;
  }

  reset(): void {
    this.previousClose = Number.NaN;
    this.value = Number.NaN;
  }
}

export class Vwap {
  value = Number.NaN;
  private priceVolume = 0;
  private totalVolume = 0;

  get isReady(): boolean {
    return this.totalVolume > 0;
  }

  update(high: number, low: number, close: number, volume: number): number {
    this.priceVolume += ((high + low + close) / 3) * volume;
    this.totalVolume += volume;
    this.value = this.totalVolume > 0 ? this.priceVolume / this.totalVolume : Number.NaN;
    return this.value;
  }

  reset(): void {
    this.priceVolume = 0;
    this.totalVolume = 0;
    this.value = Number.NaN;
  }
}

export class RollingVwap {
  readonly period: number;
  value = Number.NaN;
  private readonly priceVolumes: Float64Array;
  private readonly volumes: Float64Array;
  private next = 0;
  private count = 0;
  private priceVolume = 0;
  private totalVolume = 0;
  /** Bars in the window with volume > 0: when none, the running sums are reset to exactly 0. */
  private tradedBars = 0;

  constructor(period: number) {
    this.period = checkPeriod('rolling VWAP', 'period', period);
    this.priceVolumes = new Float64Array(period);
    this.volumes = new Float64Array(period);
  }

  get isReady(): boolean {
    return this.count >= this.period && this.tradedBars > 0;
  }

  update(high: number, low: number, close: number, volume: number): number {
    const pv = ((high + low + close) / 3) * volume;
    if (this.count < this.period) {
      this.count++;
      this.priceVolume += pv;
      this.totalVolume += volume;
    } else {
      this.priceVolume += pv - this.priceVolumes[this.next];
      this.totalVolume += volume - this.volumes[this.next];
      if (this.volumes[this.next] > 0) this.tradedBars--;
    }
    if (volume > 0) this.tradedBars++;
    if (this.tradedBars === 0) {
      // Subtraction leaves rounding residue; a window without volume has exactly none.
      this.priceVolume = 0;
      this.totalVolume = 0;
    }
    this.priceVolumes[this.next] = pv;
    this.volumes[this.next] = volume;
    if (++this.next === this.period) this.next = 0;
    this.value =
      this.count >= this.period && this.tradedBars > 0 ? this.priceVolume / this.totalVolume : Number.NaN;
    return this.value;
  }

  reset(): void {
    this.priceVolumes.fill(0);
    this.volumes.fill(0);
    this.next = 0;
    this.count = 0;
    this.priceVolume = 0;
    this.totalVolume = 0;
    this.tradedBars = 0;
    this.value = Number.NaN;
  }
}

export function obv(close: ArrayLike<number>, volume: ArrayLike<number>): Float64Array {
  const n = checkSameLength('OBV', close, volume);
  const indicator = new Obv();
  const out = nanArray(n);
  for (let i = 0; i < n; i++) out[i] = indicator.update(close[i], volume[i]);
  return out;
}

export function vwap(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  volume: ArrayLike<number>,
): Float64Array {
  const n = checkSameLength('VWAP', high, low, close, volume);
  const indicator = new Vwap();
  const out = nanArray(n);
  for (let i = 0; i < n; i++) out[i] = indicator.update(high[i], low[i], close[i], volume[i]);
  return out;
}

export function rollingVwap(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  volume: ArrayLike<number>,
  period: number,
): Float64Array {
  const n = checkSameLength('rolling VWAP', high, low, close, volume);
  const indicator = new RollingVwap(period);
  const out = nanArray(n);
  for (let i = 0; i < n; i++) out[i] = indicator.update(high[i], low[i], close[i], volume[i]);
  return out;
}
