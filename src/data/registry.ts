import { bucketStart } from '../core/bar-ops.js';
import type { BarSeries } from '../core/bars.js';
import { DataError, ValidationError } from '../core/errors.js';
import { normalizeSymbol } from '../core/inputs.js';
import { type EpochMs, formatTimestamp, parseDateRange } from '../core/time.js';
import type { Timeframe } from '../core/timeframe.js';
import type { AlpacaProviderOptions } from './alpaca.js';
import { CsvProvider, type CsvProviderOptions } from './csv.js';
import type { PolygonProviderOptions } from './polygon.js';
import { SampleProvider, type SampleProviderOptions } from './sample.js';
import { SyntheticProvider, type SyntheticProviderOptions } from './synthetic.js';
import type { FetchBarsOptions, MarketDataProvider, ProviderName } from './types.js';

/**
 * One place to get a market data provider by name, and the old system's one-call
 * `fetchMarketData(symbol, start, end, provider)`. The remote providers (Alpaca, Polygon) are imported
 * only when first used, so offline work never loads HTTP or SQLite code.
 */
export const PROVIDER_NAMES: readonly ProviderName[] = ['sample', 'file', 'synthetic', 'alpaca', 'polygon'];

/** Options for any provider; each provider reads the keys it understands. */
export type ProviderOptions = CsvProviderOptions &
  SampleProviderOptions &
  SyntheticProviderOptions & {
    /** Options for the Alpaca provider (defaults from config; cache on). */
    alpaca?: AlpacaProviderOptions;
    /** Options for the Polygon provider (defaults from config; cache on). */
    polygon?: PolygonProviderOptions;
  };

/** A provider whose module is imported on the first fetch. */
class LazyProvider implements MarketDataProvider {
  readonly name: ProviderName;
  private provider?: Promise<MarketDataProvider>;
  private readonly load: () => Promise<MarketDataProvider>;

  constructor(name: ProviderName, load: () => Promise<MarketDataProvider>) {
    this.name = name;
    this.load = load;
  }

  async fetchBars(symbol: string, options?: FetchBarsOptions): Promise<BarSeries> {
    this.provider ??= this.load();
    try {
      return await (await this.provider).fetchBars(symbol, options);
    } catch (error) {
      // A failed import (not a failed fetch) should be retried next time.
      if (!(await this.provider.then(() => true).catch(() => false))) this.provider = undefined;
      throw error;
    }
  }
}

function checkProviderName(name: string): ProviderName {
  if ((PROVIDER_NAMES as readonly string[]).includes(name)) return name as ProviderName;
  throw new ValidationError(`provider: unknown provider "${name}"`, {
    field: 'provider',
    hint: `use one of ${PROVIDER_NAMES.join(', ')}`,
  });
}

/** A market data provider by name. */
export function getProvider(name: ProviderName | string, options: ProviderOptions = {}): MarketDataProvider {
  switch (checkProviderName(name)) {
    case 'sample':
      return new SampleProvider(options);
    case 'file':
      return new CsvProvider(options);
    case 'synthetic':
      return new SyntheticProvider(options);
    case 'alpaca':
      return new LazyProvider('alpaca', async () => {
        const { AlpacaProvider } = await import('./alpaca.js');
        return new AlpacaProvider(options.alpaca);
      });
    case 'polygon':
      return new LazyProvider('polygon', async () => {
        const { PolygonProvider } = await import('./polygon.js');
        return new PolygonProvider(options.polygon);
      });
  }
}

export interface FetchMarketDataOptions extends ProviderOptions {
  timeframe?: Timeframe;
  refresh?: boolean;
  signal?: AbortSignal;
  onProgress?: (barsSoFar: number) => void;
}

/**
 * Bars for `symbol` within [start, end] (inclusive; a bare end date covers that whole day) from the
 * named provider, as the old system's `fetch_market_data` did. Throws ValidationError for bad dates and
 * DataError when there are no bars.
 */
export async function fetchMarketData(
  symbol: string,
  start: string | EpochMs | Date | undefined,
  end: string | EpochMs | Date | undefined,
  provider: ProviderName | string = 'sample',
  options: FetchMarketDataOptions = {},
): Promise<BarSeries> {
  const ticker = normalizeSymbol(typeof symbol === 'string' ? symbol : '', 'symbol');
  const range = parseDateRange(start, end);
  const { timeframe, refresh, signal, onProgress, ...providerOptions } = options;
  const series = await getProvider(provider, providerOptions).fetchBars(ticker, {
    start: Number.isFinite(range.start) ? range.start : undefined,
    end: Number.isFinite(range.end) ? range.end : undefined,
    timeframe,
    refresh,
    signal,
    onProgress,
  });
  // The contract for every provider, checked once here: only bars whose period lies in [start, end],
  // and never empty. A bar counts when its period overlaps the range, so the first week of a weekly
  // request from a Wednesday is kept (stamped at its Monday, holding only the days from the start on),
  // exactly as the provider's own fetchBars returns it: the library and the CLI see the same bars.
  const from = Number.isFinite(range.start) ? bucketStart(range.start, series.timeframe) : range.start;
  const inside = series.between(from, range.end);
  if (inside.length === 0) {
    const from = Number.isFinite(range.start) ? formatTimestamp(range.start) : 'the beginning';
    const to = Number.isFinite(range.end) ? formatTimestamp(range.end) : 'the end';
    throw new DataError(`no bars for ${ticker} between ${from} and ${to} from ${provider}`, {
      field: 'start',
      hint: 'widen the date range or check the symbol',
    });
  }
  return inside.length === series.length ? series : inside;
}
