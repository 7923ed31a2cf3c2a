import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { ConfigError, DataError, ProviderError } from '../../src/core/errors.js';
import { AlpacaProvider, type AlpacaProviderOptions } from '../../src/data/alpaca.js';
import { type FakeAlpacaDataServer, generateFakeBars, startFakeAlpacaDataServer } from '../fakes/index.js';

const KEY = 'AKTESTKEY0123456789';
const SECRET = 'sEcReT-value-abcdef-0123456789';
const NOW = Date.parse('2024-06-28T22:00:00Z');

let server: FakeAlpacaDataServer;
let home: string;

beforeAll(async () => {
  server = await startFakeAlpacaDataServer({ keyId: KEY, secretKey: SECRET });
  home = mkdtempSync(join(tmpdir(), 'nt-alpaca-'));
});

afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

afterEach(() => {
  server.reset();
});

function provider(options: AlpacaProviderOptions = {}): { alpaca: AlpacaProvider; sleeps: number[] } {
  const sleeps: number[] = [];
  const config = loadConfig({
    env: {
      ALPACA_API_KEY: KEY,
      ALPACA_SECRET_KEY: SECRET,
      ALPACA_DATA_URL: server.url,
      NEURAL_TRADER_HOME: home,
    },
    envFile: false,
    applyLogLevel: false,
  });
  const alpaca = new AlpacaProvider({
    config,
    cache: false,
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { alpaca, sleeps };
}

describe('AlpacaProvider: stocks', () => {
  it('downloads daily bars with Alpaca query parameters and auth headers, stamped at midnight UTC', async () => {
    const { alpaca } = provider();
    const series = await alpaca.fetchBars('aapl', { start: '2024-01-02', end: '2024-01-31' });
    expect(series.symbol).toBe('AAPL');
    expect(series.timeframe).toBe('1Day');
    // 22 weekdays in [Jan 2, Jan 31] 2024.
    expect(series.length).toBe(22);
    expect(series.firstTimestamp).toBe(Date.parse('2024-01-02T00:00:00Z'));
    expect(series.lastTimestamp).toBe(Date.parse('2024-01-31T00:00:00Z'));
    const expected = generateFakeBars({
      symbol: 'AAPL',
      timeframe: '1Day',
      start: Date.parse('2024-01-02T00:00:00Z'),
      end: Date.parse('2024-01-31T23:59:59Z'),
    });
    expect(Array.from(series.close)).toEqual(expected.map((b) => b.c));
    expect(Array.from(series.volume)).toEqual(expected.map((b) => b.v));

    const [request] = server.barRequests();
    expect(request.path).toBe('/v2/stocks/AAPL/bars');
    expect(request.query).toMatchObject({
      timeframe: '1Day',
      start: '2024-01-02T00:00:00.000Z',
      end: '2024-01-31T23:59:59.999Z',
      limit: '10000',
      feed: 'iex',
      adjustment: 'raw',
    });
    expect(request.headers['apca-api-key-id']).toBe(KEY);
    expect(request.headers['apca-api-secret-key']).toBe(SECRET);
    // The secret travels only in headers.
    expect(request.url).not.toContain(SECRET);
    expect(request.url).not.toContain(KEY);
  });

  it('assembles every page in order using next_page_token', async () => {
    const paged = await startFakeAlpacaDataServer({ keyId: KEY, secretKey: SECRET, pageSize: 7 });
    try {
      const { alpaca } = provider({ dataUrl: paged.url, pageLimit: 7 });
      const progress: number[] = [];
      const series = await alpaca.fetchBars('MSFT', {
        start: '2024-01-01',
        end: '2024-03-31',
        onProgress: (n) => progress.push(n),
      });
      const expected = generateFakeBars({
        symbol: 'MSFT',
        timeframe: '1Day',
        start: Date.parse('2024-01-01T00:00:00Z'),
        end: Date.parse('2024-03-31T23:59:59Z'),
      });
      expect(series.length).toBe(expected.length);
      expect(Array.from(series.close)).toEqual(expected.map((b) => b.c));
      for (let i = 1; i < series.length; i++)
        expect(series.timestamps[i]).toBeGreaterThan(series.timestamps[i - 1]);
      const requests = paged.barRequests();
      expect(requests.length).toBe(Math.ceil(expected.length / 7));
      expect(requests[0].query.page_token).toBeUndefined();
      for (const r of requests.slice(1)) expect(r.query.page_token).toBeTruthy();
      // Other parameters stay unchanged between pages.
      for (const r of requests) expect(r.query.start).toBe(requests[0].query.start);
      expect(progress.at(-1)).toBe(expected.length);
    } finally {
      await paged.close();
    }
  });

  it('passes feed, adjustment and intraday timeframes as Alpaca spells them', async () => {
    const { alpaca } = provider({ feed: 'sip', adjustment: 'all' });
    const series = await alpaca.fetchBars('SPY', {
      start: '2024-01-03T14:30:00Z',
      end: '2024-01-03T15:29:59Z',
      timeframe: '15Min',
    });
    expect(series.length).toBe(4);
    expect(series.firstTimestamp).toBe(Date.parse('2024-01-03T14:30:00Z'));
    expect(server.barRequests()[0].query).toMatchObject({
      timeframe: '15Min',
      feed: 'sip',
      adjustment: 'all',
    });
  });

  it('raises DataError when the range holds no bars', async () => {
    const { alpaca } = provider();
    const error = await alpaca.fetchBars('AAPL', { start: '2024-01-06', end: '2024-01-07' }).catch((e) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toContain('no 1Day bars for AAPL');
  });
});

describe('AlpacaProvider: crypto', () => {
  it('downloads BTC/USD from the v1beta3 crypto endpoint (bars keyed by symbol), every day of the week', async () => {
    const paged = await startFakeAlpacaDataServer({ keyId: KEY, secretKey: SECRET, pageSize: 5 });
    try {
      const { alpaca } = provider({ dataUrl: paged.url });
      const series = await alpaca.fetchBars('BTC/USD', { start: '2024-01-01', end: '2024-01-14' });
      expect(series.symbol).toBe('BTC/USD');
      expect(series.length).toBe(14);
      expect(series.firstTimestamp).toBe(Date.parse('2024-01-01T00:00:00Z'));
      const requests = paged.barRequests();
      expect(requests[0].path).toBe('/v1beta3/crypto/us/bars');
      expect(requests[0].query.symbols).toBe('BTC/USD');
      expect(requests[0].query.feed).toBeUndefined();
      expect(requests.length).toBe(3);
    } finally {
      await paged.close();
    }
  });
});

describe('AlpacaProvider: failures', () => {
  it('refuses to run without keys, before any request, naming the env vars', async () => {
    const config = loadConfig({
      env: { ALPACA_DATA_URL: server.url, NEURAL_TRADER_HOME: home },
      envFile: false,
      applyLogLevel: false,
    });
    const alpaca = new AlpacaProvider({ config, cache: false });
    const error = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('ALPACA_API_KEY');
    expect(error.message).toContain('ALPACA_SECRET_KEY');
    expect(error.hint).toContain('.env');
    expect(server.requests.length).toBe(0);

    const onlyKey = new AlpacaProvider({ config, cache: false, apiKey: KEY });
    const second = await onlyKey.fetchBars('AAPL').catch((e) => e);
    expect(second).toBeInstanceOf(ConfigError);
    expect(second.message).toContain('ALPACA_SECRET_KEY');
    expect(second.message).not.toContain(KEY);
  });

  it('401 becomes an authentication ProviderError with a hint and no credentials in the text', async () => {
    const { alpaca } = provider({ secretKey: 'wrong-secret-0987654321' });
    const error = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(401);
    expect(error.code).toBe('AUTH');
    expect(error.message).toContain('authentication failed');
    expect(error.hint).toContain('ALPACA_API_KEY');
    expect(error.hint).toContain('ALPACA_SECRET_KEY');
    const text = `${error.message} ${error.hint} ${error.stack}`;
    for (const secret of [KEY, SECRET, 'wrong-secret-0987654321']) expect(text).not.toContain(secret);
    // Not retried.
    expect(server.requests.length).toBe(1);
  });

  it('403 is an authentication failure too', async () => {
    server.script({ status: 403, body: { message: 'forbidden.' } });
    const { alpaca } = provider();
    const error = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error.code).toBe('AUTH');
    expect(error.message).toContain('HTTP 403');
    expect(error.message).toContain('forbidden');
  });

  it("422 surfaces Alpaca's own message", async () => {
    server.script({ status: 422, body: { code: 42210000, message: 'invalid symbol: $$$' } });
    const { alpaca } = provider();
    const error = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(422);
    expect(error.message).toContain('invalid symbol: $$$');
    expect(server.requests.length).toBe(1);
  });

  it('429 is retried after the Retry-After delay, then succeeds', async () => {
    server.script({ status: 429, body: { message: 'too many requests.' }, headers: { 'retry-after': '3' } });
    const { alpaca, sleeps } = provider();
    const series = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    expect(series.length).toBe(4);
    expect(sleeps).toEqual([3000]);
    expect(server.requests.length).toBe(2);
  });

  it('5xx is retried with growing backoff, then succeeds', async () => {
    server.script({ status: 500, body: 'oops' }, { status: 502, body: 'bad gateway' }, { status: 503 });
    const { alpaca, sleeps } = provider({ retryBaseDelayMs: 100 });
    const series = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    expect(series.length).toBe(4);
    expect(server.requests.length).toBe(4);
    expect(sleeps.length).toBe(3);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[2]).toBeGreaterThanOrEqual(200);
    expect(sleeps[2]).toBeLessThanOrEqual(400);
  });

  it('gives up after maxRetries with a server error naming the status', async () => {
    server.script(...Array.from({ length: 3 }, () => ({ status: 500, body: { message: 'internal error' } })));
    const { alpaca, sleeps } = provider({ maxRetries: 2 });
    const error = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(500);
    expect(error.message).toContain('after 3 attempts');
    expect(sleeps.length).toBe(2);
    expect(server.requests.length).toBe(3);
  });

  it('times out a slow answer and says after how long', async () => {
    server.script({ status: 200, body: { bars: null, next_page_token: null }, delayMs: 2000 });
    const { alpaca } = provider({ timeoutMs: 150, maxRetries: 0 });
    const started = Date.now();
    const error = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('timed out after 150 ms');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('retries a timed-out request and succeeds when the service recovers', async () => {
    server.script({ status: 200, body: { bars: null, next_page_token: null }, delayMs: 1000 });
    const { alpaca, sleeps } = provider({ timeoutMs: 200, maxRetries: 1 });
    const series = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    expect(series.length).toBe(4);
    expect(sleeps.length).toBe(1);
  });

  it('rejects a malformed response body with a clear ProviderError', async () => {
    server.script({
      status: 200,
      body: { bars: [{ t: '2024-01-02T05:00:00Z', o: 'x' }], next_page_token: null },
    });
    const { alpaca } = provider();
    const error = await alpaca.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' }).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('bars.0.o');
  });
});
