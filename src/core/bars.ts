import { DataError } from './errors.js';
import { type EpochMs, timestampFormatter } from './time.js';
import type { Timeframe } from './timeframe.js';

/** One bar as a plain object: for JSON output and for small hand-made inputs, never for hot loops. */
export interface Bar {
  /** Bar open time, ms since epoch UTC. */
  timestamp: EpochMs;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** A bar with an ISO date string, as printed by the CLI and returned by `toJSON()`. */
export interface BarRecord {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface BarSeriesColumns {
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * A columnar price history for one symbol: six parallel Float64Arrays, sorted by timestamp with no
 * duplicates. Slices share memory with their parent (zero copy), so slicing a decade of minute bars to a
 * week costs nothing. Series are treated as immutable once built; nothing in the library writes to them.
 *
 * For close-only datasets (index levels, FX closes) open, high and low equal close and volume is 0;
 * `closeOnly` records that so strategies needing real ranges can say so.
 */
export class BarSeries implements BarSeriesColumns {
  readonly symbol: string;
  readonly timeframe: Timeframe;
  readonly timestamps: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly closeOnly: boolean;

  constructor(symbol: string, timeframe: Timeframe, columns: BarSeriesColumns, closeOnly = false) {
    const n = columns.timestamps.length;
    for (const name of ['open', 'high', 'low', 'close', 'volume'] as const) {
      if (columns[name].length !== n) {
        throw new DataError(
          `BarSeries ${symbol}: column ${name} has ${columns[name].length} values, expected ${n}`,
        );
      }
    }
    this.symbol = symbol;
    this.timeframe = timeframe;
    this.timestamps = columns.timestamps;
    this.open = columns.open;
    this.high = columns.high;
    this.low = columns.low;
    this.close = columns.close;
    this.volume = columns.volume;
    this.closeOnly = closeOnly;
  }

  get length(): number {
    return this.timestamps.length;
  }

  get firstTimestamp(): EpochMs {
    return this.timestamps[0];
  }

  get lastTimestamp(): EpochMs {
    return this.timestamps[this.timestamps.length - 1];
  }

  /** Allocate an empty series of `length` bars to be filled in by a loader. */
  static allocate(symbol: string, timeframe: Timeframe, length: number, closeOnly = false): BarSeries {
    return new BarSeries(
      symbol,
      timeframe,
      {
        timestamps: new Float64Array(length),
        open: new Float64Array(length),
        high: new Float64Array(length),
        low: new Float64Array(length),
        close: new Float64Array(length),
        volume: new Float64Array(length),
      },
      closeOnly,
    );
  }

  static fromBars(symbol: string, timeframe: Timeframe, bars: readonly Bar[]): BarSeries {
    const series = BarSeries.allocate(symbol, timeframe, bars.length);
    for (let i = 0; i < bars.length; i++) {
      const bar = bars[i];
      series.timestamps[i] = bar.timestamp;
      series.open[i] = bar.open;
      series.high[i] = bar.high;
      series.low[i] = bar.low;
      series.close[i] = bar.close;
      series.volume[i] = bar.volume;
    }
    return series;
  }

  /** A close-only series (open = high = low = close, volume 0). */
  static fromCloses(
    symbol: string,
    timeframe: Timeframe,
    timestamps: Float64Array,
    closes: Float64Array,
  ): BarSeries {
    return new BarSeries(
      symbol,
      timeframe,
      {
        timestamps,
        open: closes,
        high: closes,
        low: closes,
        close: closes,
        volume: new Float64Array(closes.length),
      },
      true,
    );
  }

  /** Bars [from, to) by index; zero copy. */
  slice(from: number, to: number = this.length): BarSeries {
    const start = Math.max(0, Math.min(from, this.length));
    const end = Math.max(start, Math.min(to, this.length));
    return new BarSeries(
      this.symbol,
      this.timeframe,
      {
        timestamps: this.timestamps.subarray(start, end),
        open: this.open.subarray(start, end),
        high: this.high.subarray(start, end),
        low: this.low.subarray(start, end),
        close: this.close.subarray(start, end),
        volume: this.volume.subarray(start, end),
      },
      this.closeOnly,
    );
  }

  /** Bars with start <= timestamp <= end (both inclusive); zero copy. */
  between(start: EpochMs, end: EpochMs): BarSeries {
    return this.slice(this.lowerBound(start), this.upperBound(end));
  }

  /** Index of the first bar with timestamp >= ts (length if none). */
  lowerBound(ts: EpochMs): number {
    let lo = 0;
    let hi = this.timestamps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid] < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index one past the last bar with timestamp <= ts. */
  upperBound(ts: EpochMs): number {
    let lo = 0;
    let hi = this.timestamps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid] <= ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the bar with exactly this timestamp, or -1. */
  indexOf(ts: EpochMs): number {
    const i = this.lowerBound(ts);
    return i < this.length && this.timestamps[i] === ts ? i : -1;
  }

  bar(index: number): Bar {
    return {
      timestamp: this.timestamps[index],
      open: this.open[index],
      high: this.high[index],
      low: this.low[index],
      close: this.close[index],
      volume: this.volume[index],
    };
  }

  toBars(): Bar[] {
    const bars: Bar[] = new Array(this.length);
    for (let i = 0; i < this.length; i++) bars[i] = this.bar(i);
    return bars;
  }

  /** Plain-object view with ISO dates, for JSON output. */
  toRecords(): BarRecord[] {
    const out: BarRecord[] = new Array(this.length);
    // One format for the whole series: intraday data never mixes dates with timestamps.
    const format = timestampFormatter(this.timestamps);
    for (let i = 0; i < this.length; i++) {
      out[i] = {
        date: format(this.timestamps[i]),
        open: this.open[i],
        high: this.high[i],
        low: this.low[i],
        close: this.close[i],
        volume: this.volume[i],
      };
    }
    return out;
  }

  toJSON(): { symbol: string; timeframe: Timeframe; bars: BarRecord[] } {
    return { symbol: this.symbol, timeframe: this.timeframe, bars: this.toRecords() };
  }

  /** Simple returns close[i+1]/close[i] - 1; length is `length - 1`. */
  returns(): Float64Array {
    const n = Math.max(0, this.length - 1);
    const out = new Float64Array(n);
    const c = this.close;
    for (let i = 0; i < n; i++) out[i] = c[i + 1] / c[i] - 1;
    return out;
  }

  /** Log returns ln(close[i+1]/close[i]); length is `length - 1`. */
  logReturns(): Float64Array {
    const n = Math.max(0, this.length - 1);
    const out = new Float64Array(n);
    const c = this.close;
    for (let i = 0; i < n; i++) out[i] = Math.log(c[i + 1] / c[i]);
    return out;
  }

  /** A copy with a new symbol (e.g. when importing a file under a ticker). */
  withSymbol(symbol: string): BarSeries {
    return new BarSeries(symbol, this.timeframe, this, this.closeOnly);
  }
}
