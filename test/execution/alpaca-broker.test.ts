import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLogLevel, setLogSink } from '../../src/core/log.js';
import { AlpacaBroker } from '../../src/execution/alpaca-broker.js';
import { OrderStateUnknownError } from '../../src/execution/errors.js';
import { Journal } from '../../src/execution/journal.js';
import { OrderManager } from '../../src/execution/order-manager.js';
import { FakeAlpacaTrading } from '../fakes/alpaca-trading.js';

let fake: FakeAlpacaTrading;
let home: string;
let logLines: string[];
let restoreSink: (line: string) => void;
const open: { close(): unknown }[] = [];

beforeEach(async () => {
  fake = await new FakeAlpacaTrading().start();
  home = mkdtempSync(join(tmpdir(), 'nt-alpaca-'));
  logLines = [];
  setLogLevel('trace');
  restoreSink = setLogSink((line) => logLines.push(line));
});

afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  setLogSink(restoreSink);
  setLogLevel('warn');
  // (e) no key or secret ever reaches a log line, through successes and failures alike.
  const all = logLines.join('\n');
  expect(all).not.toContain(fake.keyId);
  expect(all).not.toContain(fake.secretKey);
  await fake.stop();
  rmSync(home, { recursive: true, force: true });
});

function broker(options: Partial<ConstructorParameters<typeof AlpacaBroker>[0]> = {}): AlpacaBroker {
  const b = new AlpacaBroker({
    keyId: fake.keyId,
    secretKey: fake.secretKey,
    baseUrl: fake.baseUrl,
    retryBaseMs: 5,
    timeoutMs: 2000,
    ...options,
  });
  open.push(b);
  return b;
}

async function manager(b: AlpacaBroker, journal = Journal.open(home, { initialCapital: 100_000 })) {
  open.push(journal);
  const m = new OrderManager({
    broker: b,
    journal,
    limits: { knownSymbol: (s) => ['AAPL', 'MSFT'].includes(s) },
  });
  await b.connect();
  return { m, journal };
}

async function waitFor(predicate: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AlpacaBroker against a fake Alpaca server', () => {
  it('submits with the API key headers and books fills from trade_updates', async () => {
    const { m, journal } = await manager(broker());
    const order = await m.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      type: 'market',
      clientOrderId: 'c-1',
    });
    await waitFor(() => m.getOrderStatus(order.id)?.status === 'filled');
    const post = fake.requests.find((r) => r.method === 'POST')!;
    expect(post.headers['apca-api-key-id']).toBe(fake.keyId);
    expect(JSON.parse(post.body)).toMatchObject({
      symbol: 'AAPL',
      qty: '10',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'c-1',
    });
    expect(m.portfolio.position('AAPL')).toBe(10);
    expect(journal.listFills()).toHaveLength(1);
    expect(m.getOrderStatus('c-1')?.brokerOrderId).toBe([...fake.orders.keys()][0]);
  });

  it('books partial fills with the average price', async () => {
    fake.partialFills = true;
    const { m } = await manager(broker());
    const order = await m.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 10, type: 'market' });
    await waitFor(() => m.getOrderStatus(order.id)?.status === 'filled');
    const done = m.getOrderStatus(order.id)!;
    expect(done.averageFillPrice).toBeCloseTo(100.25, 10);
    expect(m.getFills({ orderId: order.id })).toHaveLength(2);
  });

  it('records a broker rejection as rejected with the reason', async () => {
    fake.buyingPower = 500;
    const { m, journal } = await manager(broker());
    const order = await m.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      type: 'limit',
      limitPrice: 100,
    });
    expect(order.status).toBe('rejected');
    expect(order.reason).toMatch(/insufficient buying power/);
    expect(journal.getOrder(order.id)?.status).toBe('rejected');
  });

  it('rejects invalid orders before any request reaches the broker, naming the field', async () => {
    const { m } = await manager(broker());
    const before = fake.requests.length;
    await expect(m.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 0, type: 'market' })).rejects.toThrow(
      /quantity: must be a positive finite number, got 0/,
    );
    await expect(
      m.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: Number.NaN, type: 'market' }),
    ).rejects.toThrow(/quantity: .* got NaN/);
    await expect(m.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 1, type: 'limit' })).rejects.toThrow(
      /limitPrice: .*needs limitPrice/,
    );
    await expect(m.submitOrder({ symbol: 'NOPE', side: 'buy', quantity: 1, type: 'market' })).rejects.toThrow(
      /symbol: unknown symbol NOPE/,
    );
    expect(fake.requests.length).toBe(before);
  });

  it('the same client order id twice yields one order and one POST', async () => {
    const { m } = await manager(broker());
    const a = await m.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'market',
      clientOrderId: 'same',
    });
    const b = await m.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 1,
      type: 'market',
      clientOrderId: 'same',
    });
    expect(b.id).toBe(a.id);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(fake.orders.size).toBe(1);
  });

  it('a POST that times out but created the order is found by client order id, not resubmitted', async () => {
    fake.postFaults = ['timeout-after-create'];
    const { m } = await manager(broker({ timeoutMs: 300 }));
    const order = await m.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 3,
      type: 'market',
      clientOrderId: 'slow-1',
    });
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(
      fake.requests.some((r) => r.path.startsWith('/v2/orders:by_client_order_id?client_order_id=slow-1')),
    ).toBe(true);
    expect(fake.orders.size).toBe(1);
    expect(order.brokerOrderId).toBe([...fake.orders.keys()][0]);
    await waitFor(() => m.portfolio.position('AAPL') === 3);
  });

  it('a 500 that did not create the order is resubmitted once after the lookup proves it absent', async () => {
    fake.postFaults = ['error-500'];
    const { m } = await manager(broker());
    const order = await m.submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 2, type: 'market' });
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(fake.orders.size).toBe(1);
    await waitFor(() => m.getOrderStatus(order.id)?.status === 'filled');
  });

  it('reports "may have been placed" when the outcome is unknown, keeps it open, and reconciles later', async () => {
    fake.postFaults = ['error-500-after-create'];
    fake.failReadsWith = 500;
    // Without the stream, nothing but REST can tell us about the order.
    const b = broker({ stream: false });
    const { m, journal } = await manager(b);
    const error = await m
      .submitOrder({ symbol: 'AAPL', side: 'buy', quantity: 4, type: 'market', clientOrderId: 'unknown-1' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OrderStateUnknownError);
    expect(error.message).toMatch(/may have been placed/);
    expect(error.hint).toMatch(/neural-trader order list/);
    const journaled = journal.getOrderByClientId('unknown-1')!;
    expect(journaled.status).toBe('new');
    expect(journaled.reason).toMatch(/may have been placed/);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    fake.failReadsWith = undefined;
    await m.reconcile();
    expect(m.getOrderStatus('unknown-1')?.status).toBe('filled');
    expect(m.portfolio.position('AAPL')).toBe(4);
    expect(journal.listFills()).toHaveLength(1);
  });

  it('retries reads on 503 with backoff and validates the responses', async () => {
    fake.transientReadFailures = 2;
    const b = broker();
    const account = await b.account();
    expect(account).toEqual({ cash: 1_000_000, equity: 1_000_000, buyingPower: 1_000_000 });
    expect(fake.requests.filter((r) => r.path === '/v2/account')).toHaveLength(3);
    const clock = await b.clock();
    expect(clock.isOpen).toBe(true);
    fake.failReadsWith = 500;
    await expect(b.positions()).rejects.toThrow(/GET \/v2\/positions: HTTP 500: internal server error/);
  });

  it('reports bad credentials clearly without echoing them', async () => {
    const b = new AlpacaBroker({
      keyId: 'PKWRONGKEY999',
      secretKey: 'wrongsecret-abcdef',
      baseUrl: fake.baseUrl,
      retryBaseMs: 1,
    });
    open.push(b);
    await expect(b.account()).rejects.toThrow(/not authorized/);
    await expect(b.connect()).rejects.toThrow(/trade stream: not authorized/);
    expect(logLines.join('\n')).not.toContain('wrongsecret-abcdef');
  });

  it('reconnects and re-authenticates after a disconnect, and books fills missed while down', async () => {
    fake.autoFill = false;
    const { m } = await manager(broker());
    const order = await m.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 6,
      type: 'limit',
      limitPrice: 100,
      timeInForce: 'gtc',
    });
    await waitFor(() => m.getOrderStatus(order.id)?.status === 'accepted');
    const alpacaOrder = [...fake.orders.values()][0];
    fake.dropStreams();
    fake.fill(alpacaOrder, 2, 99); // nobody is listening: this event is lost
    await waitFor(() => fake.authCount === 2);
    await waitFor(() => m.getOrderStatus(order.id)?.filledQuantity === 2); // reconciled after the reconnect
    fake.fill(alpacaOrder, 4, 98); // arrives on the new connection
    await waitFor(() => m.getOrderStatus(order.id)?.status === 'filled');
    expect(m.portfolio.position('AAPL')).toBe(6);
    expect(m.getOrderStatus(order.id)?.averageFillPrice).toBeCloseTo((2 * 99 + 4 * 98) / 6, 10);
  });

  it('cancels and replaces through the REST API', async () => {
    fake.autoFill = false;
    const { m } = await manager(broker());
    const order = await m.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 5,
      type: 'limit',
      limitPrice: 90,
      timeInForce: 'gtc',
    });
    const replaced = await m.replaceOrder(order.id, { limitPrice: 91 });
    expect(replaced.limitPrice).toBe(91);
    expect(fake.orders.get(replaced.brokerOrderId!)?.limit_price).toBe('91');
    const canceled = await m.cancelOrder(order.id);
    expect(canceled.status).toBe('canceled');
    expect(fake.orders.get(replaced.brokerOrderId!)?.status).toBe('canceled');
  });

  it('after a restart applies fills that happened while down exactly once', async () => {
    fake.autoFill = false;
    const first = await manager(broker());
    const order = await first.m.submitOrder({
      symbol: 'MSFT',
      side: 'buy',
      quantity: 10,
      type: 'limit',
      limitPrice: 100,
      timeInForce: 'gtc',
    });
    await first.m.close();
    first.journal.close();
    const alpacaOrder = [...fake.orders.values()][0];
    fake.fill(alpacaOrder, 10, 97);
    const second = await manager(broker(), Journal.open(home));
    const report = await second.m.reconcile();
    expect(report.fillsApplied).toBe(1);
    const again = await second.m.reconcile();
    expect(again.fillsApplied).toBe(0);
    expect(second.m.getOrderStatus(order.id)?.status).toBe('filled');
    expect(second.m.portfolio.position('MSFT')).toBe(10);
    expect(second.journal.listFills()).toHaveLength(1);
  });

  it('reconciles a partially filled, replaced order after a restart (follows the replacement chain)', async () => {
    fake.autoFill = false;
    const first = await manager(broker());
    const order = await first.m.submitOrder({
      symbol: 'AAPL',
      side: 'buy',
      quantity: 10,
      type: 'limit',
      limitPrice: 100,
      timeInForce: 'gtc',
    });
    const original = [...fake.orders.values()][0];
    fake.fill(original, 4, 100);
    await waitFor(() => first.m.getOrderStatus(order.id)?.filledQuantity === 4);
    const replaced = await first.m.replaceOrder(order.id, { quantity: 10, limitPrice: 101 });
    expect(replaced.brokerOrderId).not.toBe(original.id);
    expect(fake.orders.get(replaced.brokerOrderId!)?.qty).toBe('6'); // the unfilled rest
    await first.m.close();
    first.journal.close();
    const standing = fake.orders.get(replaced.brokerOrderId!)!;
    fake.fill(standing, 6, 101); // while we are down
    const second = await manager(broker(), Journal.open(home));
    const report = await second.m.reconcile();
    expect(report.fillsApplied).toBe(1);
    const done = second.m.getOrderStatus(order.id)!;
    expect(done.status).toBe('filled');
    expect(done.filledQuantity).toBe(10);
    expect(done.averageFillPrice).toBeCloseTo((4 * 100 + 6 * 101) / 10, 9);
    expect(second.m.portfolio.position('AAPL')).toBe(10);
  });
});
