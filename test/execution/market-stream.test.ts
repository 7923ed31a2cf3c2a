import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlpacaMarketDataStream, type MarketDataEvent } from '../../src/execution/market-stream.js';
import { FakeMarketDataStream } from '../fakes/alpaca-trading-market-stream.js';

let fake: FakeMarketDataStream;
beforeEach(async () => {
  fake = await new FakeMarketDataStream().start();
});
afterEach(async () => fake.stop());

async function waitFor(predicate: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('AlpacaMarketDataStream', () => {
  it('streams bars, reconnects after a drop, re-authenticates and resubscribes', async () => {
    const stream = new AlpacaMarketDataStream({
      keyId: fake.keyId,
      secretKey: fake.secretKey,
      url: fake.url(),
      retryBaseMs: 10,
    });
    stream.subscribe({ bars: ['AAPL'], quotes: ['MSFT'] });
    const received: MarketDataEvent[] = [];
    const consumer = (async () => {
      for await (const event of stream) {
        received.push(event);
        if (received.length === 5) break;
      }
    })();
    await waitFor(() => fake.barSubscribers('AAPL') === 1);
    fake.pushBar('AAPL', '2024-01-02T15:31:00Z', 100, 101, 99, 100.5, 1000);
    fake.pushBar('AAPL', '2024-01-02T15:32:00.123456789Z', 100.5, 102, 100, 101.5, 2000);
    await waitFor(() => received.length === 2);
    fake.dropAll();
    await waitFor(() => fake.authCount === 2 && fake.barSubscribers('AAPL') === 1);
    expect(fake.subscribeMessages.at(-1)).toMatchObject({
      action: 'subscribe',
      bars: ['AAPL'],
      quotes: ['MSFT'],
    });
    fake.pushBar('AAPL', '2024-01-02T15:33:00Z', 101.5, 103, 101, 102, 1500);
    fake.pushQuote('MSFT', '2024-01-02T15:33:01Z', 300.1, 300.2);
    fake.pushBar('AAPL', '2024-01-02T15:34:00Z', 102, 102, 100, 100, 900);
    await consumer;
    stream.close();
    expect(received.map((e) => e.type)).toEqual(['bar', 'bar', 'bar', 'quote', 'bar']);
    expect(received[1]).toMatchObject({
      symbol: 'AAPL',
      close: 101.5,
      timestamp: Date.parse('2024-01-02T15:32:00.123Z'),
    });
    expect(received[3]).toMatchObject({ symbol: 'MSFT', bid: 300.1, ask: 300.2 });
    expect(stream.connections).toBe(2);
  });

  it('fails with a clear error when authentication is refused', async () => {
    const stream = new AlpacaMarketDataStream({
      keyId: 'PKBADKEY0000',
      secretKey: 'bad-secret-123456',
      url: fake.url(),
      retryBaseMs: 10,
    });
    stream.subscribe({ bars: ['AAPL'] });
    await expect(stream.next()).rejects.toThrow(/market data stream error 402: auth failed/);
    stream.close();
  });

  it('reads the URL from ALPACA_STREAM_URL', () => {
    process.env.ALPACA_STREAM_URL = 'ws://127.0.0.1:1/v2/test';
    try {
      const stream = new AlpacaMarketDataStream({ keyId: 'k-123456', secretKey: 's-123456' });
      expect(stream.url).toBe('ws://127.0.0.1:1/v2/test');
    } finally {
      delete process.env.ALPACA_STREAM_URL;
    }
  });
});

describe('AlpacaMarketDataStream endpoints', () => {
  it('crypto pairs stream from v1beta3/crypto/us, stocks from v2/{feed}', async () => {
    const crypto = new AlpacaMarketDataStream({
      keyId: fake.keyId,
      secretKey: fake.secretKey,
      baseUrl: fake.baseUrl(),
      symbols: ['BTC/USD', 'ETH/USD'],
    });
    expect(crypto.crypto).toBe(true);
    expect(crypto.url).toBe(`${fake.baseUrl()}/v1beta3/crypto/us`);
    crypto.subscribe({ bars: ['BTC/USD', 'ETH/USD'] });
    const first = crypto.next();
    await waitFor(() => fake.barSubscribers('BTC/USD') === 1);
    fake.pushBar('BTC/USD', '2024-01-06T03:00:00Z', 43_000, 43_100, 42_900, 43_050, 12.5);
    expect(await first).toMatchObject({ type: 'bar', symbol: 'BTC/USD', close: 43_050, volume: 12.5 });
    crypto.close();
    expect(fake.paths).toEqual(['/v1beta3/crypto/us']);

    const stocks = new AlpacaMarketDataStream({
      keyId: fake.keyId,
      secretKey: fake.secretKey,
      baseUrl: fake.baseUrl(),
      symbols: ['AAPL'],
    });
    expect(stocks.url).toBe(`${fake.baseUrl()}/v2/iex`);
    stocks.close();
  });

  it('refuses a mix of crypto pairs and stocks, and crypto on a stocks stream, in one line', () => {
    const make = (symbols: string[]) =>
      new AlpacaMarketDataStream({
        keyId: fake.keyId,
        secretKey: fake.secretKey,
        baseUrl: fake.baseUrl(),
        symbols,
      });
    expect(() => make(['BTC/USD', 'AAPL'])).toThrow(
      'symbols: crypto (BTC/USD) and stocks (AAPL) stream from different Alpaca endpoints',
    );
    const stocks = make(['AAPL']);
    expect(() => stocks.subscribe({ bars: ['BTC/USD'] })).toThrow(/cannot stream on this stocks stream/);
    stocks.close();
  });

  it('an unknown endpoint is refused by the fake, as by Alpaca (so the endpoint test can fail)', async () => {
    const wrong = new AlpacaMarketDataStream({
      keyId: fake.keyId,
      secretKey: fake.secretKey,
      url: `${fake.baseUrl()}/v2/crypto`,
      retryBaseMs: 5,
      maxReconnects: 1,
    });
    wrong.subscribe({ bars: ['AAPL'] });
    await expect(wrong.next()).rejects.toThrow(/gave up after 1 reconnects/);
    wrong.close();
    expect(fake.paths).toEqual([]);
  });
});
