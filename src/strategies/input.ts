import { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import type { EpochMs } from '../core/time.js';

/**
 * The read-only slice of a StrategyContext that signal logic needs: the current bar's prices. Every
 * StrategyContext is one, and so is `SeriesCursor`, which walks a plain series for `generateSignal`.
 */
export interface BarReader {
  readonly barIndex: number;
  readonly timestamp: EpochMs;
  open(symbol?: string): number;
  high(symbol?: string): number;
  low(symbol?: string): number;
  close(symbol?: string): number;
  volume(symbol?: string): number;
}

/** What `generateSignal` accepts (the SignalGenerator contract). */
export type SignalData = BarSeries | readonly { close: number }[] | ArrayLike<number>;

/** Columns of `SignalData`; missing columns are NaN (close-only input has no high/low/volume/time). */
export interface SignalColumns {
  symbol?: string;
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  hasVolume: boolean;
  hasTimestamps: boolean;
}

interface LooseBar {
  close: number;
  open?: number;
  high?: number;
  low?: number;
  volume?: number;
  timestamp?: number;
  date?: string | number | Date;
}

function isBarArray(data: SignalData): data is readonly LooseBar[] {
  return Array.isArray(data) && data.length > 0 && typeof data[0] === 'object' && data[0] !== null;
}

export function toSignalColumns(data: SignalData): SignalColumns {
  if (data instanceof BarSeries) {
    return {
      symbol: data.symbol,
      timestamps: data.timestamps,
      open: data.open,
      high: data.high,
      low: data.low,
      close: data.close,
      volume: data.volume,
      hasVolume: !data.closeOnly,
      hasTimestamps: true,
    };
  }
  if (isBarArray(data)) {
    const n = data.length;
    const columns: SignalColumns = {
      timestamps: new Float64Array(n).fill(Number.NaN),
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n).fill(Number.NaN),
      hasVolume: data.every((bar) => typeof bar.volume === 'number'),
      hasTimestamps: data.every((bar) => typeof bar.timestamp === 'number' || bar.date !== undefined),
    };
    for (let i = 0; i < n; i++) {
      const bar = data[i];
      if (typeof bar.close !== 'number') {
        throw new ValidationError(`data[${i}].close: expected a number, got ${JSON.stringify(bar.close)}`, {
          field: `data[${i}].close`,
        });
      }
      columns.close[i] = bar.close;
      columns.open[i] = bar.open ?? bar.close;
      columns.high[i] = bar.high ?? bar.close;
      columns.low[i] = bar.low ?? bar.close;
      if (typeof bar.volume === 'number') columns.volume[i] = bar.volume;
      if (typeof bar.timestamp === 'number') columns.timestamps[i] = bar.timestamp;
      else if (bar.date !== undefined) columns.timestamps[i] = new Date(bar.date).getTime();
    }
    return columns;
  }
  const closes = Float64Array.from(data as ArrayLike<number>);
  return {
    timestamps: new Float64Array(closes.length).fill(Number.NaN),
    open: closes,
    high: closes,
    low: closes,
    close: closes,
    volume: new Float64Array(closes.length).fill(Number.NaN),
    hasVolume: false,
    hasTimestamps: false,
  };
}

/**
 * Walks one or more aligned columns bar by bar, presenting the current bar like a StrategyContext does.
 * Symbols are matched by position: `symbols[k]` reads `columns[k]`; no symbol means the first.
 */
export class SeriesCursor implements BarReader {
  barIndex = -1;
  private readonly symbols: readonly string[];
  private readonly columns: readonly SignalColumns[];

  constructor(symbols: readonly string[], columns: readonly SignalColumns[]) {
    this.symbols = symbols;
    this.columns = columns;
  }

  get length(): number {
    return this.columns[0].close.length;
  }

  get timestamp(): EpochMs {
    return this.columns[0].timestamps[this.barIndex];
  }

  private column(symbol?: string): SignalColumns {
    if (symbol === undefined) return this.columns[0];
    const k = this.symbols.indexOf(symbol);
    return this.columns[k < 0 ? 0 : k];
  }

  open(symbol?: string): number {
    return this.column(symbol).open[this.barIndex];
  }
  high(symbol?: string): number {
    return this.column(symbol).high[this.barIndex];
  }
  low(symbol?: string): number {
    return this.column(symbol).low[this.barIndex];
  }
  close(symbol?: string): number {
    return this.column(symbol).close[this.barIndex];
  }
  volume(symbol?: string): number {
    return this.column(symbol).volume[this.barIndex];
  }
}
