import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { percentCommission } from '../../src/backtest/fill-models.js';
import { DEFAULT_COMMISSION_RATE } from '../../src/core/defaults.js';
import type { PreTradeCheck } from '../../src/core/orders.js';
import { Journal } from '../../src/execution/journal.js';
import { OrderManager, type OrderUpdate } from '../../src/execution/order-manager.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'nt-om-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2, 21);
function bar(day: number, open: number, high: number, low: number, close: number, volume = 1_000_000) {
  return { timestamp: T0 + day * DAY, open, high, low, close, volume };
}

function setup(
  options: { participation?: number; timing?: 'immediate' | 'next-bar'; capital?: number } = {},
) {
  const broker = new PaperBroker({
    commission: percentCommission(0.001),
    slippageBps: 10,
    maxParticipation: options.participation,
    fillTiming: options.timing,
  });
  broker.feedBar('AAPL', bar(0, 99, 101, 98, 100));
  const journal = Journal.open(home, { initialCapital: options.capital ?? 100_000 });
  const manager = new OrderManager({
    broker,
    journal,
    limits: { knownSymbol: (s) => broker.hasMarketData(s) },
  });
  return { broker, journal, manager };
}

describe('OrderManager with the PaperBroker', () => {
  it('fills a market order at the last price with the shared slippage and commission models', async () => {
    const { manager, journal } = setup();
    const order = await manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 10, type: 'market' });
    expect(order.status).toBe('filled');
    expect(order.averageFillPrice).toBeCloseTo(100.1, 10);
    expect(manager.portfolio.position('AAPL')).toBe(10);
    expect(manager.portfolio.cash).toBeCloseTo(100_000 - 1001 - 1.001, 6);
    const events = journal.listEvents(order.id).map((e) => `${e.fromStatus}>${e.toStatus}`);
    expect(events).toEqual(['null>new', 'new>accepted', 'accepted>filled']);
    expect(journal.listFills()).toHaveLength(1);
    journal.close();
  });

  it('returns the existing order for a repeated client order id', async () => {
    const { manager, journal } = setup();
    const a = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 5,
      type: 'market',
      clientOrderId: 'dup-1',
    });
    const b = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 5,
      type: 'market',
      clientOrderId: 'dup-1',
    });
    expect(b.id).toBe(a.id);
    expect(journal.listOrders()).toHaveLength(1);
    expect(manager.portfolio.position('AAPL')).toBe(5);
    journal.close();
  });

  it('rejects invalid orders naming the field, before the broker sees them', async () => {
    const { manager, broker, journal } = setup();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ quantity: 0 }, /quantity: must be a positive finite number, got 0/],
      [{ quantity: Number.NaN }, /quantity: must be a positive finite number, got NaN/],
      [{ quantity: -3 }, /quantity/],
      [{ type: 'limit' }, /limitPrice: must be a positive finite number, got nothing/],
      [{ type: 'stop' }, /stopPrice/],
      [{ type: 'trailing_stop' }, /trailPercent/],
      [{ symbol: 'ZZZZ' }, /symbol: unknown symbol ZZZZ/],
      // Gross exposure above DEFAULT_MAX_LEVERAGE (2) x equity, long or short.
      [
        { quantity: 10_000 },
        /quantity: buy 10000 AAPL at about 100.00 would take gross exposure to 1000000.00, above 2 x equity 100000.00/,
      ],
      [{ side: 'sell', quantity: 3_000 }, /sell 3000 AAPL .* above 2 x equity/],
      // Size limits: typos and attacks (1e15 shares, 1e-300 shares that would rest forever).
      [
        { side: 'sell', quantity: 1e15 },
        /quantity: 1000000000000000 is above the maximum order quantity 10000000/,
      ],
      [{ quantity: 1e-300 }, /quantity: 1e-300 is below the smallest tradable quantity 0.000001/],
      [{ type: 'limit', limitPrice: 1e-300 }, /limitPrice: 1e-300 is outside the tradable range/],
      // Bounded ids and symbols.
      [{ symbol: 'AA PL' }, /symbol: "AA PL" is not a symbol/],
      [{ symbol: 'A'.repeat(33) }, /symbol: symbol is longer than 32 characters/],
      [{ clientOrderId: 'x\nforged log line' }, /clientOrderId: .* has characters ids may not use/],
      [{ clientOrderId: 'x'.repeat(100_000) }, /clientOrderId: longer than 128 characters/],
    ];
    for (const [patch, message] of cases) {
      await expect(
        manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 1, type: 'market', ...patch } as never),
      ).rejects.toThrow(message);
    }
    expect(broker.openOrderCount()).toBe(0);
    expect(journal.listOrders()).toHaveLength(0);
    journal.close();
  });

  it('applies limits, allow/deny lists, the kill switch and registered checks', async () => {
    const broker = new PaperBroker();
    broker.feedPrice('AAPL', 100, T0);
    broker.feedPrice('MSFT', 300, T0);
    const seen: number[] = [];
    const breaker: PreTradeCheck & { onEquity(t: number, e: number): void } = {
      name: 'breaker',
      check: (order) =>
        order.quantity === 7 ? { check: 'breaker', field: 'quantity', message: 'quantity: tripped' } : null,
      onEquity: (_t, equity) => seen.push(equity),
    };
    const manager = new OrderManager({
      broker,
      limits: { maxOrderNotional: 5_000, maxPositionQuantity: 40, denySymbols: ['MSFT'] },
      checks: [breaker],
    });
    await expect(
      manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 60, type: 'market' }),
    ).rejects.toThrow(/quantity: order notional 6000.00 exceeds the maximum 5000/);
    await expect(
      manager.submitOrder({ symbol: 'MSFT', side: 'buy', quantity: 1, type: 'market' }),
    ).rejects.toThrow(/symbol: MSFT is on the deny list/);
    await expect(
      manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 7, type: 'market' }),
    ).rejects.toThrow(/tripped/);
    await manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 30, type: 'market' });
    await expect(
      manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 20, type: 'market' }),
    ).rejects.toThrow(/position in AAPL would be 50, beyond the maximum 40/);
    manager.engageKillSwitch('drawdown');
    await expect(
      manager.submitOrder({ symbol: 'AAPL', side: 'sell', quantity: 1, type: 'market' }),
    ).rejects.toThrow(/kill switch: drawdown/);
    manager.releaseKillSwitch();
    manager.mark('AAPL', 110, T0 + 1);
    // Paper commission defaults to the backtester's (DEFAULT_COMMISSION_RATE of notional).
    expect(seen).toEqual([100_000 + 300 - 30 * 100 * DEFAULT_COMMISSION_RATE]);
  });

  it('partial fills by volume participation, then completes on later bars', async () => {
    const { manager, broker, journal } = setup({
      participation: 0.001,
      timing: 'next-bar',
      capital: 1_000_000,
    });
    const order = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1500,
      type: 'market',
      timeInForce: 'gtc',
    });
    expect(order.status).toBe('accepted');
    broker.feedBar('AAPL', bar(1, 50, 51, 49, 50));
    expect(manager.getOrderStatus(order.id)?.status).toBe('partially_filled');
    expect(manager.getOrderStatus(order.id)?.filledQuantity).toBe(1000);
    broker.feedBar('AAPL', bar(2, 52, 53, 51, 52));
    const done = manager.getOrderStatus(order.id)!;
    expect(done.status).toBe('filled');
    expect(done.averageFillPrice).toBeCloseTo((1000 * 50.05 + 500 * 52.052) / 1500, 8);
    expect(journal.listFills({ orderId: order.id })).toHaveLength(2);
    journal.close();
  });

  it('limit, stop, stop-limit and trailing stops fill like the backtest fill model', async () => {
    const broker = new PaperBroker({ fillTiming: 'next-bar' });
    const manager = new OrderManager({ broker, initialCapital: 1_000_000 });
    broker.feedBar('AAPL', bar(0, 100, 100, 100, 100));
    const limit = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'limit',
      limitPrice: 95,
      timeInForce: 'gtc',
    });
    const stop = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'stop',
      stopPrice: 104,
      timeInForce: 'gtc',
    });
    const trail = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'sell',
      quantity: 1,
      type: 'trailing_stop',
      trailPercent: 5,
      timeInForce: 'gtc',
    });
    broker.feedBar('AAPL', bar(1, 101, 110, 99, 109)); // stop triggers at 104; trail mark moves to 110
    expect(manager.getOrderStatus(stop.id)?.averageFillPrice).toBe(104);
    expect(manager.getOrderStatus(limit.id)?.status).toBe('accepted');
    expect(manager.getOrderStatus(trail.id)?.status).toBe('accepted');
    broker.feedBar('AAPL', bar(2, 108, 108, 94, 95)); // trail stop 104.5; limit 95 reached (open 108 > 95)
    expect(manager.getOrderStatus(trail.id)?.averageFillPrice).toBeCloseTo(104.5, 10);
    expect(manager.getOrderStatus(limit.id)?.averageFillPrice).toBe(95);
  });

  it('expires day orders, cancels unfillable ioc/fok', async () => {
    const broker = new PaperBroker({ fillTiming: 'next-bar' });
    const manager = new OrderManager({ broker });
    broker.feedBar('AAPL', bar(0, 100, 100, 100, 100));
    const day = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'limit',
      limitPrice: 50,
    });
    const ioc = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'limit',
      limitPrice: 50,
      timeInForce: 'ioc',
    });
    broker.feedBar('AAPL', bar(1, 100, 101, 99, 100));
    expect(manager.getOrderStatus(ioc.id)?.status).toBe('canceled');
    expect(manager.getOrderStatus(day.id)?.status).toBe('accepted');
    broker.feedBar('AAPL', bar(2, 100, 101, 99, 100));
    expect(manager.getOrderStatus(day.id)?.status).toBe('expired');
    const thin = new PaperBroker({ maxParticipation: 0.5 });
    const m2 = new OrderManager({ broker: thin });
    thin.feedBar('AAPL', bar(0, 10, 10, 10, 10, 100));
    const fok = await m2.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 80,
      type: 'market',
      timeInForce: 'fok',
    });
    expect(fok.status).toBe('canceled');
    expect(fok.filledQuantity).toBe(0);
  });

  it('cancels and replaces open orders; refuses to cancel a filled one', async () => {
    const { manager, journal } = setup();
    const order = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 5,
      type: 'limit',
      limitPrice: 90,
      timeInForce: 'gtc',
    });
    expect(order.status).toBe('accepted');
    const replaced = await manager.replaceOrder(order.id, { limitPrice: 101 });
    expect(replaced.status).toBe('filled'); // now marketable against the last price 100
    await expect(manager.cancelOrder(order.id)).rejects.toThrow(/already filled/);
    const other = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 5,
      type: 'limit',
      limitPrice: 90,
      timeInForce: 'gtc',
    });
    const canceled = await manager.cancelOrder(other.clientOrderId);
    expect(canceled.status).toBe('canceled');
    expect(manager.getOrders({ status: 'open' })).toHaveLength(0);
    expect(manager.getOrders({ status: 'closed' })).toHaveLength(2);
    journal.close();
  });

  it('runs a bracket: legs activate on the entry fill and cancel each other', async () => {
    const broker = new PaperBroker({ fillTiming: 'next-bar' });
    const manager = new OrderManager({ broker });
    broker.feedBar('AAPL', bar(0, 100, 100, 100, 100));
    const { entry, takeProfit, stopLoss } = await manager.submitBracket({
      entry: { symbol: 'AAPL', side: 'buy', quantity: 10, type: 'market' },
      takeProfit: { limitPrice: 110 },
      stopLoss: { stopPrice: 95 },
    });
    expect(entry.status).toBe('accepted');
    expect(takeProfit.held).toBe(true);
    broker.feedBar('AAPL', bar(1, 101, 102, 100, 101));
    await manager.settled();
    expect(manager.getOrderStatus(entry.id)?.status).toBe('filled');
    expect(manager.getOrderStatus(takeProfit.id)?.held).toBe(false);
    expect(manager.getOrderStatus(stopLoss.id)?.status).toBe('accepted');
    broker.feedBar('AAPL', bar(2, 105, 112, 104, 111));
    await manager.settled();
    expect(manager.getOrderStatus(takeProfit.id)?.status).toBe('filled');
    expect(manager.getOrderStatus(stopLoss.id)?.status).toBe('canceled');
    expect(manager.portfolio.position('AAPL')).toBe(0);
    await expect(
      manager.submitBracket({
        entry: { symbol: 'AAPL', side: 'buy', quantity: 1, type: 'market' },
        takeProfit: { limitPrice: 90 },
        stopLoss: { stopPrice: 95 },
      }),
    ).rejects.toThrow(/takeProfit.limitPrice: 90 must be above stopLoss.stopPrice 95/);
  });

  it('OCO: the first fill cancels the other', async () => {
    const broker = new PaperBroker({ fillTiming: 'next-bar' });
    const manager = new OrderManager({ broker });
    broker.feedBar('AAPL', bar(0, 100, 100, 100, 100));
    await manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 10, type: 'market' });
    broker.feedBar('AAPL', bar(1, 100, 100, 100, 100));
    const [a, b] = await manager.submitOco({
      first: {
        symbol: 'AAPL',
        side: 'sell',
        quantity: 10,
        type: 'limit',
        limitPrice: 105,
        timeInForce: 'gtc',
      },
      second: { symbol: 'AAPL', side: 'sell', quantity: 10, type: 'stop', stopPrice: 95, timeInForce: 'gtc' },
    });
    broker.feedBar('AAPL', bar(2, 99, 100, 90, 92));
    await manager.settled();
    expect(manager.getOrderStatus(b.id)?.status).toBe('filled');
    expect(manager.getOrderStatus(a.id)?.status).toBe('canceled');
  });

  it('publishes updates through the EventEmitter and the async iterator, after the journal commit', async () => {
    const { manager, journal } = setup();
    const seen: string[] = [];
    manager.on('update', (u: OrderUpdate) => {
      seen.push(u.type);
      expect(journal.getOrder(u.order.id)).toBeDefined();
    });
    const iterator = manager.updates();
    await manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 1, type: 'market' });
    expect(seen).toEqual(['submitted', 'accepted', 'fill']);
    const first = await iterator.next();
    expect(first.value?.type).toBe('submitted');
    await manager.close();
    expect((await iterator.next()).value?.type).toBe('accepted');
    journal.close();
  });

  it('rebuilds the portfolio from the journal and re-places open paper orders after a restart', async () => {
    const first = setup();
    await first.manager.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 10, type: 'market' });
    await first.manager.submitOrder({ symbol: 'AAPL', side: 'sell', quantity: 4, type: 'market' });
    const resting = await first.manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 3,
      type: 'limit',
      limitPrice: 90,
      timeInForce: 'gtc',
    });
    const cash = first.manager.portfolio.cash;
    first.journal.close();

    const broker = new PaperBroker({ fillTiming: 'next-bar' });
    const journal = Journal.open(home);
    const manager = new OrderManager({ broker, journal });
    expect(manager.portfolio.position('AAPL')).toBe(6);
    expect(manager.portfolio.cash).toBeCloseTo(cash, 9);
    const report = await manager.reconcile();
    expect(report.replaced).toBe(1);
    broker.feedBar('AAPL', bar(1, 91, 92, 88, 89));
    expect(manager.getOrderStatus(resting.id)?.status).toBe('filled');
    expect(manager.portfolio.position('AAPL')).toBe(9);
    journal.close();
  });

  it('replaces the total quantity of a partially filled paper order', async () => {
    const broker = new PaperBroker({ fillTiming: 'next-bar', maxParticipation: 0.5 });
    const manager = new OrderManager({ broker, initialCapital: 1_000_000 });
    broker.feedBar('AAPL', bar(0, 100, 100, 100, 100, 8));
    const order = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      type: 'market',
      timeInForce: 'gtc',
    });
    broker.feedBar('AAPL', bar(1, 100, 100, 100, 100, 8));
    expect(manager.getOrderStatus(order.id)?.filledQuantity).toBe(4);
    const replaced = await manager.replaceOrder(order.id, { quantity: 6 });
    expect(replaced.remainingQuantity).toBe(2);
    broker.feedBar('AAPL', bar(2, 101, 101, 101, 101, 100));
    const done = manager.getOrderStatus(order.id)!;
    expect(done.status).toBe('filled');
    expect(done.filledQuantity).toBe(6);
    expect(manager.portfolio.position('AAPL')).toBe(6);
    await expect(manager.replaceOrder(order.id, { quantity: 3 })).rejects.toThrow(/already filled/);
  });

  it('refuses to replace the quantity down to what is already filled (that is a cancel)', async () => {
    const broker = new PaperBroker({ fillTiming: 'next-bar', maxParticipation: 0.5 });
    const manager = new OrderManager({ broker, initialCapital: 1_000_000 });
    broker.feedBar('AAPL', bar(0, 100, 100, 100, 100, 8));
    const order = await manager.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      type: 'market',
      timeInForce: 'gtc',
    });
    broker.feedBar('AAPL', bar(1, 100, 100, 100, 100, 8));
    expect(manager.getOrderStatus(order.id)?.filledQuantity).toBe(4);
    // Accepting this left an open order with nothing left to fill, on our books and the paper broker's.
    await expect(manager.replaceOrder(order.id, { quantity: 4 })).rejects.toThrow(/cancel the order/);
    expect(manager.getOrderStatus(order.id)?.remainingQuantity).toBe(6);
  });
});
