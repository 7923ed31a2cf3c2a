import { WilderAverage } from './moving-averages.js';
import { checkPeriod, checkSameLength, nanArray } from './validate.js';

/**
 * Wilder's range and trend indicators. True range needs the previous close, so it (and everything built
 * on it) starts on the second bar: ATR's first value is the mean of the true ranges of bars 1..period
 * (bar index `period`), then Wilder smoothing; this matches TA-Lib and technicalindicators.
 */

/** True range: max(high - low, |high - previous close|, |low - previous close|); NaN on the first bar. */
export function trueRangeOf(high: number, low: number, previousClose: number): number {
  const range = high - low;
  const up = Math.abs(high - previousClose);
  const down = Math.abs(low - previousClose);
  return range >= up ? (range >= down ? range : down) : up >= down ? up : down;
}

/** Average True Range (Wilder). `trueRange` holds the latest bar's true range. */
export class Atr {
  readonly period: number;
  value = Number.NaN;
  trueRange = Number.NaN;
  private readonly average: WilderAverage;
  private previousClose = Number.NaN;

  constructor(period = 14) {
    this.period = checkPeriod('ATR', 'period', period);
    this.average = new WilderAverage(period);
  }

  get isReady(): boolean {
    return this.average.isReady;
  }

  update(high: number, low: number, close: number): number {
    const previousClose = this.previousClose;
    this.previousClose = close;
    if (Number.isNaN(previousClose)) return this.value;
    this.trueRange = trueRangeOf(high, low, previousClose);
    this.value = this.average.update(this.trueRange);
    return this.value;
  }

  reset(): void {
    this.average.reset();
    this.previousClose = Number.NaN;
    this.trueRange = Number.NaN;
    this.value = Number.NaN;
  }
}

/**
 * Average Directional Index (Wilder). From bar 1: +DM = up move if it exceeds the down move and is
 * positive, else 0 (and symmetrically -DM); TR, +DM and -DM are Wilder-smoothed (seeded with the mean of
 * their first `period` values), +DI = 100 * +DM / TR and -DI likewise (bar `period` onwards);
 * DX = 100 * |+DI - -DI| / (+DI + -DI) (0 when both are 0); ADX = Wilder average of DX, first on bar
 * 2 * period - 1. `update` returns ADX.
 */
export class Adx {
  readonly period: number;
  value = Number.NaN;
  adx = Number.NaN;
  plusDI = Number.NaN;
  minusDI = Number.NaN;
  dx = Number.NaN;
  private readonly trueRange: WilderAverage;
  private readonly plusDM: WilderAverage;
  private readonly minusDM: WilderAverage;
  private readonly adxAverage: WilderAverage;
  private previousHigh = Number.NaN;
  private previousLow = Number.NaN;
  private previousClose = Number.NaN;

  constructor(period = 14) {
    this.period = checkPeriod('ADX', 'period', period);
    this.trueRange = new WilderAverage(period);
    this.plusDM = new WilderAverage(period);
    this.minusDM = new WilderAverage(period);
    this.adxAverage = new WilderAverage(period);
  }

  get isReady(): boolean {
    return this.adxAverage.isReady;
  }

  update(high: number, low: number, close: number): number {
    const previousHigh = this.previousHigh;
    const previousLow = this.previousLow;
    const previousClose = this.previousClose;
    this.previousHigh = high;
    this.previousLow = low;
    this.previousClose = close;
    if (Number.isNaN(previousClose)) return this.value;
    const upMove = high - previousHigh;
    const downMove = previousLow - low;
    const tr = this.trueRange.update(trueRangeOf(high, low, previousClose));
    const plus = this.plusDM.update(upMove > downMove && upMove > 0 ? upMove : 0);
    const minus = this.minusDM.update(downMove > upMove && downMove > 0 ? downMove : 0);
    if (!this.trueRange.isReady) return this.value;
    this.plusDI = tr > 0 ? (100 * plus) / tr : 0;
    this.minusDI = tr > 0 ? (100 * minus) / tr : 0;
    const sum = this.plusDI + this.minusDI;
    this.dx = sum > 0 ? (100 * Math.abs(this.plusDI - this.minusDI)) / sum : 0;
    this.adx = this.adxAverage.update(this.dx);
    this.value = this.adx;
    return this.value;
  }

  reset(): void {
    this.trueRange.reset();
    this.plusDM.reset();
    this.minusDM.reset();
    this.adxAverage.reset();
    this.previousHigh = Number.NaN;
    this.previousLow = Number.NaN;
    this.previousClose = Number.NaN;
    this.value = Number.NaN;
    this.adx = Number.NaN;
    this.plusDI = Number.NaN;
    this.minusDI = Number.NaN;
    this.dx = Number.NaN;
  }
}

/** Batch true range (NaN on the first bar, which has no previous close). */
export function trueRange(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
): Float64Array {
  const n = checkSameLength('true range', high, low, close);
  const out = nanArray(n);
  for (let i = 1; i < n; i++) out[i] = trueRangeOf(high[i], low[i], close[i - 1]);
  return out;
}

export function atr(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period = 14,
): Float64Array {
  const n = checkSameLength('ATR', high, low, close);
  const indicator = new Atr(period);
  const out = nanArray(n);
  for (let i = 0; i < n; i++) out[i] = indicator.update(high[i], low[i], close[i]);
  return out;
}

export interface AdxResult {
  adx: Float64Array;
  plusDI: Float64Array;
  minusDI: Float64Array;
}

export function adx(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period = 14,
): AdxResult {
  const n = checkSameLength('ADX', high, low, close);
  const indicator = new Adx(period);
  const out: AdxResult = { adx: nanArray(n), plusDI: nanArray(n), minusDI: nanArray(n) };
  for (let i = 0; i < n; i++) {
    indicator.update(high[i], low[i], close[i]);
    out.adx[i] = indicator.adx;
    out.plusDI[i] = indicator.plusDI;
    out.minusDI[i] = indicator.minusDI;
  }
  return out;
}
