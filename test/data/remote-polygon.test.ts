import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { ConfigError, ProviderError } from '../../src/core/errors.js';
import { PolygonProvider, type PolygonProviderOptions } from '../../src/data/polygon.js';
import { type FakePolygonServer, generateFakeBars, startFakePolygonServer } from '../fakes/index.js';

const KEY = 'PolyKey_9f8e7d6c5b4a3210';
const NOW = Date.parse('2024-06-28T22:00:00Z');

let server: FakePolygonServer;
let home: string;

beforeAll(async () => {
  server = await startFakePolygonServer({ apiKey: KEY, pageSize: 10 });
  home = mkdtempSync(join(tmpdir(), 'nt-polygon-'));
});

afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

afterEach(() => server.reset());

function provider(options: PolygonProviderOptions = {}): { polygon: PolygonProvider; sleeps: number[] } {
  const sleeps: number[] = [];
  const config = loadConfig({
    env: { POLYGON_API_KEY: KEY, POLYGON_BASE_URL: server.url, NEURAL_TRADER_HOME: home },
    envFile: false,
    applyLogLevel: false,
  });
  const polygon = new PolygonProvider({
    config,
    cache: false,
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { polygon, sleeps };
}

describe('PolygonProvider', () => {
  it('follows next_url across pages, sending the key only as a Bearer header', async () => {
    const { polygon } = provider();
    const series = await polygon.fetchBars('AAPL', { start: '2024-01-01', end: '2024-03-31' });
    const expected = generateFakeBars({
      symbol: 'AAPL',
      timeframe: '1Day',
      start: Date.parse('2024-01-01T00:00:00Z'),
      end: Date.parse('2024-03-31T23:59:59.999Z'),
    });
    expect(series.length).toBe(expected.length);
    expect(Array.from(series.close)).toEqual(expected.map((b) => b.c));
    // Daily bars are stamped at midnight UTC of the trading day.
    expect(series.firstTimestamp).toBe(Date.parse('2024-01-01T00:00:00Z'));
    const requests = server.aggRequests();
    expect(requests.length).toBe(Math.ceil(expected.length / 10));
    expect(requests[0].path).toBe(
      `/v2/aggs/ticker/AAPL/range/1/day/${Date.parse('2024-01-01')}/${Date.parse('2024-03-31') + 86_399_999}`,
    );
    expect(requests[0].query).toMatchObject({ adjusted: 'true', sort: 'asc', limit: '50000' });
    expect(requests[1].query.cursor).toBeTruthy();
    for (const r of requests) {
      expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(r.url).not.toContain(KEY);
      expect(r.query.apiKey).toBeUndefined();
    }
  });

  it('maps timeframes to multiplier/timespan and accepts DELAYED data', async () => {
    const delayed = await startFakePolygonServer({ apiKey: KEY, delayed: true });
    try {
      const { polygon } = provider({ baseUrl: delayed.url, adjusted: false });
      const series = await polygon.fetchBars('msft', {
        start: '2024-01-03T14:30:00Z',
        end: '2024-01-03T16:29:59Z',
        timeframe: '1Hour',
      });
      expect(series.length).toBe(2);
      expect(series.symbol).toBe('MSFT');
      const [request] = delayed.aggRequests();
      expect(request.path).toContain('/range/1/hour/');
      expect(request.query.adjusted).toBe('false');
      await polygon.fetchBars('MSFT', {
        start: '2024-01-03T14:30:00Z',
        end: '2024-01-03T15:00:00Z',
        timeframe: '5Min',
      });
      expect(delayed.aggRequests()[1].path).toContain('/range/5/minute/');
    } finally {
      await delayed.close();
    }
  });

  it('serves crypto tickers (X:BTCUSD) every day', async () => {
    const { polygon } = provider();
    const series = await polygon.fetchBars('X:BTCUSD', { start: '2024-01-01', end: '2024-01-07' });
    expect(series.length).toBe(7);
  });

  it('missing key -> ConfigError naming POLYGON_API_KEY, no request made', async () => {
    const config = loadConfig({ env: { NEURAL_TRADER_HOME: home }, envFile: false, applyLogLevel: false });
    const polygon = new PolygonProvider({ config, cache: false, baseUrl: server.url });
    const error = await polygon.fetchBars('AAPL').catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('POLYGON_API_KEY');
    expect(error.hint).toContain('.env');
    expect(server.requests.length).toBe(0);
  });

  it('bad key -> authentication ProviderError with the hint and no key text', async () => {
    const { polygon } = provider({ apiKey: 'WrongPolygonKey123456' });
    const error = await polygon.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.code).toBe('AUTH');
    expect(error.message).toContain('Unknown API Key');
    expect(error.hint).toContain('POLYGON_API_KEY');
    expect(`${error.message} ${error.hint}`).not.toContain('WrongPolygonKey123456');
  });

  it('400 surfaces the error from the body; 404 says the symbol was not found', async () => {
    server.script({ status: 400, body: { status: 'ERROR', request_id: 'r1', error: 'Invalid date range' } });
    const { polygon } = provider();
    const bad = await polygon.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(bad.status).toBe(400);
    expect(bad.message).toContain('Invalid date range');
    server.script({
      status: 404,
      body: { status: 'NOT_FOUND', request_id: 'r2', message: 'ticker not found' },
    });
    const missing = await polygon
      .fetchBars('ZZZZ', { start: '2024-01-02', end: '2024-01-05' })
      .catch((e) => e);
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('symbol "ZZZZ" not found');
  });

  it('retries 429 honouring an HTTP-date Retry-After (capped) and 5xx, then succeeds', async () => {
    const retryAt = new Date(Date.now() + 2_000).toUTCString();
    server.script(
      { status: 429, body: { status: 'ERROR', error: 'rate limited' }, headers: { 'retry-after': retryAt } },
      { status: 503, body: 'unavailable' },
    );
    const { polygon, sleeps } = provider();
    const series = await polygon.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    expect(series.length).toBe(4);
    expect(sleeps.length).toBe(2);
    // HTTP-dates have one-second resolution.
    expect(sleeps[0]).toBeGreaterThan(500);
    expect(sleeps[0]).toBeLessThanOrEqual(2_000);
    server.script({ status: 429, body: {}, headers: { 'retry-after': '86400' } });
    const capped = provider({ maxRetries: 1 });
    await capped.polygon.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    expect(capped.sleeps).toEqual([30_000]);
  });

  it('refuses a next_url that points at another host (it would receive the key)', async () => {
    server.script({
      status: 200,
      body: {
        status: 'OK',
        resultsCount: 1,
        results: [{ t: Date.parse('2024-01-02T05:00:00Z'), o: 1, h: 2, l: 0.5, c: 1.5, v: 10 }],
        next_url: 'https://evil.example.com/v2/aggs/ticker/AAPL/range/1/day/1/2?cursor=abc',
      },
    });
    const { polygon } = provider();
    const error = await polygon.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('refusing to follow next_url');
    expect(server.requests.length).toBe(1);
  });

  it('reports a non-OK status in a 200 answer', async () => {
    server.script({ status: 200, body: { status: 'ERROR', request_id: 'x', error: 'something broke' } });
    const { polygon } = provider();
    const error = await polygon.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error.message).toContain('status ERROR: something broke');
  });
});
