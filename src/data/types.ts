import type { BarSeries } from '../core/bars.js';
import type { EpochMs } from '../core/time.js';
import type { Timeframe } from '../core/timeframe.js';

/**
 * Every source of bars (a CSV file, the bundled datasets, a seeded generator, Alpaca, Polygon) sits
 * behind this one interface, so a backtest, a forecast or a risk report does not care where bars come
 * from.
 */
export interface FetchBarsOptions {
  /** Inclusive start (ms since epoch UTC, or a date string like 2024-01-31). Default: earliest available. */
  start?: EpochMs | string;
  /** Inclusive end. A bare date means the whole of that day. Default: latest available. */
  end?: EpochMs | string;
  /** Default 1Day. */
  timeframe?: Timeframe;
  /** Skip the local cache and fetch again (remote providers). */
  refresh?: boolean;
  /** Abort a slow download. */
  signal?: AbortSignal;
  /** Progress for long downloads: bars received so far. */
  onProgress?: (barsSoFar: number) => void;
}

export type ProviderName = 'sample' | 'file' | 'synthetic' | 'alpaca' | 'polygon';

export interface MarketDataProvider {
  readonly name: ProviderName | string;
  /** Bars for one symbol, sorted, no duplicates. Throws DataError when the symbol or range has no data. */
  fetchBars(symbol: string, options?: FetchBarsOptions): Promise<BarSeries>;
}
