import { z } from 'zod';
import type { Bar, BarSeries } from '../core/bars.js';
import { type Config, getConfig } from '../core/config.js';
import { ConfigError, ProviderError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { registerSecret } from '../core/redact.js';
import type { Timeframe } from '../core/timeframe.js';
import { barTimestamp, normaliseSymbol } from './alpaca.js';
import {
  type BarCache,
  type BarCacheKey,
  fetchRemoteSeries,
  resolveRemoteRange,
  type TimeRange,
} from './cache.js';
import { type JsonHttpClient, stripSecretsFromUrl } from './http.js';
import { type RemoteProviderOptions, remoteBarCache, remoteHttpClient, resolvePageLimit } from './remote.js';
import type { FetchBarsOptions, MarketDataProvider } from './types.js';

/**
 * Historical bars from Polygon's aggregates endpoint
 * (`/v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}`), following `next_url` pages.
 * The key travels in an `Authorization: Bearer` header, never in the query string, so it cannot leak
 * through a logged URL. Stocks (AAPL), crypto (X:BTCUSD), forex (C:EURUSD) and indices (I:SPX) use the
 * same endpoint.
 */

const log = createLogger('data:polygon');

/** Polygon's largest page. */
export const POLYGON_MAX_PAGE_LIMIT = 50_000;

/** Polygon options; `pageLimit` is 1..50000 base aggregates per page (default 50000). */
export interface PolygonProviderOptions extends RemoteProviderOptions {
  /** Default: POLYGON_API_KEY. */
  apiKey?: string;
  /** Default: POLYGON_BASE_URL (https://api.polygon.io). */
  baseUrl?: string;
  /** Split-adjusted bars (default true, as Polygon defaults). */
  adjusted?: boolean;
}

/** Our timeframe as Polygon's (multiplier, timespan) pair. */
export const POLYGON_TIMESPANS: Record<Timeframe, { multiplier: number; timespan: string }> = {
  '1Min': { multiplier: 1, timespan: 'minute' },
  '5Min': { multiplier: 5, timespan: 'minute' },
  '15Min': { multiplier: 15, timespan: 'minute' },
  '30Min': { multiplier: 30, timespan: 'minute' },
  '1Hour': { multiplier: 1, timespan: 'hour' },
  '4Hour': { multiplier: 4, timespan: 'hour' },
  '1Day': { multiplier: 1, timespan: 'day' },
  '1Week': { multiplier: 1, timespan: 'week' },
  '1Month': { multiplier: 1, timespan: 'month' },
};

const PolygonAggSchema = z.object({
  t: z.number(),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  vw: z.number().optional(),
  n: z.number().optional(),
});
export type PolygonAgg = z.infer<typeof PolygonAggSchema>;

const AggsResponseSchema = z.object({
  ticker: z.string().optional(),
  status: z.string(),
  resultsCount: z.number().optional(),
  results: z.array(PolygonAggSchema).nullable().optional(),
  next_url: z.string().nullable().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
});

export class PolygonProvider implements MarketDataProvider {
  readonly name = 'polygon';
  private readonly options: PolygonProviderOptions;
  private readonly config: Config;
  private readonly http: JsonHttpClient;
  private readonly pageLimit: number;
  private cacheInstance: BarCache | undefined;

  constructor(options: PolygonProviderOptions = {}) {
    this.options = options;
    this.config = options.config ?? getConfig();
    this.pageLimit = resolvePageLimit(options.pageLimit, POLYGON_MAX_PAGE_LIMIT);
    registerSecret(this.apiKey);
    this.http = remoteHttpClient(
      'polygon',
      options,
      'check POLYGON_API_KEY in .env (your key is on the polygon.io dashboard under API Keys)',
    );
  }

  private get apiKey(): string | undefined {
    return this.options.apiKey ?? this.config.polygon.apiKey;
  }

  private get baseUrl(): string {
    return (this.options.baseUrl ?? this.config.polygon.baseUrl).replace(/\/+$/, '');
  }

  get adjusted(): boolean {
    return this.options.adjusted ?? true;
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
    const key: BarCacheKey = {
      provider: this.adjusted ? 'polygon/adjusted' : 'polygon/raw',
      symbol: ticker,
      timeframe,
    };
    return fetchRemoteSeries({
      provider: 'polygon',
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
      emptyHint:
        'check the ticker (stocks AAPL, crypto X:BTCUSD, forex C:EURUSD) and the dates; free plans cover 2 years',
    });
  }

  private authHeaders(): Record<string, string> {
    const apiKey = this.apiKey;
    if (!apiKey) {
      throw new ConfigError('polygon: POLYGON_API_KEY is not set', {
        field: 'POLYGON_API_KEY',
        hint: 'set POLYGON_API_KEY in .env or the environment (free key: https://polygon.io/dashboard)',
      });
    }
    return { Authorization: `Bearer ${apiKey}` };
  }

  private async download(
    ticker: string,
    timeframe: Timeframe,
    range: TimeRange,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    onPage: (bars: number) => void,
  ): Promise<Bar[]> {
    const { multiplier, timespan } = POLYGON_TIMESPANS[timeframe];
    const first = new URL(
      `${this.baseUrl}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/${multiplier}/${timespan}/${Math.trunc(range.start)}/${Math.trunc(range.end)}`,
    );
    first.searchParams.set('adjusted', String(this.adjusted));
    first.searchParams.set('sort', 'asc');
    first.searchParams.set('limit', String(this.pageLimit));
    const origin = first.origin;
    const bars: Bar[] = [];
    const seen = new Set<string>();
    let next: URL | undefined = first;
    while (next) {
      const body = await this.http.getJson(next, { headers, signal, symbol: ticker });
      const parsed = AggsResponseSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ProviderError(
          'polygon',
          `polygon: unexpected aggregates response for ${ticker}: ${issue.path.join('.') || 'response'}: ${issue.message}`,
          { hint: 'check POLYGON_BASE_URL points at https://api.polygon.io' },
        );
      }
      const page = parsed.data;
      if (page.status !== 'OK' && page.status !== 'DELAYED') {
        throw new ProviderError(
          'polygon',
          `polygon: request for ${ticker} failed with status ${page.status}${page.error || page.message ? `: ${page.error ?? page.message}` : ''}`,
          { hint: 'check the ticker, dates and your plan' },
        );
      }
      if (page.status === 'DELAYED') log.debug(`data for ${ticker} is delayed (plan limit)`);
      const results = page.results ?? [];
      for (const agg of results) {
        bars.push({
          timestamp: barTimestamp(agg.t, timeframe),
          open: agg.o,
          high: agg.h,
          low: agg.l,
          close: agg.c,
          volume: agg.v,
        });
      }
      onPage(results.length);
      next = page.next_url ? this.nextPage(page.next_url, origin, ticker, seen) : undefined;
    }
    return bars;
  }

  /**
   * The next page's URL. The key is sent again (as a header) on every page, so a next_url pointing at
   * another host is refused rather than followed: it would hand our key to that host.
   */
  private nextPage(nextUrl: string, origin: string, ticker: string, seen: Set<string>): URL {
    let url: URL;
    try {
      url = new URL(nextUrl, origin);
    } catch {
      throw new ProviderError('polygon', `polygon: next_url for ${ticker} is not a URL`);
    }
    if (url.origin !== origin) {
      throw new ProviderError(
        'polygon',
        `polygon: refusing to follow next_url to ${stripSecretsFromUrl(url)} (expected ${origin})`,
        { hint: 'POLYGON_BASE_URL must be the host that serves the data' },
      );
    }
    // The key goes in the header; drop any copy a server put into the link.
    url.searchParams.delete('apiKey');
    const id = url.toString();
    if (seen.has(id)) {
      throw new ProviderError('polygon', `polygon: pagination repeated a page for ${ticker}`, {
        hint: 'this is a service problem; try again later or request a shorter range',
      });
    }
    seen.add(id);
    return url;
  }
}
