import { type FakeTimeframe, generateFakeBars } from './fake-bars.js';
import {
  type FakeServerBase,
  type JsonReply,
  type RecordedRequest,
  type StartOptions,
  startFakeServer,
} from './fake-http.js';

/**
 * A fake of Polygon's aggregates endpoint (`GET /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}`)
 * answering in its wire format (`status`, `resultsCount`, `results[]` of {t,o,h,l,c,v,vw,n}, `next_url`
 * with a cursor), authenticating by `Authorization: Bearer` header or `apiKey` query parameter.
 */

export interface FakePolygonServerOptions extends StartOptions {
  /** Accepted key (default test-polygon-key). */
  apiKey?: string;
  /** Largest page the fake returns regardless of `limit`. */
  pageSize?: number;
  /** Answer with status DELAYED instead of OK (as for plans without real-time data). */
  delayed?: boolean;
}

export interface FakePolygonServer extends FakeServerBase {
  readonly apiKey: string;
  aggRequests(): RecordedRequest[];
}

const TIMESPANS: Record<string, Partial<Record<number, FakeTimeframe>>> = {
  minute: { 1: '1Min', 5: '5Min', 15: '15Min', 30: '30Min' },
  hour: { 1: '1Hour', 4: '4Hour' },
  day: { 1: '1Day' },
  week: { 1: '1Week' },
  month: { 1: '1Month' },
};

/** `from`/`to` are YYYY-MM-DD (a whole day) or epoch ms. */
function parseBound(text: string, isEnd: boolean): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return Date.parse(`${text}T00:00:00Z`) + (isEnd ? 86_399_999 : 0);
  if (/^\d+$/.test(text)) return Number(text);
  return Number.NaN;
}

function requestId(): string {
  return Math.random().toString(16).slice(2);
}

export async function startFakePolygonServer(
  options: FakePolygonServerOptions = {},
): Promise<FakePolygonServer> {
  const apiKey = options.apiKey ?? 'test-polygon-key';

  const handle = (request: RecordedRequest, origin: string): JsonReply => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const given = bearer ?? request.query.apiKey;
    if (given === undefined) {
      return {
        status: 401,
        body: { status: 'ERROR', request_id: requestId(), error: 'API Key was not provided' },
      };
    }
    if (given !== apiKey) {
      return { status: 401, body: { status: 'ERROR', request_id: requestId(), error: 'Unknown API Key' } };
    }
    const m = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/(\d+)\/([a-z]+)\/([^/]+)\/([^/]+)$/.exec(request.path);
    if (!m)
      return { status: 404, body: { status: 'NOT_FOUND', request_id: requestId(), message: 'Not found' } };
    const [, ticker, multiplierText, timespan, fromText, toText] = m;
    const timeframe = TIMESPANS[timespan]?.[Number(multiplierText)];
    if (!timeframe) {
      return {
        status: 400,
        body: {
          status: 'ERROR',
          request_id: requestId(),
          error: `unsupported timespan ${multiplierText}/${timespan}`,
        },
      };
    }
    const from = parseBound(fromText, false);
    const to = parseBound(toText, true);
    if (Number.isNaN(from) || Number.isNaN(to)) {
      return {
        status: 400,
        body: {
          status: 'ERROR',
          request_id: requestId(),
          error: "Could not parse the time parameter: 'from'",
        },
      };
    }
    const q = request.query;
    const limit = q.limit === undefined ? 5000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50_000) {
      return {
        status: 400,
        body: { status: 'ERROR', request_id: requestId(), error: 'limit must be 1..50000' },
      };
    }
    const offset = q.cursor === undefined ? 0 : Number(Buffer.from(q.cursor, 'base64url').toString('utf8'));
    const crypto = ticker.startsWith('X:') || ticker.startsWith('C:');
    const all = generateFakeBars({ symbol: ticker, timeframe, start: from, end: to, crypto });
    const pageSize = Math.min(limit, options.pageSize ?? limit);
    const page = all.slice(offset, offset + pageSize);
    const body: Record<string, unknown> = {
      ticker,
      queryCount: page.length,
      resultsCount: page.length,
      adjusted: q.adjusted !== 'false',
      status: options.delayed ? 'DELAYED' : 'OK',
      request_id: requestId(),
      count: page.length,
    };
    if (page.length > 0) body.results = page;
    if (offset + pageSize < all.length) {
      const next = new URL(`${origin}${request.path}`);
      next.searchParams.set('cursor', Buffer.from(String(offset + pageSize)).toString('base64url'));
      for (const name of ['adjusted', 'sort', 'limit'])
        if (q[name] !== undefined) next.searchParams.set(name, q[name]);
      body.next_url = next.toString();
    }
    return { status: 200, body };
  };

  const base = await startFakeServer(handle, options);
  return { ...base, apiKey, aggRequests: () => base.requests.filter((r) => r.path.startsWith('/v2/aggs/')) };
}
