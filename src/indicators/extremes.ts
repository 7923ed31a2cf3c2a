import { checkPeriod, checkSameLength, nanArray } from './validate.js';

/**
 * Rolling maximum / minimum over the last `period` values with a monotonic deque: each value enters and
 * leaves the deque at most once, so an update is O(1) amortised. The deque lives in two preallocated
 * ring buffers (values and the sequence number at which each value entered), so updates never allocate.
 */
class MonotonicWindow {
  readonly period: number;
  value = Number.NaN;
  private readonly values: Float64Array;
  private readonly sequence: Float64Array;
  private head = 0;
  private size = 0;
  private seen = 0;
  /** +1 keeps the maximum at the head, -1 the minimum. */
  private readonly direction: number;

  constructor(period: number, direction: 1 | -1) {
    this.period = period;
    this.direction = direction;
    this.values = new Float64Array(period);
    this.sequence = new Float64Array(period);
  }

  get isReady(): boolean {
    return this.seen >= this.period;
  }

  update(x: number): number {
    const capacity = this.period;
    const index = this.seen++;
    // Drop the head once it has slid out of the window.
    if (this.size > 0 && this.sequence[this.head] <= index - capacity) {
      if (++this.head === capacity) this.head = 0;
      this.size--;
    }
    // Drop from the tail every value the new one dominates; they can never be the extreme again.
    const signed = this.direction * x;
    while (this.size > 0) {
      let tail = this.head + this.size - 1;
      if (tail >= capacity) tail -= capacity;
      if (this.direction * this.values[tail] > signed) break;
      this.size--;
    }
    let slot = this.head + this.size;
    if (slot >= capacity) slot -= capacity;
    this.values[slot] = x;
    this.sequence[slot] = index;
    this.size++;
    this.value = this.seen >= capacity ? this.values[this.head] : Number.NaN;
    return this.value;
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
    this.seen = 0;
    this.value = Number.NaN;
  }
}

/** Highest value of the last `period` inputs (the current one included). */
export class RollingMax extends MonotonicWindow {
  constructor(period: number) {
    super(checkPeriod('rolling max', 'period', period), 1);
  }
}

/** Lowest value of the last `period` inputs (the current one included). */
export class RollingMin extends MonotonicWindow {
  constructor(period: number) {
    super(checkPeriod('rolling min', 'period', period), -1);
  }
}

/**
 * Donchian channel: upper = highest high and lower = lowest low of the last `period` bars, the current bar
 * included (for a breakout rule compare today's close with yesterday's channel); middle = their average.
 * `update` returns the middle line.
 */
export class DonchianChannel {
  readonly period: number;
  value = Number.NaN;
  upper = Number.NaN;
  lower = Number.NaN;
  middle = Number.NaN;
  private readonly highest: RollingMax;
  private readonly lowest: RollingMin;

  constructor(period = 20) {
    this.period = checkPeriod('Donchian', 'period', period);
    this.highest = new RollingMax(period);
    this.lowest = new RollingMin(period);
  }

  get isReady(): boolean {
    return this.highest.isReady;
  }

  update(high: number, low: number): number {
    this.upper = this.highest.update(high);
    this.lower = this.lowest.update(low);
    this.middle = (this.upper + this.lower) / 2;
    this.value = this.middle;
    return this.value;
  }

  reset(): void {
    this.highest.reset();
    this.lowest.reset();
    this.value = Number.NaN;
    this.upper = Number.NaN;
    this.lower = Number.NaN;
    this.middle = Number.NaN;
  }
}

export function rollingMax(values: ArrayLike<number>, period: number): Float64Array {
  const indicator = new RollingMax(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}

export function rollingMin(values: ArrayLike<number>, period: number): Float64Array {
  const indicator = new RollingMin(period);
  const out = nanArray(values.length);
  for (let i = 0; i < values.length; i++) out[i] = indicator.update(values[i]);
  return out;
}

export interface DonchianResult {
  upper: Float64Array;
  lower: Float64Array;
  middle: Float64Array;
}

export function donchian(high: ArrayLike<number>, low: ArrayLike<number>, period = 20): DonchianResult {
  const n = checkSameLength('Donchian', high, low);
  const indicator = new DonchianChannel(period);
  const out: DonchianResult = { upper: nanArray(n), lower: nanArray(n), middle: nanArray(n) };
  for (let i = 0; i < n; i++) {
    indicator.update(high[i], low[i]);
    out.upper[i] = indicator.upper;
    out.lower[i] = indicator.lower;
    out.middle[i] = indicator.middle;
  }
  return out;
}
