import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { AlpacaProvider, type AlpacaProviderOptions } from '../../src/data/alpaca.js';
import { BarCache, settledBefore } from '../../src/data/cache.js';
import { PolygonProvider } from '../../src/data/polygon.js';
import {
  type FakeAlpacaDataServer,
  type FakePolygonServer,
  generateFakeBars,
  startFakeAlpacaDataServer,
  startFakePolygonServer,
} from '../fakes/index.js';

const KEY = 'AKCACHETEST123456';
const SECRET = 'cache-test-secret-abcdef';
const DAY = 86_400_000;

let alpacaServer: FakeAlpacaDataServer;
let polygonServer: FakePolygonServer;
let home: string;
const open: BarCache[] = [];

beforeAll(async () => {
  alpacaServer = await startFakeAlpacaDataServer({ keyId: KEY, secretKey: SECRET, pageSize: 50 });
  polygonServer = await startFakePolygonServer({ apiKey: KEY });
  home = mkdtempSync(join(tmpdir(), 'nt-cache-providers-'));
});

afterAll(async () => {
  await alpacaServer.close();
  await polygonServer.close();
  rmSync(home, { recursive: true, force: true });
});

afterEach(() => {
  alpacaServer.reset();
  polygonServer.reset();
  for (const cache of open.splice(0)) cache.close();
});

let dbCounter = 0;
function newCache(path = join(home, `db${++dbCounter}`, 'bars.sqlite')): BarCache {
  const cache = new BarCache({ path });
  open.push(cache);
  return cache;
}

const config = () =>
  loadConfig({
    env: {
      ALPACA_API_KEY: KEY,
      ALPACA_SECRET_KEY: SECRET,
      ALPACA_DATA_URL: alpacaServer.url,
      POLYGON_API_KEY: KEY,
      POLYGON_BASE_URL: polygonServer.url,
      NEURAL_TRADER_HOME: home,
    },
    envFile: false,
    applyLogLevel: false,
  });

function alpaca(cache: BarCache, options: AlpacaProviderOptions = {}): AlpacaProvider {
  return new AlpacaProvider({
    config: config(),
    cache,
    now: () => Date.parse('2024-12-31T23:00:00Z'),
    ...options,
  });
}

describe('remote providers read through the bar cache', () => {
  it('a second identical request makes zero HTTP requests and returns identical bars', async () => {
    const cache = newCache();
    const provider = alpaca(cache);
    const first = await provider.fetchBars('AAPL', { start: '2024-01-01', end: '2024-06-30' });
    const firstRequests = alpacaServer.requests.length;
    expect(firstRequests).toBeGreaterThan(1);
    alpacaServer.reset();
    const second = await provider.fetchBars('AAPL', { start: '2024-01-01', end: '2024-06-30' });
    expect(alpacaServer.requests.length).toBe(0);
    expect(Array.from(second.timestamps)).toEqual(Array.from(first.timestamps));
    expect(Array.from(second.close)).toEqual(Array.from(first.close));
    // A sub-range is a hit too, and so is a new provider instance on the same file.
    const again = alpaca(newCache(cache.path));
    const sub = await again.fetchBars('AAPL', { start: '2024-02-01', end: '2024-02-29' });
    expect(sub.length).toBe(21);
    expect(alpacaServer.requests.length).toBe(0);
  });

  it('a wider request downloads only the missing ranges', async () => {
    const cache = newCache();
    const provider = alpaca(cache);
    await provider.fetchBars('MSFT', { start: '2024-03-01', end: '2024-03-31' });
    alpacaServer.reset();
    const wide = await provider.fetchBars('MSFT', { start: '2024-02-01', end: '2024-04-30' });
    const requests = alpacaServer.barRequests();
    expect(requests.map((r) => [r.query.start, r.query.end])).toEqual([
      ['2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z'],
      ['2024-04-01T00:00:00.000Z', '2024-04-30T23:59:59.999Z'],
    ]);
    const expected = generateFakeBars({
      symbol: 'MSFT',
      timeframe: '1Day',
      start: Date.parse('2024-02-01'),
      end: Date.parse('2024-04-30T23:59:59Z'),
    });
    expect(Array.from(wide.close)).toEqual(expected.map((b) => b.c));
  });

  it('refresh downloads again and overwrites what was cached', async () => {
    const cache = newCache();
    const provider = alpaca(cache);
    const key = { provider: 'alpaca/iex/raw', symbol: 'KO', timeframe: '1Day' as const };
    const jan2 = Date.parse('2024-01-02');
    // A stale, wrong bar and coverage claiming January is known.
    cache.write(key, {
      bars: [{ timestamp: jan2, open: 1, high: 1, low: 1, close: 1, volume: 1 }],
      covered: [{ start: jan2, end: Date.parse('2024-01-31T23:59:59.999Z') }],
    });
    const stale = await provider.fetchBars('KO', { start: '2024-01-02', end: '2024-01-31' });
    expect(stale.length).toBe(1);
    expect(alpacaServer.requests.length).toBe(0);
    const fresh = await provider.fetchBars('KO', { start: '2024-01-02', end: '2024-01-31', refresh: true });
    expect(alpacaServer.barRequests().length).toBe(1);
    expect(fresh.length).toBe(22);
    expect(fresh.close[0]).not.toBe(1);
    // The refreshed bars are what is cached now.
    alpacaServer.reset();
    const cached = await provider.fetchBars('KO', { start: '2024-01-02', end: '2024-01-31' });
    expect(alpacaServer.requests.length).toBe(0);
    expect(Array.from(cached.close)).toEqual(Array.from(fresh.close));
  });

  it('does not mark the still-forming bar (today) as covered', async () => {
    const cache = newCache();
    // Wednesday 2024-01-31, mid-session.
    const now = Date.parse('2024-01-31T17:00:00Z');
    const provider = alpaca(cache, { now: () => now });
    const series = await provider.fetchBars('PG', { start: '2024-01-22', end: '2024-12-31' });
    // End is clipped to now; today's bar is served.
    expect(series.lastTimestamp).toBe(Date.parse('2024-01-31'));
    const covered = cache.coveredRanges(
      { provider: 'alpaca/iex/raw', symbol: 'PG', timeframe: '1Day' },
      0,
      now,
    );
    const settled = settledBefore('1Day', now);
    expect(settled).toBeLessThan(now - DAY);
    expect(covered).toEqual([{ start: Date.parse('2024-01-22'), end: settled }]);
    alpacaServer.reset();
    await provider.fetchBars('PG', { start: '2024-01-22', end: '2024-01-31' });
    // Only the tail since the last settled bar is asked for again.
    const requests = alpacaServer.barRequests();
    expect(requests.length).toBe(1);
    expect(Date.parse(requests[0].query.start)).toBe(settled + 1);
  });

  it('keeps feeds apart and can be switched off', async () => {
    const cache = newCache();
    await alpaca(cache).fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    alpacaServer.reset();
    await alpaca(cache, { feed: 'sip' }).fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    expect(alpacaServer.requests.length).toBe(1);
    alpacaServer.reset();
    const uncached = alpaca(cache, { cache: false });
    await uncached.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    await uncached.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    expect(alpacaServer.requests.length).toBe(2);
  });

  it('caches ranges without bars (weekends) so they are not asked for again', async () => {
    const cache = newCache();
    const provider = alpaca(cache);
    await provider.fetchBars('AAPL', { start: '2024-01-05', end: '2024-01-08' });
    alpacaServer.reset();
    const weekendOnly = await provider
      .fetchBars('AAPL', { start: '2024-01-06', end: '2024-01-07' })
      .catch((e) => e);
    expect(weekendOnly.message).toContain('no 1Day bars');
    expect(alpacaServer.requests.length).toBe(0);
  });

  it('fetchManyBars downloads many symbols through the multi-symbol endpoints, then serves them from the cache', async () => {
    const cache = newCache();
    const provider = alpaca(cache);
    const range = { start: '2024-01-01', end: '2024-03-31' };
    // MSFT is cached already; the others need the whole range and go in one multi-symbol download.
    await provider.fetchBars('MSFT', range);
    alpacaServer.reset();
    const many = await provider.fetchManyBars(['aapl', 'MSFT', 'KO', 'BTC/USD', 'ETH/USD'], range);
    expect([...many.keys()]).toEqual(['AAPL', 'MSFT', 'KO', 'BTC/USD', 'ETH/USD']);
    for (const symbol of ['AAPL', 'MSFT', 'KO']) {
      const expected = generateFakeBars({
        symbol,
        timeframe: '1Day',
        start: Date.parse('2024-01-01'),
        end: Date.parse('2024-03-31T23:59:59Z'),
      });
      expect(Array.from(many.get(symbol)!.close)).toEqual(expected.map((b) => b.c));
    }
    expect(many.get('BTC/USD')!.length).toBe(91);
    const requests = alpacaServer.barRequests();
    const stockRequests = requests.filter((r) => r.path === '/v2/stocks/bars');
    const cryptoRequests = requests.filter((r) => r.path === '/v1beta3/crypto/us/bars');
    expect(stockRequests.length + cryptoRequests.length).toBe(requests.length);
    expect(stockRequests[0].query.symbols).toBe('AAPL,KO');
    expect(cryptoRequests[0].query.symbols).toBe('BTC/USD,ETH/USD');
    // Pages of 50 bars over 2 x 65 stock bars and 2 x 91 crypto bars.
    expect(stockRequests.length).toBe(3);
    expect(cryptoRequests.length).toBe(4);
    alpacaServer.reset();
    const again = await provider.fetchManyBars(['AAPL', 'KO', 'BTC/USD'], {
      start: '2024-02-01',
      end: '2024-02-29',
    });
    expect(again.get('KO')!.length).toBe(21);
    expect(alpacaServer.requests.length).toBe(0);
  });

  it('Polygon uses the cache the same way', async () => {
    const cache = newCache();
    const polygon = new PolygonProvider({
      config: config(),
      cache,
      now: () => Date.parse('2024-12-31T23:00:00Z'),
    });
    const first = await polygon.fetchBars('AAPL', { start: '2024-01-01', end: '2024-03-31' });
    expect(polygonServer.aggRequests().length).toBe(1);
    polygonServer.reset();
    const second = await polygon.fetchBars('AAPL', { start: '2024-01-01', end: '2024-03-31' });
    expect(polygonServer.requests.length).toBe(0);
    expect(Array.from(second.close)).toEqual(Array.from(first.close));
    await polygon.fetchBars('AAPL', { start: '2024-01-01', end: '2024-04-30' });
    const [tail] = polygonServer.aggRequests();
    expect(tail.path).toContain(`/${Date.parse('2024-04-01')}/`);
  });

  it('uses {home}/cache/bars.sqlite by default', async () => {
    const provider = new AlpacaProvider({ config: config(), now: () => Date.parse('2024-12-31T23:00:00Z') });
    await provider.fetchBars('AAPL', { start: '2024-01-02', end: '2024-01-05' });
    const cache = newCache(join(home, 'cache', 'bars.sqlite'));
    const series = cache.read(
      { provider: 'alpaca/iex/raw', symbol: 'AAPL', timeframe: '1Day' },
      0,
      Date.now(),
    );
    expect(series.length).toBe(4);
  });
});
