import { z } from 'zod';
import type { Bar, BarSeries } from '../core/bars.js';
import { type Config, getConfig } from '../core/config.js';
import { ConfigError, DataError, ProviderError, ValidationError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { registerSecret } from '../core/redact.js';
import { type EpochMs, formatTimestamp, MS_PER_DAY } from '../core/time.js';
import { TIMEFRAME_MS, type Timeframe } from '../core/timeframe.js';
import {
  type BarCache,
  type BarCacheKey,
  type DownloadedRange,
  fetchRemoteSeries,
  gapsToDownload,
  resolveRemoteRange,
  storeDownloads,
  type TimeRange,
} from './cache.js';
import type { JsonHttpClient } from './http.js';
import { type RemoteProviderOptions, remoteBarCache, remoteHttpClient, resolvePageLimit } from './remote.js';
import type { FetchBarsOptions, MarketDataProvider } from './types.js';

/**
 * Historical bars from Alpaca's Market Data API v2: US stocks (`/v2/stocks/{symbol}/bars`) and crypto
 * (`/v1beta3/crypto/us/bars`, symbols written with a slash such as BTC/USD). Free accounts can use the
 * IEX feed, which is the default. Downloads go through the local bar cache unless `cache: false`.
 */

const log = createLogger('data:alpaca');

export type AlpacaFeed = 'iex' | 'sip' | 'otc';
export type AlpacaAdjustment = 'raw' | 'split' | 'dividend' | 'all';

/** Alpaca's largest page. */
export const ALPACA_MAX_PAGE_LIMIT = 10_000;

/** Symbols per multi-symbol request (keeps URLs short). */
const MULTI_SYMBOL_BATCH = 100;

/** Alpaca options; `pageLimit` is 1..10000 bars per page (default 10000). */
export interface AlpacaProviderOptions extends RemoteProviderOptions {
  /** Default: ALPACA_API_KEY. */
  apiKey?: string;
  /** Default: ALPACA_SECRET_KEY. */
  secretKey?: string;
  /** Market data root; default ALPACA_DATA_URL (https://data.alpaca.markets). */
  dataUrl?: string;
  /** Stock feed: `iex` (default; free accounts), `sip` (paid, all exchanges) or `otc`. */
  feed?: AlpacaFeed;
  /** Corporate-action adjustment of stock bars (default `raw`, as Alpaca's API defaults). */
  adjustment?: AlpacaAdjustment;
}

const ALPACA_TIMEFRAMES: Record<Timeframe, string> = {
  '1Min': '1Min',
  '5Min': '5Min',
  '15Min': '15Min',
  '30Min': '30Min',
  '1Hour': '1Hour',
  '4Hour': '4Hour',
  '1Day': '1Day',
  '1Week': '1Week',
  '1Month': '1Month',
};

const AlpacaBarSchema = z.object({
  t: z.string(),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  n: z.number().optional(),
  vw: z.number().optional(),
});
export type AlpacaBar = z.infer<typeof AlpacaBarSchema>;

/** `GET /v2/stocks/{symbol}/bars`: bars is null when the range is empty. */
const StockBarsResponseSchema = z.object({
  bars: z.array(AlpacaBarSchema).nullable().optional(),
  symbol: z.string().optional(),
  next_page_token: z.string().nullable().optional(),
});

/** `GET /v1beta3/crypto/us/bars` and `/v2/stocks/bars`: bars keyed by symbol. */
const MultiBarsResponseSchema = z.object({
  bars: z.record(z.string(), z.array(AlpacaBarSchema).nullable()).nullable().optional(),
  next_page_token: z.string().nullable().optional(),
});

/** Crypto pairs are written with a slash (BTC/USD); everything else is a stock or ETF. */
export function isAlpacaCryptoSymbol(symbol: string): boolean {
  return symbol.includes('/');
}

/**
 * Epoch ms for a bar time. Daily and longer bars are stamped at midnight New York time by Alpaca;
 * neural-trader stamps them at midnight UTC of the same trading day, so they line up with every other
 * source.
 */
export function barTimestamp(time: string | number, timeframe: Timeframe): EpochMs {
  const ts = typeof time === 'number' ? time : Date.parse(time);
  if (TIMEFRAME_MS[timeframe] >= MS_PER_DAY) return Math.floor(ts / MS_PER_DAY) * MS_PER_DAY;
  return ts;
}

export class AlpacaProvider implements MarketDataProvider {
  readonly name = 'alpaca';
  private readonly options: AlpacaProviderOptions;
  private readonly config: Config;
  private readonly http: JsonHttpClient;
  private readonly pageLimit: number;
  private cacheInstance: BarCache | undefined;

  constructor(options: AlpacaProviderOptions = {}) {
    this.options = options;
    this.config = options.config ?? getConfig();
    this.pageLimit = resolvePageLimit(options.pageLimit, ALPACA_MAX_PAGE_LIMIT);
    registerSecret(this.apiKey);
    registerSecret(this.secretKey);
    this.http = remoteHttpClient(
      'alpaca',
      options,
      'check ALPACA_API_KEY and ALPACA_SECRET_KEY in .env (paper and live accounts have different keys; ' +
        'keys are regenerated when a paper account is reset)',
    );
  }

  private get apiKey(): string | undefined {
    return this.options.apiKey ?? this.config.alpaca.apiKey;
  }

  private get secretKey(): string | undefined {
    return this.options.secretKey ?? this.config.alpaca.secretKey;
  }

  private get dataUrl(): string {
    return (this.options.dataUrl ?? this.config.alpaca.dataUrl).replace(/\/+$/, '');
  }

  get feed(): AlpacaFeed {
    return this.options.feed ?? 'iex';
  }

  get adjustment(): AlpacaAdjustment {
    return this.options.adjustment ?? 'raw';
  }

  private get cache(): BarCache | undefined {
    this.cacheInstance ??= remoteBarCache(this.options.cache, this.config);
    return this.cacheInstance;
  }

  async fetchBars(symbol: string, options: FetchBarsOptions = {}): Promise<BarSeries> {
    const ticker = normaliseSymbol(symbol);
    const timeframe = options.timeframe ?? '1Day';
    const headers = this.authHeaders();
    const now = this.options.now?.() ?? Date.now();
    const range = resolveRemoteRange(options, timeframe, now);
    const crypto = isAlpacaCryptoSymbol(ticker);
    const key = this.cacheKey(ticker, timeframe);
    return fetchRemoteSeries({
      provider: 'alpaca',
      ticker,
      timeframe,
      cache: this.cache,
      key,
      range,
      refresh: options.refresh === true,
      now,
      log,
      onProgress: options.onProgress,
      downloadGap: (gap, onBars) => this.download(ticker, timeframe, gap, headers, options.signal, onBars),
      emptyHint: crypto
        ? 'check the pair (e.g. BTC/USD) and the dates'
        : `check the symbol and dates; the ${this.feed} feed has data from 2016 on, and markets are closed on weekends and holidays`,
    });
  }

  /**
   * Bars for many symbols through Alpaca's multi-symbol endpoints (`/v2/stocks/bars?symbols=`, and the
   * crypto endpoint for pairs): symbols that need the same ranges share one paginated download instead
   * of one per symbol. Stocks and crypto pairs may be mixed. The map follows the order given.
   */
  async fetchManyBars(
    symbols: readonly string[],
    options: FetchBarsOptions = {},
  ): Promise<Map<string, BarSeries>> {
    const tickers = [...new Set(symbols.map(normaliseSymbol))];
    if (tickers.length === 0) {
      throw new ValidationError('symbols: give at least one symbol', { field: 'symbols' });
    }
    const timeframe = options.timeframe ?? '1Day';
    const headers = this.authHeaders();
    const now = this.options.now?.() ?? Date.now();
    const range = resolveRemoteRange(options, timeframe, now);
    const refresh = options.refresh === true;
    const cache = this.cache;
    const plans = tickers.map((ticker) => {
      const key = this.cacheKey(ticker, timeframe);
      return {
        ticker,
        key,
        gaps: gapsToDownload(cache, key, range, refresh),
        downloads: [] as DownloadedRange[],
      };
    });
    // Symbols needing exactly the same ranges (usually all of them) are downloaded together.
    const groups = new Map<string, typeof plans>();
    for (const plan of plans) {
      if (plan.gaps.length === 0) continue;
      const id = `${isAlpacaCryptoSymbol(plan.ticker)}|${JSON.stringify(plan.gaps)}`;
      const group = groups.get(id) ?? [];
      group.push(plan);
      groups.set(id, group);
    }
    let received = 0;
    const onPage = (n: number) => {
      received += n;
      options.onProgress?.(received);
    };
    for (const group of groups.values()) {
      for (const gap of group[0].gaps) {
        for (let i = 0; i < group.length; i += MULTI_SYMBOL_BATCH) {
          const batch = group.slice(i, i + MULTI_SYMBOL_BATCH);
          const bySymbol = await this.downloadMany(
            batch.map((p) => p.ticker),
            timeframe,
            gap,
            headers,
            options.signal,
            onPage,
          );
          for (const plan of batch)
            plan.downloads.push({ range: gap, bars: bySymbol.get(plan.ticker) ?? [] });
        }
      }
    }
    const result = new Map<string, BarSeries>();
    const empty: string[] = [];
    for (const plan of plans) {
      const series = storeDownloads({ cache, key: plan.key, range, refresh, now }, plan.downloads);
      if (series.length === 0) empty.push(plan.ticker);
      else result.set(plan.ticker, series);
    }
    if (empty.length > 0) {
      throw new DataError(
        `alpaca: no ${timeframe} bars for ${empty.join(', ')} between ${formatTimestamp(range.start)} and ${formatTimestamp(range.end)}`,
        { field: 'symbols', hint: 'check the symbols and dates' },
      );
    }
    return result;
  }

  /** Feed and adjustment change the numbers, so they are part of the cache identity. */
  private cacheKey(ticker: string, timeframe: Timeframe): BarCacheKey {
    const provider = isAlpacaCryptoSymbol(ticker)
      ? 'alpaca/crypto'
      : `alpaca/${this.feed}/${this.adjustment}`;
    return { provider, symbol: ticker, timeframe };
  }

  private authHeaders(): Record<string, string> {
    const apiKey = this.apiKey;
    const secretKey = this.secretKey;
    if (!apiKey || !secretKey) {
      const missing = [!apiKey && 'ALPACA_API_KEY', !secretKey && 'ALPACA_SECRET_KEY'].filter(Boolean);
      throw new ConfigError(`alpaca: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`, {
        field: String(missing[0]),
        hint:
          'set ALPACA_API_KEY and ALPACA_SECRET_KEY in .env or the environment (free keys: ' +
          'https://app.alpaca.markets, API Keys panel)',
      });
    }
    return { 'APCA-API-KEY-ID': apiKey, 'APCA-API-SECRET-KEY': secretKey };
  }

  /** Every page of one range, in order. */
  private async download(
    ticker: string,
    timeframe: Timeframe,
    range: TimeRange,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    onPage: (bars: number) => void,
  ): Promise<Bar[]> {
    const crypto = isAlpacaCryptoSymbol(ticker);
    const bars: Bar[] = [];
    let pageToken: string | undefined;
    const seenTokens = new Set<string>();
    do {
      const url = this.barsUrl(ticker, timeframe, range, crypto, pageToken);
      const body = await this.http.getJson(url, { headers, signal, symbol: ticker });
      const page = crypto ? parseMulti(body, ticker) : parseSingle(body, ticker);
      for (const raw of page.bars) bars.push(toBar(raw, timeframe));
      onPage(page.bars.length);
      pageToken = page.nextPageToken ?? undefined;
      if (pageToken !== undefined) {
        // A service that hands back the same token would otherwise loop forever.
        if (seenTokens.has(pageToken)) {
          throw new ProviderError('alpaca', `alpaca: pagination repeated a page token for ${ticker}`, {
            hint: 'this is a service problem; try again later or request a shorter range',
          });
        }
        seenTokens.add(pageToken);
      }
    } while (pageToken !== undefined);
    return bars;
  }

  /** Every page of one range for several symbols of one kind (stocks or crypto), bars grouped by symbol. */
  private async downloadMany(
    tickers: readonly string[],
    timeframe: Timeframe,
    range: TimeRange,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    onPage: (bars: number) => void,
  ): Promise<Map<string, Bar[]>> {
    const crypto = isAlpacaCryptoSymbol(tickers[0]);
    const bySymbol = new Map<string, Bar[]>();
    const seenTokens = new Set<string>();
    let pageToken: string | undefined;
    do {
      const url = this.barsUrl(tickers.join(','), timeframe, range, crypto, pageToken, true);
      const body = await this.http.getJson(url, { headers, signal });
      const parsed = MultiBarsResponseSchema.safeParse(body);
      if (!parsed.success) throw invalidResponse(parsed.error, tickers.join(','));
      let count = 0;
      for (const [symbol, bars] of Object.entries(parsed.data.bars ?? {})) {
        const list = bySymbol.get(symbol) ?? [];
        for (const raw of bars ?? []) list.push(toBar(raw, timeframe));
        count += bars?.length ?? 0;
        bySymbol.set(symbol, list);
      }
      onPage(count);
      pageToken = parsed.data.next_page_token ?? undefined;
      if (pageToken !== undefined) {
        if (seenTokens.has(pageToken)) {
          throw new ProviderError('alpaca', 'alpaca: pagination repeated a page token', {
            hint: 'this is a service problem; try again later or request a shorter range',
          });
        }
        seenTokens.add(pageToken);
      }
    } while (pageToken !== undefined);
    return bySymbol;
  }

  private barsUrl(
    ticker: string,
    timeframe: Timeframe,
    range: TimeRange,
    crypto: boolean,
    pageToken: string | undefined,
    multi = false,
  ): URL {
    const url = crypto
      ? new URL(`${this.dataUrl}/v1beta3/crypto/us/bars`)
      : multi
        ? new URL(`${this.dataUrl}/v2/stocks/bars`)
        : new URL(`${this.dataUrl}/v2/stocks/${encodeURIComponent(ticker)}/bars`);
    const q = url.searchParams;
    if (crypto || multi) q.set('symbols', ticker);
    q.set('timeframe', ALPACA_TIMEFRAMES[timeframe]);
    q.set('start', new Date(range.start).toISOString());
    q.set('end', new Date(range.end).toISOString());
    q.set('limit', String(this.pageLimit));
    if (!crypto) {
      q.set('adjustment', this.adjustment);
      q.set('feed', this.feed);
    }
    q.set('sort', 'asc');
    if (pageToken !== undefined) q.set('page_token', pageToken);
    return url;
  }
}

interface Page {
  bars: AlpacaBar[];
  nextPageToken: string | null | undefined;
}

function parseSingle(body: unknown, ticker: string): Page {
  const parsed = StockBarsResponseSchema.safeParse(body);
  if (!parsed.success) throw invalidResponse(parsed.error, ticker);
  return { bars: parsed.data.bars ?? [], nextPageToken: parsed.data.next_page_token };
}

function parseMulti(body: unknown, ticker: string): Page {
  const parsed = MultiBarsResponseSchema.safeParse(body);
  if (!parsed.success) throw invalidResponse(parsed.error, ticker);
  return { bars: parsed.data.bars?.[ticker] ?? [], nextPageToken: parsed.data.next_page_token };
}

function invalidResponse(error: z.ZodError, ticker: string): ProviderError {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? issue.path.join('.') : 'response';
  return new ProviderError(
    'alpaca',
    `alpaca: unexpected bars response for ${ticker}: ${where}: ${issue.message}`,
    {
      hint: 'check ALPACA_DATA_URL points at the market data API (https://data.alpaca.markets)',
    },
  );
}

function toBar(raw: AlpacaBar, timeframe: Timeframe): Bar {
  const timestamp = barTimestamp(raw.t, timeframe);
  if (Number.isNaN(timestamp)) {
    throw new ProviderError('alpaca', `alpaca: bar time "${raw.t}" is not an RFC-3339 timestamp`);
  }
  return { timestamp, open: raw.o, high: raw.h, low: raw.l, close: raw.c, volume: raw.v };
}

/** Upper-case and check a ticker; stocks are letters/digits/dots, crypto pairs BASE/QUOTE. */
export function normaliseSymbol(symbol: string): string {
  const ticker = symbol.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9.\-/:]{0,30}$/.test(ticker)) {
    throw new ValidationError(`symbol: "${symbol}" is not a valid ticker`, {
      field: 'symbol',
      hint: 'use a ticker such as AAPL, BRK.B, or a crypto pair such as BTC/USD',
    });
  }
  return ticker;
}
