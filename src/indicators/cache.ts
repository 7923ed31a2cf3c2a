import { ValidationError } from '../core/errors.js';
import { Ema, Sma, WilderAverage, Wma } from './moving-averages.js';

/**
 * A cache of whole indicator series, so a parameter sweep computes each distinct series once instead of
 * once per trial (a 10 x 10 SMA grid needs 20 SMAs, not 200). Keyed by the indicator, its parameters and
 * the identity of the data: the ArrayBuffer (or SharedArrayBuffer) a column lives in, plus the view's
 * offset and length, so the zero-copy windows a sweep cuts from one series share entries, and a series
 * shared with worker threads through a SharedArrayBuffer is the same data there as here.
 *
 * Values are those of the streaming class fed bar by bar (same operations in the same order), so a
 * strategy that reads the cache gets bit-identical numbers to one that updates its own indicator. A NaN
 * input (no bar for the symbol there) gives NaN and leaves the running state untouched, as a strategy
 * that skips such bars does.
 *
 * Entries are held weakly by their buffer (dropping the data frees them) and the cache keeps at most
 * `maxBytes` of series, evicting the least recently used: a 1,000-combination sweep over 252,000 bars
 * must not hold 70 full series at once.
 */

/** A moving average the cache can compute: sma, ema, wilder (RMA), wma. */
export type CachedIndicator = 'sma' | 'ema' | 'wilder' | 'wma';

export const CACHED_INDICATORS: readonly CachedIndicator[] = ['sma', 'ema', 'wilder', 'wma'];

/** One series a strategy reads: an indicator with its period over a column of its first symbol. */
export interface SignalInput {
  indicator: CachedIndicator;
  period: number;
  /** The bar column it runs over (only the close today). */
  column: 'close';
}

/** Where a strategy gets declared signal inputs from: the cache, or a plain computation. */
export interface IndicatorSource {
  series(input: SignalInput, data: Float64Array): Float64Array;
}

interface Streaming {
  update(x: number): number;
}

function streamingOf(input: SignalInput): Streaming {
  switch (input.indicator) {
    case 'sma':
      return new Sma(input.period);
    case 'ema':
      return new Ema(input.period);
    case 'wilder':
      return new WilderAverage(input.period);
    case 'wma':
      return new Wma(input.period);
    default:
      throw new ValidationError(`indicator cache: unknown indicator ${String(input.indicator)}`, {
        field: 'indicator',
        hint: `use one of ${CACHED_INDICATORS.join(', ')}`,
      });
  }
}

/** The series of `input` over `data`, computed by its streaming class (NaN inputs skipped). */
export function computeSignalInput(input: SignalInput, data: Float64Array): Float64Array {
  const indicator = streamingOf(input);
  const n = data.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = data[i];
    out[i] = Number.isNaN(x) ? Number.NaN : indicator.update(x);
  }
  return out;
}

/** A source that always computes (what a run without the cache uses). */
export const uncachedIndicators: IndicatorSource = { series: computeSignalInput };

/** The key of an input, independent of the data. */
export function signalInputKey(input: SignalInput): string {
  return `${input.indicator}(${input.period})@${input.column}`;
}

interface Entry {
  owner: Map<string, Float64Array>;
  key: string;
  bytes: number;
  /** The data's buffer, held weakly: once it is collected the entry is dropped at the next store. */
  buffer: WeakRef<ArrayBufferLike>;
}

export const DEFAULT_INDICATOR_CACHE_BYTES = 64 * 1024 * 1024;

export class IndicatorCache implements IndicatorSource {
  readonly maxBytes: number;
  hits = 0;
  misses = 0;
  private bytes = 0;
  private readonly byBuffer = new WeakMap<ArrayBufferLike, Map<string, Float64Array>>();
  /** Recency order, oldest first (Map keeps insertion order; a hit re-inserts). */
  private readonly lru = new Map<string, Entry>();
  private nextId = 0;
  private readonly ids = new WeakMap<ArrayBufferLike, number>();

  constructor(maxBytes = DEFAULT_INDICATOR_CACHE_BYTES) {
    this.maxBytes = maxBytes;
  }

  private dataKey(
    data: Float64Array,
    input: SignalInput,
  ): { owner: Map<string, Float64Array>; key: string; lruKey: string } {
    const buffer = data.buffer;
    let owner = this.byBuffer.get(buffer);
    if (!owner) {
      owner = new Map();
      this.byBuffer.set(buffer, owner);
      this.ids.set(buffer, this.nextId++);
    }
    const key = `${data.byteOffset}:${data.length}|${signalInputKey(input)}`;
    return { owner, key, lruKey: `${this.ids.get(buffer)}|${key}` };
  }

  /** The series of `input` over `data`: from the cache, or computed once and kept. */
  series(input: SignalInput, data: Float64Array): Float64Array {
    const { owner, key, lruKey } = this.dataKey(data, input);
    const found = owner.get(key);
    if (found) {
      this.hits++;
      const entry = this.lru.get(lruKey);
      if (entry) {
        this.lru.delete(lruKey);
        this.lru.set(lruKey, entry);
      }
      return found;
    }
    this.misses++;
    const values = computeSignalInput(input, data);
    this.store(owner, key, lruKey, values, data.buffer);
    return values;
  }

  /** Whether the series is held (no computation). */
  has(input: SignalInput, data: Float64Array): boolean {
    const { owner, key } = this.dataKey(data, input);
    return owner.has(key);
  }

  /**
   * Hand the cache a series computed elsewhere, e.g. by the main thread into a SharedArrayBuffer that
   * every worker thread reads without copying. It must be `computeSignalInput(input, data)`.
   */
  seed(input: SignalInput, data: Float64Array, values: Float64Array): void {
    if (values.length !== data.length) {
      throw new ValidationError('indicator cache: a seeded series must be as long as its data', {
        field: 'values',
      });
    }
    const { owner, key, lruKey } = this.dataKey(data, input);
    if (owner.has(key)) return;
    this.store(owner, key, lruKey, values, data.buffer);
  }

  private store(
    owner: Map<string, Float64Array>,
    key: string,
    lruKey: string,
    values: Float64Array,
    buffer: ArrayBufferLike,
  ): void {
    // Series of data that no longer exists cannot be asked for again: drop them first.
    for (const [k, entry] of this.lru) {
      if (entry.buffer.deref() === undefined) {
        this.lru.delete(k);
        this.bytes -= entry.bytes;
      }
    }
    owner.set(key, values);
    const bytes = values.byteLength;
    this.lru.set(lruKey, { owner, key, bytes, buffer: new WeakRef(buffer) });
    this.bytes += bytes;
    while (this.bytes > this.maxBytes && this.lru.size > 1) {
      const [oldestKey, oldest] = this.lru.entries().next().value as [string, Entry];
      this.lru.delete(oldestKey);
      oldest.owner.delete(oldest.key);
      this.bytes -= oldest.bytes;
    }
  }

  /** Bytes of series held now. */
  get size(): number {
    return this.bytes;
  }

  clear(): void {
    for (const entry of this.lru.values()) entry.owner.delete(entry.key);
    this.lru.clear();
    this.bytes = 0;
  }
}

/** The cache of this thread (each worker thread has its own, seeded from shared buffers). */
export const indicatorCache = new IndicatorCache();
