import { describe, expect, it } from 'vitest';
import { slippedFillPrice } from '../../src/backtest/fill-models.js';
import type { BrokerEvent } from '../../src/execution/broker.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';

const T0 = Date.UTC(2024, 0, 2, 21);

function fillPrices(broker: PaperBroker): number[] {
  const prices: number[] = [];
  broker.onEvent((event: BrokerEvent) => {
    if (event.type === 'fill' && event.fill) prices.push(event.fill.price);
  });
  return prices;
}

describe('paper broker slippage', () => {
  it('never fills a limit order through its limit price', () => {
    const broker = new PaperBroker({ slippageBps: 50, fillTiming: 'next-bar' });
    const prices = fillPrices(broker);
    broker.feedBar('AAPL', { timestamp: T0, open: 100, high: 100, low: 100, close: 100, volume: 1e6 });
    broker.submitSync({
      clientOrderId: 'buy-limit',
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'limit',
      limitPrice: 99,
      timeInForce: 'gtc',
    });
    broker.submitSync({
      clientOrderId: 'sell-limit',
      symbol: 'AAPL',
      side: 'sell',
      quantity: 1,
      type: 'limit',
      limitPrice: 101,
      timeInForce: 'gtc',
    });
    // The bar reaches both limits exactly: 50 bps of slippage would buy at 99.495 and sell at 100.495.
    broker.feedBar('AAPL', { timestamp: T0 + 1, open: 100, high: 101, low: 99, close: 100, volume: 1e6 });
    expect(prices).toEqual([99, 101]);
  });

  it('still slips market orders against the trader', () => {
    const broker = new PaperBroker({ slippageBps: 50 });
    const prices = fillPrices(broker);
    broker.feedBar('AAPL', { timestamp: T0, open: 100, high: 100, low: 100, close: 100, volume: 1e6 });
    broker.submitSync({ clientOrderId: 'm', symbol: 'AAPL', side: 'buy', quantity: 1, type: 'market' });
    expect(prices[0]).toBeCloseTo(100.5, 10);
  });
});

describe('slippedFillPrice', () => {
  it('clamps limit and stop-limit orders to the limit, leaves stops and markets slipped', () => {
    expect(slippedFillPrice({ side: 'buy', type: 'limit', limitPrice: 100 }, 100, 10)).toBe(100);
    expect(slippedFillPrice({ side: 'sell', type: 'stop_limit', limitPrice: 100 }, 100, 10)).toBe(100);
    expect(slippedFillPrice({ side: 'buy', type: 'limit', limitPrice: 101 }, 100, 10)).toBeCloseTo(100.1, 10);
    expect(slippedFillPrice({ side: 'sell', type: 'stop' }, 100, 10)).toBeCloseTo(99.9, 10);
    expect(slippedFillPrice({ side: 'buy', type: 'market' }, 100, 0)).toBe(100);
  });
});
