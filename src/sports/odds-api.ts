import { z } from 'zod';
import type { Config } from '../core/config.js';
import { ConfigError, NeuralTraderError, ProviderError, ValidationError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { registerSecret } from '../core/redact.js';
import { type HttpClientOptions, JsonHttpClient } from '../data/http.js';
import { ODDS_API_CACHE_MS } from './defaults.js';
import type { OddsCache } from './odds-cache.js';

/**
 * A client for The Odds API v4 (https://the-odds-api.com/liveapi/guides/v4/): in-season sports, events,
 * odds by region/market/bookmaker, odds of one event, scores and historical odds snapshots. It uses the
 * project's HTTP client (timeouts, retries with backoff honouring Retry-After, one-line errors), reads the
 * quota headers (x-requests-remaining, x-requests-used, x-requests-last) after every response, refuses to
 * spend a request once the quota is known to be used up, and does not retry a 429 that says so.
 *
 * The key goes only where the API requires it, the `apiKey` query parameter; it is registered as a secret
 * so it is redacted from every log line and error, and URLs are printed without it. Responses are
 * validated with zod and cached in SQLite (OddsCache). Prices are always requested in decimal format
 * (the library converts formats itself, exactly).
 */
const log = createLogger('sports:odds-api');

export const ODDS_API_REGIONS = ['us', 'us2', 'uk', 'au', 'eu'] as const;
export type OddsApiRegion = (typeof ODDS_API_REGIONS)[number];

const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 time' });

const sportSchema = z.object({
  key: z.string(),
  group: z.string(),
  title: z.string(),
  description: z.string(),
  active: z.boolean(),
  has_outrights: z.boolean(),
});

const outcomeSchema = z.object({
  name: z.string(),
  price: z.number().gt(1, { message: 'a decimal price must be above 1' }),
  point: z.number().optional(),
  description: z.string().optional(),
});

const marketSchema = z.object({
  key: z.string(),
  last_update: isoTime.optional(),
  outcomes: z.array(outcomeSchema),
});

const bookmakerSchema = z.object({
  key: z.string(),
  title: z.string(),
  last_update: isoTime,
  markets: z.array(marketSchema),
});

const eventSchema = z.object({
  id: z.string(),
  sport_key: z.string(),
  sport_title: z.string().optional(),
  commence_time: isoTime,
  home_team: z.string().nullable().optional(),
  away_team: z.string().nullable().optional(),
});

const oddsEventSchema = eventSchema.extend({ bookmakers: z.array(bookmakerSchema) });

const scoreEventSchema = eventSchema.extend({
  completed: z.boolean(),
  scores: z.array(z.object({ name: z.string(), score: z.string() })).nullable(),
  last_update: isoTime.nullable(),
});

const historicalSchema = <T extends z.ZodType>(data: T) =>
  z.object({
    timestamp: isoTime,
    previous_timestamp: isoTime.nullable().optional(),
    next_timestamp: isoTime.nullable().optional(),
    data,
  });

export interface Sport {
  key: string;
  group: string;
  title: string;
  description: string;
  active: boolean;
  hasOutrights: boolean;
}

export interface SportEvent {
  id: string;
  sportKey: string;
  sportTitle: string | null;
  /** Kick-off, epoch ms. */
  commenceTime: number;
  homeTeam: string | null;
  awayTeam: string | null;
}

export interface OutcomePrice {
  name: string;
  /** Decimal odds. */
  price: number;
  /** Handicap (spreads) or goal line (totals). */
  point?: number;
  description?: string;
}

export interface MarketPrices {
  key: string;
  lastUpdate: number | null;
  outcomes: OutcomePrice[];
}

export interface BookmakerPrices {
  key: string;
  title: string;
  lastUpdate: number;
  markets: MarketPrices[];
}

export interface OddsEvent extends SportEvent {
  bookmakers: BookmakerPrices[];
}

export interface ScoreEvent extends SportEvent {
  completed: boolean;
  /** Final or current score when known. */
  score: { home: number; away: number } | null;
  lastUpdate: number | null;
}

export interface OddsQuota {
  /** x-requests-remaining. */
  remaining: number | null;
  /** x-requests-used. */
  used: number | null;
  /** x-requests-last: the cost of the last request. */
  last: number | null;
  /** When these headers were read (epoch ms). */
  at: number;
}

export interface OddsApiResult<T> {
  data: T;
  /** True when served from the local cache (no quota spent). */
  fromCache: boolean;
  /** When the data was fetched from the API (epoch ms). */
  fetchedAt: number;
  /** Quota after the request (undefined when served from the cache). */
  quota?: OddsQuota;
}

export interface HistoricalOdds<T> {
  /** The snapshot's time: the latest one at or before the requested date. */
  timestamp: number;
  previousTimestamp: number | null;
  nextTimestamp: number | null;
  data: T;
}

export interface OddsApiClientOptions {
  apiKey?: string;
  /** Default https://api.the-odds-api.com (ODDS_API_BASE_URL). */
  baseUrl?: string;
  /** Response cache; false for none. */
  cache?: OddsCache | false;
  /** Passed to the HTTP client (timeouts, retries, sleep). */
  http?: Omit<HttpClientOptions, 'provider'>;
  now?: () => number;
}

export interface OddsQuery {
  /** Bookmaker regions (default uk). */
  regions?: readonly OddsApiRegion[];
  /** Market keys (default h2h), e.g. h2h, spreads, totals. */
  markets?: readonly string[];
  /** Bookmaker keys; when given, The Odds API uses them instead of regions. */
  bookmakers?: readonly string[];
  eventIds?: readonly string[];
  commenceTimeFrom?: string | number;
  commenceTimeTo?: string | number;
  /** Ignore the cache for this request. */
  refresh?: boolean;
}

const KEY_PATTERN = /^[a-z0-9_]{1,64}$/;
const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function checkKey(value: string, field: string, example: string): string {
  const key = String(value).trim();
  if (!KEY_PATTERN.test(key)) {
    throw new ValidationError(`${field}: "${key.slice(0, 40)}" is not a key of The Odds API`, {
      field,
      hint: `keys are lower-case words joined by _, e.g. ${example}`,
    });
  }
  return key;
}

function checkList(
  values: readonly string[] | undefined,
  field: string,
  example: string,
): string[] | undefined {
  if (values === undefined) return undefined;
  const list = values
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  if (list.length === 0)
    throw new ValidationError(`${field}: give at least one`, { field, hint: `e.g. ${example}` });
  return list.map((v) => checkKey(v, field, example));
}

/** The Odds API wants UTC times as YYYY-MM-DDTHH:MM:SSZ (no milliseconds). */
function apiTime(value: string | number, field: string): string {
  const ms =
    typeof value === 'number'
      ? value
      : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(ms)) {
    throw new ValidationError(`${field}: "${String(value).slice(0, 40)}" is not a date or time`, {
      field,
      hint: 'e.g. 2024-08-17 or 2024-08-17T12:00:00Z',
    });
  }
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toEvent(raw: z.infer<typeof eventSchema>): SportEvent {
  return {
    id: raw.id,
    sportKey: raw.sport_key,
    sportTitle: raw.sport_title ?? null,
    commenceTime: Date.parse(raw.commence_time),
    homeTeam: raw.home_team ?? null,
    awayTeam: raw.away_team ?? null,
  };
}

function toOddsEvent(raw: z.infer<typeof oddsEventSchema>): OddsEvent {
  return {
    ...toEvent(raw),
    bookmakers: raw.bookmakers.map((b) => ({
      key: b.key,
      title: b.title,
      lastUpdate: Date.parse(b.last_update),
      markets: b.markets.map((m) => ({
        key: m.key,
        lastUpdate: m.last_update ? Date.parse(m.last_update) : null,
        outcomes: m.outcomes.map((o) => ({
          name: o.name,
          price: o.price,
          ...(o.point !== undefined ? { point: o.point } : {}),
          ...(o.description !== undefined ? { description: o.description } : {}),
        })),
      })),
    })),
  };
}

function toScoreEvent(raw: z.infer<typeof scoreEventSchema>): ScoreEvent {
  let score: ScoreEvent['score'] = null;
  if (raw.scores && raw.home_team && raw.away_team) {
    const home = raw.scores.find((s) => s.name === raw.home_team);
    const away = raw.scores.find((s) => s.name === raw.away_team);
    if (home && away && /^\d+$/.test(home.score) && /^\d+$/.test(away.score)) {
      score = { home: Number(home.score), away: Number(away.score) };
    }
  }
  return {
    ...toEvent(raw),
    completed: raw.completed,
    score,
    lastUpdate: raw.last_update ? Date.parse(raw.last_update) : null,
  };
}

/**
 * Events with odds from a saved feed response (The Odds API's JSON: an array of events, one event, or a
 * historical snapshot whose `data` holds them), e.g. a file written by `sports odds --json-raw`.
 */
export function parseOddsFeed(text: string, source: string): OddsEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError(`${source}: not JSON`, {
      field: 'file',
      hint: 'give a file in The Odds API odds format',
    });
  }
  const snapshot =
    json && typeof json === 'object' && !Array.isArray(json) && 'data' in json
      ? (json as { data: unknown }).data
      : json;
  const list = Array.isArray(snapshot) ? snapshot : [snapshot];
  const parsed = z.array(oddsEventSchema).safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`${source}: ${issue.path.join('.') || 'file'}: ${issue.message}`, {
      field: 'file',
      hint: 'events need id, sport_key, commence_time, home_team, away_team and bookmakers[].markets[].outcomes[] with decimal prices',
    });
  }
  return parsed.data.map(toOddsEvent);
}

function headerNumber(response: Response, name: string): number | null {
  const value = response.headers.get(name);
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export class OddsApiClient {
  readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly http: JsonHttpClient;
  private readonly cache: OddsCache | undefined;
  private readonly now: () => number;
  private lastQuota: OddsQuota | undefined;

  constructor(options: OddsApiClientOptions = {}) {
    this.apiKey = options.apiKey?.trim() || undefined;
    registerSecret(this.apiKey);
    this.baseUrl = (options.baseUrl ?? 'https://api.the-odds-api.com').replace(/\/+$/, '');
    this.http = new JsonHttpClient({
      provider: 'odds-api',
      authHint:
        'set ODDS_API_KEY in .env to a key from https://the-odds-api.com (free plan: 500 requests a month)',
      ...options.http,
    });
    this.cache = options.cache === false ? undefined : options.cache;
    this.now = options.now ?? Date.now;
  }

  static fromConfig(
    config: Config,
    options: Omit<OddsApiClientOptions, 'apiKey' | 'baseUrl'> = {},
  ): OddsApiClient {
    return new OddsApiClient({ ...options, apiKey: config.oddsApi.apiKey, baseUrl: config.oddsApi.baseUrl });
  }

  /** Quota headers of the last response from the API (undefined before the first). */
  get quota(): OddsQuota | undefined {
    return this.lastQuota;
  }

  /** In-season sports (all sports with all = true). Costs no quota. */
  async sports(
    options: { all?: boolean; refresh?: boolean; signal?: AbortSignal } = {},
  ): Promise<OddsApiResult<Sport[]>> {
    const result = await this.request(
      '/v4/sports',
      options.all ? { all: 'true' } : {},
      ODDS_API_CACHE_MS.sports,
      {
        ...options,
        free: true,
      },
    );
    const data = this.parse(z.array(sportSchema), result.body, '/v4/sports');
    return {
      ...result,
      data: data.map((s) => ({
        key: s.key,
        group: s.group,
        title: s.title,
        description: s.description,
        active: s.active,
        hasOutrights: s.has_outrights,
      })),
    };
  }

  /** Upcoming and live events of a sport (no odds). */
  async events(
    sport: string,
    options: Pick<OddsQuery, 'eventIds' | 'commenceTimeFrom' | 'commenceTimeTo' | 'refresh'> & {
      signal?: AbortSignal;
    } = {},
  ): Promise<OddsApiResult<SportEvent[]>> {
    const key = checkKey(sport, 'sport', 'soccer_epl');
    const path = `/v4/sports/${key}/events`;
    const result = await this.request(path, this.filters(options), ODDS_API_CACHE_MS.events, options);
    return { ...result, data: this.parse(z.array(eventSchema), result.body, path).map(toEvent) };
  }

  /** Odds of a sport's upcoming and live events from the bookmakers of the given regions (or bookmakers). */
  async odds(
    sport: string,
    query: OddsQuery & { signal?: AbortSignal } = {},
  ): Promise<OddsApiResult<OddsEvent[]>> {
    const key = sport === 'upcoming' ? sport : checkKey(sport, 'sport', 'soccer_epl');
    const path = `/v4/sports/${key}/odds`;
    const result = await this.request(
      path,
      { ...this.marketParams(query), ...this.filters(query) },
      ODDS_API_CACHE_MS.odds,
      query,
    );
    return { ...result, data: this.parse(z.array(oddsEventSchema), result.body, path).map(toOddsEvent) };
  }

  /** Every requested market of one event. */
  async eventOdds(
    sport: string,
    eventId: string,
    query: OddsQuery & { signal?: AbortSignal } = {},
  ): Promise<OddsApiResult<OddsEvent>> {
    const key = checkKey(sport, 'sport', 'soccer_epl');
    const id = this.eventId(eventId);
    const path = `/v4/sports/${key}/events/${id}/odds`;
    const result = await this.request(path, this.marketParams(query), ODDS_API_CACHE_MS.odds, {
      ...query,
      eventId: id,
    });
    return { ...result, data: toOddsEvent(this.parse(oddsEventSchema, result.body, path)) };
  }

  /** Live and recent scores; `daysFrom` (1-3) includes games completed that many days ago. */
  async scores(
    sport: string,
    options: {
      daysFrom?: number;
      eventIds?: readonly string[];
      refresh?: boolean;
      signal?: AbortSignal;
    } = {},
  ): Promise<OddsApiResult<ScoreEvent[]>> {
    const key = checkKey(sport, 'sport', 'soccer_epl');
    const params: Record<string, string> = {};
    if (options.daysFrom !== undefined) {
      if (!Number.isInteger(options.daysFrom) || options.daysFrom < 1 || options.daysFrom > 3) {
        throw new ValidationError(`daysFrom: must be 1, 2 or 3, got ${options.daysFrom}`, {
          field: 'daysFrom',
        });
      }
      params.daysFrom = String(options.daysFrom);
    }
    if (options.eventIds) params.eventIds = options.eventIds.map((id) => this.eventId(id)).join(',');
    const path = `/v4/sports/${key}/scores`;
    const result = await this.request(path, params, ODDS_API_CACHE_MS.scores, options);
    return { ...result, data: this.parse(z.array(scoreEventSchema), result.body, path).map(toScoreEvent) };
  }

  /** The odds snapshot at or before `date` (paid plans only on the real API). Cached for good. */
  async historicalOdds(
    sport: string,
    date: string | number,
    query: OddsQuery & { signal?: AbortSignal } = {},
  ): Promise<OddsApiResult<HistoricalOdds<OddsEvent[]>>> {
    const key = checkKey(sport, 'sport', 'soccer_epl');
    const path = `/v4/historical/sports/${key}/odds`;
    const params = { ...this.marketParams(query), ...this.filters(query), date: apiTime(date, 'date') };
    const result = await this.request(path, params, ODDS_API_CACHE_MS.historical, query);
    const raw = this.parse(historicalSchema(z.array(oddsEventSchema)), result.body, path);
    return {
      ...result,
      data: {
        timestamp: Date.parse(raw.timestamp),
        previousTimestamp: raw.previous_timestamp ? Date.parse(raw.previous_timestamp) : null,
        nextTimestamp: raw.next_timestamp ? Date.parse(raw.next_timestamp) : null,
        data: raw.data.map(toOddsEvent),
      },
    };
  }

  private eventId(value: string): string {
    const id = String(value).trim();
    if (!EVENT_ID_PATTERN.test(id)) {
      throw new ValidationError(`eventId: "${id.slice(0, 40)}" is not an event id of The Odds API`, {
        field: 'eventId',
        hint: 'event ids are the 32-character hex ids from get_sports_events / sports odds',
      });
    }
    return id;
  }

  private marketParams(query: OddsQuery): Record<string, string> {
    const params: Record<string, string> = { oddsFormat: 'decimal', dateFormat: 'iso' };
    const bookmakers = checkList(query.bookmakers, 'bookmakers', 'pinnacle,williamhill');
    if (bookmakers) params.bookmakers = bookmakers.join(',');
    else {
      const regions = query.regions ?? ['uk'];
      for (const r of regions) {
        if (!ODDS_API_REGIONS.includes(r)) {
          throw new ValidationError(`regions: unknown region "${String(r).slice(0, 20)}"`, {
            field: 'regions',
            hint: `use ${ODDS_API_REGIONS.join(', ')}`,
          });
        }
      }
      params.regions = regions.join(',');
    }
    params.markets = (checkList(query.markets, 'markets', 'h2h,totals') ?? ['h2h']).join(',');
    return params;
  }

  private filters(
    query: Pick<OddsQuery, 'eventIds' | 'commenceTimeFrom' | 'commenceTimeTo'>,
  ): Record<string, string> {
    const params: Record<string, string> = {};
    if (query.eventIds) params.eventIds = query.eventIds.map((id) => this.eventId(id)).join(',');
    if (query.commenceTimeFrom !== undefined)
      params.commenceTimeFrom = apiTime(query.commenceTimeFrom, 'commenceTimeFrom');
    if (query.commenceTimeTo !== undefined)
      params.commenceTimeTo = apiTime(query.commenceTimeTo, 'commenceTimeTo');
    return params;
  }

  private parse<T extends z.ZodType>(schema: T, body: string, path: string): z.output<T> {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ProviderError('odds-api', `odds-api: response to ${path} is not JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProviderError(
        'odds-api',
        `odds-api: unexpected response to ${path}: ${issue.path.join('.') || 'body'}: ${issue.message}`,
        { hint: 'the API changed or a proxy answered; check ODDS_API_BASE_URL' },
      );
    }
    return parsed.data;
  }

  /** GET (or serve from the cache) one request; returns the raw body text. */
  private async request(
    path: string,
    params: Record<string, string>,
    maxAgeMs: number,
    options: { refresh?: boolean; signal?: AbortSignal; free?: boolean; eventId?: string },
  ): Promise<{ body: string; fromCache: boolean; fetchedAt: number; quota?: OddsQuota }> {
    // The cache key is the request without the key, parameters in a fixed order.
    const query = new URLSearchParams(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
    const cacheKey = `${this.baseUrl}${path}?${query}`;
    if (this.cache && !options.refresh) {
      const hit = this.cache.get(cacheKey, maxAgeMs, this.now());
      if (hit) {
        log.debug(`cache hit ${path}`, { ageMs: this.now() - hit.fetchedAt });
        return { body: hit.body, fromCache: true, fetchedAt: hit.fetchedAt };
      }
    }
    if (!this.apiKey) {
      throw new ConfigError('ODDS_API_KEY is not set: the odds feed needs a key of The Odds API', {
        field: 'ODDS_API_KEY',
        hint: 'set ODDS_API_KEY in .env (free key: https://the-odds-api.com); the bundled historical data needs none (sports backtest)',
      });
    }
    if (!options.free && this.lastQuota?.remaining === 0) {
      throw new NeuralTraderError(
        'RATE_LIMIT',
        `odds-api: the request quota is used up (x-requests-used ${this.lastQuota.used ?? '?'}); nothing was requested`,
        {
          hint: 'wait for the quota to reset (monthly) or upgrade the plan; cached responses are still served',
        },
      );
    }
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of query) url.searchParams.set(k, v);
    url.searchParams.set('apiKey', this.apiKey);
    let quota: OddsQuota | undefined;
    const onResponse = (response: Response) => {
      const remaining = headerNumber(response, 'x-requests-remaining');
      const used = headerNumber(response, 'x-requests-used');
      const last = headerNumber(response, 'x-requests-last');
      if (remaining !== null || used !== null) {
        quota = { remaining, used, last, at: this.now() };
        this.lastQuota = quota;
      }
    };
    let json: unknown;
    try {
      json = await this.http.getJson(url, {
        signal: options.signal,
        onResponse,
        // A 429 with nothing remaining is an exhausted quota, not a burst limit: retrying cannot help.
        shouldRetry: (response) =>
          !(response.status === 429 && headerNumber(response, 'x-requests-remaining') === 0),
      });
    } catch (error) {
      throw this.explain(error, path, options.eventId);
    }
    const body = JSON.stringify(json);
    const fetchedAt = this.now();
    this.cache?.put(cacheKey, body, fetchedAt);
    if (quota) log.debug(`odds-api quota: ${quota.remaining ?? '?'} remaining, ${quota.used ?? '?'} used`);
    return { body, fromCache: false, fetchedAt, quota };
  }

  /** Sports-specific wording for the HTTP client's errors (same codes, statuses and redaction). */
  private explain(error: unknown, path: string, eventId?: string): unknown {
    if (!(error instanceof ProviderError) || error.status === undefined) return error;
    const detail = error.message.replace(
      /^odds-api: [^:]*?\(HTTP \d+\)( after \d+ attempts)?( GET \S+)?:? ?/,
      '',
    );
    const said = detail && detail !== error.message ? `: ${detail}` : '';
    if (error.status === 404) {
      return new ProviderError(
        'odds-api',
        `odds-api: ${eventId ? `event "${eventId}"` : path} not found (HTTP 404)${said}`,
        {
          status: 404,
          code: 'NOT_FOUND',
          hint: 'check the sport key (neural-trader sports odds --list-sports) and the event id',
        },
      );
    }
    if (error.status === 422 || error.status === 400) {
      return new ProviderError('odds-api', `odds-api: request rejected (HTTP ${error.status})${said}`, {
        status: error.status,
        code: 'PROVIDER',
        hint: 'check the sport key, regions, markets, bookmakers and dates',
      });
    }
    if (error.status === 429) {
      const q = this.lastQuota;
      const exhausted = q?.remaining === 0;
      return new ProviderError(
        'odds-api',
        exhausted
          ? `odds-api: the request quota is used up (HTTP 429, x-requests-used ${q?.used ?? '?'})${said}`
          : `odds-api: too many requests (HTTP 429) after retries${said}`,
        {
          status: 429,
          code: 'RATE_LIMIT',
          hint: exhausted
            ? 'wait for the quota to reset or upgrade the plan'
            : 'wait a few seconds and try again',
        },
      );
    }
    return error;
  }
}
