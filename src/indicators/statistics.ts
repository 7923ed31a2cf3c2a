import { ValidationError } from '../core/errors.js';
import { checkPeriod, nanArray } from './validate.js';

/**
 * Rolling mean and variance over a fixed window, updated in O(1) with centred moments rather than raw
 * sums of squares (which lose most of their digits when prices are large and moves small). When a value
 * x_new replaces x_old in a full window of n:
 *   mean' = mean + (x_new - x_old) / n
 *   M2'   = M2 + (x_new - mean)(x_new - mean') - (x_old - mean)(x_old - mean')
 * Rounding drift is removed by recomputing M2 exactly from the window every few thousand updates
 * (amortised O(1)).
 */
const RESYNC_EVERY = 4096;

/** ddof = 0: population variance (divide by n) - the default, as in Bollinger's definition. ddof = 1: sample. */
export type Ddof = 0 | 1;

export class RollingMoments {
  readonly period: number;
  mean = Number.NaN;
  protected m2 = 0;
  protected readonly window: Float64Array;
  protected next = 0;
  protected count = 0;
  private sinceResync = 0;

  constructor(period: number) {
    this.period = period;
    this.window = new Float64Array(period);
  }

  get isReady(): boolean {
    return this.count >= this.period;
  }

  /** Sum of squared deviations from the mean over the window. */
  get sumSquaredDeviations(): number {
    return this.m2 > 0 ? this.m2 : 0;
  }

  push(x: number): void {
    if (this.count < this.period) {
      // Welford's running update while the window fills.
      this.count++;
      const mean = this.count === 1 ? 0 : this.mean;
      const delta = x - mean;
      const newMean = mean + delta / this.count;
      this.m2 += delta * (x - newMean);
      this.mean = newMean;
    } else {
      const old = this.window[this.next];
      const mean = this.mean;
      const newMean = mean + (x - old) / this.period;
      this.m2 += (x - mean) * (x - newMean) - (old - mean) * (old - newMean);
      this.mean = newMean;
      if (++this.sinceResync >= RESYNC_EVERY) {
        this.window[this.next] = x;
        this.resync();
      }
    }
    this.window[this.next] = x;
    if (++this.next === this.period) this.next = 0;
  }

  private resync(): void {
    this.sinceResync = 0;
    const n = this.period;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.window[i];
    const mean = sum / n;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const d = this.window[i] - mean;
      m2 += d * d;
    }
    this.mean = mean;
    this.m2 = m2;
  }

  variance(ddof: Ddof): number {
    if (this.count < this.period) return Number.NaN;
    return this.sumSquaredDeviations / (this.period - ddof);
  }

  reset(): void {
    this.window.fill(0);
    this.next = 0;
    this.count = 0;
    this.sinceResync = 0;
    this.mean = Number.NaN;
    this.m2 = 0;
  }
}

function checkDdof(indicator: string, ddof: number, period: number): Ddof {
  if (ddof !== 0 && ddof !== 1) {
    throw new ValidationError(`${indicator}: ddof must be 0 (population) or 1 (sample), got ${ddof}`, {
      field: 'ddof',
    });
  }
  if (ddof === 1 && period < 2) {
    throw new ValidationError(`${indicator}: the sample standard deviation needs period >= 2`, {
      field: 'period',
    });
  }
  return ddof;
}

/**
 * Rolling standard deviation over `period` values. Population (ddof 0) by default; pass ddof 1 for the
 * sample standard deviation. `mean` is the rolling mean of the same window.
 */
export class RollingStd {
  readonly period: number;
  readonly ddof: Ddof;
  value = Number.NaN;
  private readonly moments: RollingMoments;

  constructor(period: number, ddof: Ddof = 0) {
    this.period = checkPeriod('rolling std', 'period', period);
    this.ddof = checkDdof('rolling std', ddof, period);
    this.moments = new RollingMoments(period);
  }

  get isReady(): boolean {
    return this.moments.isReady;
  }

  get mean(): number {
    return this.moments.isReady ? this.moments.mean : Number.NaN;
  }

  get variance(): number {
    return this.moments.variance(this.ddof);
  }

  update(x: number): number {
    this.moments.push(x);
    this.value = this.moments.isReady ? Math.sqrt(this.moments.variance(this.ddof)) : Number.NaN;
    return this.value;
  }

  reset(): void {
    this.moments.reset();
    this.value = Number.NaN;
  }
}

/**
 * Rolling z-score of the latest value against its own window (which includes it):
 * z = (x - mean) / std, population std by default. 0 when the window is flat (x equals the mean).
 */
export class ZScore {
  readonly period: number;
  readonly ddof: Ddof;
  value = Number.NaN;
  mean = Number.NaN;
  std = Number.NaN;
  private readonly moments: RollingMoments;

  constructor(period: number, ddof: Ddof = 0) {
    this.period = checkPeriod('z-score', 'period', period);
    this.ddof = checkDdof('z-score', ddof, period);
    this.moments = new RollingMoments(period);
  }

  get isReady(): boolean {
    return this.moments.isReady;
  }

  update(x: number): number {
    this.moments.push(x);
    if (!this.moments.isReady) return this.value;
    this.mean = this.moments.mean;
    this.std = Math.sqrt(this.moments.variance(this.ddof));
    this.value = this.std > 0 ? (x - this.mean) / this.std : 0;
    return this.value;
  }

  reset(): void {
    this.moments.reset();
    this.value = Number.NaN;
    this.mean = Number.NaN;
    this.std = Number.NaN;
  }
}

/**
 * Bollinger Bands: middle = SMA(period), upper/lower = middle +/- k * population std (Bollinger's own
 * definition), bandwidth = (upper - lower) / middle, %b = (x - lower) / (upper - lower) (0.5 when the
 * bands collapse to a line). `update` returns the middle band.
 */
export class BollingerBands {
  readonly period: number;
  readonly k: number;
  value = Number.NaN;
  middle = Number.NaN;
  upper = Number.NaN;
  lower = Number.NaN;
  bandwidth = Number.NaN;
  percentB = Number.NaN;
  private readonly moments: RollingMoments;

  constructor(period = 20, k = 2) {
    this.period = checkPeriod('Bollinger Bands', 'period', period);
    if (!Number.isFinite(k) || k <= 0) {
      throw new ValidationError(`Bollinger Bands: k must be a positive number, got ${k}`, { field: 'k' });
    }
    this.k = k;
    this.moments = new RollingMoments(period);
  }

  get isReady(): boolean {
    return this.moments.isReady;
  }

  update(x: number): number {
    this.moments.push(x);
    if (!this.moments.isReady) return this.value;
    const middle = this.moments.mean;
    const width = this.k * Math.sqrt(this.moments.variance(0));
    this.middle = middle;
    this.upper = middle + width;
    this.lower = middle - width;
    this.bandwidth = (this.upper - this.lower) / middle;
    this.percentB = width > 0 ? (x - this.lower) / (this.upper - this.lower) : 0.5;
    this.value = middle;
    return middle;
  }

  reset(): void {
    this.moments.reset();
    this.value = Number.NaN;
    this.middle = Number.NaN;
    this.upper = Number.NaN;
    this.lower = Number.NaN;
    this.bandwidth = Number.NaN;
    this.percentB = Number.NaN;
  }
}

/** Batch rolling standard deviation (population unless ddof = 1). */
export function rollingStd(values: ArrayLike<number>, period: number, ddof: Ddof = 0): Float64Array {
  const indicator = new RollingStd(period, ddof);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}

/** Batch rolling z-score (population std unless ddof = 1). */
export function zScore(values: ArrayLike<number>, period: number, ddof: Ddof = 0): Float64Array {
  const indicator = new ZScore(period, ddof);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}

export interface BollingerResult {
  middle: Float64Array;
  upper: Float64Array;
  lower: Float64Array;
  bandwidth: Float64Array;
  percentB: Float64Array;
}

/** Batch Bollinger Bands. */
export function bollingerBands(values: ArrayLike<number>, period = 20, k = 2): BollingerResult {
  const indicator = new BollingerBands(period, k);
  const n = values.length;
  const out: BollingerResult = {
    middle: nanArray(n),
    upper: nanArray(n),
    lower: nanArray(n),
    bandwidth: nanArray(n),
    percentB: nanArray(n),
  };
  for (let i = 0; i < n; i++) {
    indicator.update(values[i]);
    out.middle[i] = indicator.middle;
    out.upper[i] = indicator.upper;
    out.lower[i] = indicator.lower;
    out.bandwidth[i] = indicator.bandwidth;
    out.percentB[i] = indicator.percentB;
  }
  return out;
}
