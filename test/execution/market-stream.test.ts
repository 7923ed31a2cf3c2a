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
