import { ValidationError } from '../core/errors.js';
import {
  type BarReader,
  SeriesCursor,
  type SignalColumns,
  type SignalData,
  toSignalColumns,
} from './input.js';
import type { ColumnRequirement, Signal, SignalGenerator, Strategy, StrategyContext } from './types.js';

/**
 * Something that turns bars into a desired exposure: the signed fraction of equity to hold in its symbol
 * (1 = fully long, -0.5 = half short, 0 = flat). Single-symbol strategies are built on one, and the
 * ensemble strategy combines several.
 */
export interface ExposureSignal {
  readonly name: string;
  readonly warmup: number;
  /** Advance one bar (the reader's current bar) and return the desired exposure. */
  nextExposure(bar: BarReader): number;
  /** Forget all state, as before the first bar. */
  resetSignal(): void;
  /** A fresh, independent copy with the same parameters (used by generateSignal and ensembles). */
  cloneSignal(): ExposureSignal;
  /** Whether the signal reads volume (close-only input cannot drive it). */
  readonly needsVolume: boolean;
}

export function isExposureSignal(value: unknown): value is ExposureSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ExposureSignal).nextExposure === 'function' &&
    typeof (value as ExposureSignal).cloneSignal === 'function'
  );
}

/** 'buy' if the desired exposure rose at the last bar, 'sell' if it fell, 'hold' otherwise. */
export function signalFromChange(previous: number, current: number): Signal {
  if (current > previous) return 'buy';
  if (current < previous) return 'sell';
  return 'hold';
}

/** Run a fresh copy of `signal` over `data`; returns the desired exposure at the last two bars. */
export function replayExposure(
  signal: ExposureSignal,
  data: SignalData,
): { previous: number; current: number } {
  const columns = toSignalColumns(data);
  checkSignalInput(signal, columns);
  const fresh = signal.cloneSignal();
  const cursor = new SeriesCursor([], [columns]);
  let previous = 0;
  let current = 0;
  for (let i = 0; i < cursor.length; i++) {
    cursor.barIndex = i;
    previous = current;
    current = fresh.nextExposure(cursor);
  }
  return { previous, current };
}

function checkSignalInput(signal: ExposureSignal, columns: SignalColumns): void {
  if (signal.needsVolume && !columns.hasVolume) {
    throw new ValidationError(`${signal.name}: generateSignal needs volume, but the data has none`, {
      field: 'data',
      hint: 'pass a BarSeries or bars with a volume field, or turn the volume filter off',
    });
  }
}

/**
 * A strategy trading one symbol by holding a desired exposure: every bar it asks its signal for the
 * exposure and, only when that changes, orders the position to that percent of equity. Orders therefore
 * go out on changes of mind, never every bar, and nothing is allocated per bar.
 *
 * It reads the context's default (first) symbol, which is its own: a run's symbols are the strategy's.
 */
export abstract class ExposureStrategy implements Strategy, SignalGenerator, ExposureSignal {
  abstract readonly name: string;
  readonly symbols: readonly string[];
  readonly symbol: string;
  abstract readonly warmup: number;
  readonly needsVolume: boolean = false;
  /** Why the signal reads volume and how to run without it (for the required-column check). */
  protected readonly volumeUse: Omit<ColumnRequirement, 'column'> = {
    because: 'for its signal',
    withoutIt: 'pick a strategy that does not read volume',
  };
  /** The exposure last ordered (0 before any order). */
  protected exposure = 0;

  constructor(symbol: string) {
    if (typeof symbol !== 'string' || symbol.trim() === '') {
      throw new ValidationError(`symbols: a symbol is required, got ${JSON.stringify(symbol)}`, {
        field: 'symbols',
      });
    }
    this.symbol = symbol;
    this.symbols = [symbol];
  }

  /** Volume when the signal reads it (see `volumeUse`); nothing else besides the close. */
  get requiredColumns(): readonly ColumnRequirement[] {
    return this.needsVolume ? [{ column: 'volume', ...this.volumeUse }] : [];
  }

  abstract nextExposure(bar: BarReader): number;
  protected abstract resetState(): void;
  abstract cloneSignal(): ExposureStrategy;

  resetSignal(): void {
    this.exposure = 0;
    this.resetState();
  }

  onStart(_context: StrategyContext): void {
    this.resetSignal();
  }

  onBar(context: StrategyContext): void {
    const target = this.nextExposure(context);
    if (target !== this.exposure) {
      this.exposure = target;
      context.orderTargetPercent(this.symbol, target);
    }
  }

  /**
   * The old system's form: what this strategy would do at the last element of `data` had it traded the
   * series from its first element: 'buy' when its desired position goes up there, 'sell' when it goes
   * down, 'hold' otherwise. Uses a fresh copy, so it never disturbs a running instance.
   */
  generateSignal(data: SignalData): Signal {
    const { previous, current } = replayExposure(this, data);
    return signalFromChange(previous, current);
  }

  /** The desired exposure (signed fraction of equity) at the last element of `data`. */
  targetExposure(data: SignalData): number {
    return replayExposure(this, data).current;
  }
}
