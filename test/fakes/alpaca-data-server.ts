import { type FakeBar, type FakeTimeframe, generateFakeBars } from './fake-bars.js';
import {
  type FakeServerBase,
  type JsonReply,
  type RecordedRequest,
  type StartOptions,
  startFakeServer,
} from './fake-http.js';

/**
 * A fake of Alpaca's Market Data API v2 (data.alpaca.markets) answering in its wire format:
 * `GET /v2/stocks/{symbol}/bars`, `GET /v2/stocks/bars?symbols=`, `GET /v1beta3/crypto/us/bars?symbols=`,
 * with APCA-API-KEY-ID / APCA-API-SECRET-KEY authentication, `limit` + `page_token` pagination and
 * Alpaca's error bodies (`{"code": ..., "message": ...}`).
 */

export interface FakeAlpacaDataServerOptions extends StartOptions {
  /** Accepted credentials (default test-key-id / test-secret-key). */
  keyId?: string;
  secretKey?: string;
  /** Largest page the fake returns regardless of `limit` (small values exercise pagination). */
  pageSize?: number;
}

export interface FakeAlpacaDataServer extends FakeServerBase {
  readonly keyId: string;
  readonly secretKey: string;
  /** Only the bar requests (stocks and crypto). */
  barRequests(): RecordedRequest[];
}

const TIMEFRAMES = new Set<FakeTimeframe>([
  '1Min',
  '5Min',
  '15Min',
  '30Min',
  '1Hour',
  '4Hour',
  '1Day',
  '1Week',
  '1Month',
]);

/** RFC-3339 without milliseconds, as Alpaca prints bar times. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function alpacaBar(bar: FakeBar) {
  return { t: rfc3339(bar.t), o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v, n: bar.n, vw: bar.vw };
}

function invalid(message: string): JsonReply {
  return { status: 422, body: { code: 42210000, message } };
}

function encodeToken(index: number): string {
  return Buffer.from(`i=${index}`).toString('base64url');
}

function decodeToken(token: string): number | undefined {
  const match = /^i=(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

export async function startFakeAlpacaDataServer(
  options: FakeAlpacaDataServerOptions = {},
): Promise<FakeAlpacaDataServer> {
  const keyId = options.keyId ?? 'test-key-id';
  const secretKey = options.secretKey ?? 'test-secret-key';

  const handle = (request: RecordedRequest): JsonReply => {
    if (
      request.headers['apca-api-key-id'] !== keyId ||
      request.headers['apca-api-secret-key'] !== secretKey
    ) {
      return { status: 401, body: { message: 'unauthorized.' } };
    }
    const single = /^\/v2\/stocks\/([^/]+)\/bars$/.exec(request.path);
    const multiStocks = request.path === '/v2/stocks/bars';
    const crypto = request.path === '/v1beta3/crypto/us/bars';
    if (!single && !multiStocks && !crypto) return { status: 404, body: { message: 'Not Found' } };

    const q = request.query;
    const timeframe = q.timeframe as FakeTimeframe;
    if (!TIMEFRAMES.has(timeframe)) return invalid(`invalid timeframe: ${q.timeframe ?? ''}`);
    const dayStart = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const start = q.start === undefined ? dayStart : Date.parse(q.start);
    const end = q.end === undefined ? Date.now() : Date.parse(q.end);
    if (Number.isNaN(start)) return invalid(`invalid start: ${q.start}`);
    if (Number.isNaN(end)) return invalid(`invalid end: ${q.end}`);
    if (end < start) return invalid('end should not be before start');
    const limit = q.limit === undefined ? 1000 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      return invalid('invalid limit: exceeded the maximum allowed');
    }
    if (!crypto) {
      if (q.feed !== undefined && !['iex', 'sip', 'otc'].includes(q.feed))
        return invalid(`invalid feed: ${q.feed}`);
      if (q.adjustment !== undefined && !['raw', 'split', 'dividend', 'all'].includes(q.adjustment)) {
        return invalid(`invalid adjustment: ${q.adjustment}`);
      }
    }
    let offset = 0;
    if (q.page_token !== undefined) {
      const decoded = decodeToken(q.page_token);
      if (decoded === undefined) return invalid('invalid page token');
      offset = decoded;
    }
    const pageSize = Math.min(limit, options.pageSize ?? limit);
    const symbols = single ? [single[1]] : (q.symbols ?? '').split(',').filter(Boolean);
    if (symbols.length === 0) return invalid('no symbol was given');
    // Multi-symbol answers are ordered by symbol, then time; a page may span symbols.
    const all = symbols.flatMap((symbol) =>
      generateFakeBars({ symbol, timeframe, start, end, crypto }).map((bar) => ({ symbol, bar })),
    );
    const page = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? encodeToken(offset + pageSize) : null;
    if (single) {
      return {
        status: 200,
        body: {
          bars: page.length > 0 ? page.map((p) => alpacaBar(p.bar)) : null,
          symbol: symbols[0],
          next_page_token: next,
        },
      };
    }
    const bars: Record<string, ReturnType<typeof alpacaBar>[]> = {};
    for (const { symbol, bar } of page) {
      bars[symbol] ??= [];
      bars[symbol].push(alpacaBar(bar));
    }
    return { status: 200, body: { bars, next_page_token: next } };
  };

  const base = await startFakeServer(handle, options);
  return {
    ...base,
    keyId,
    secretKey,
    barRequests: () => base.requests.filter((r) => r.path.endsWith('/bars')),
  };
}
