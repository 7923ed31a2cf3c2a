import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noCommission } from '../../src/backtest/fill-models.js';
import { loadConfig } from '../../src/core/config.js';
import type { OrderRequest } from '../../src/core/orders.js';
import type { BrokerOrderRequest } from '../../src/execution/broker.js';
import { OrderRejectedError } from '../../src/execution/checks.js';
import { Journal } from '../../src/execution/journal.js';
import { type LiveStep, runLiveStrategy } from '../../src/execution/live-runner.js';
import { OrderManager } from '../../src/execution/order-manager.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';
import { CircuitBreaker, riskLimitsCheck } from '../../src/risk/index.js';
import type { Strategy } from '../../src/strategies/types.js';

/**
 * The risk capability's checks wired into the real OrderManager, PaperBroker and SQLite journal: a
 * refused order must never reach the broker nor the journal.
 */

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'nt-risk-exec-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2, 15);

/** The paper broker, counting the orders that actually reach it. */
class CountingPaperBroker extends PaperBroker {
  submissions = 0;
  override submitSync(request: BrokerOrderRequest) {
    this.submissions++;
    return super.submitSync(request);
  }
}

function setup() {
  let clock = T0;
  // No commission: the expected losses below are exact percentages of price moves.
  const broker = new CountingPaperBroker({ now: () => clock, commission: noCommission });
  const price = (symbol: string, value: number) =>
    broker.feedBar(symbol, {
      timestamp: clock,
      open: value,
      high: value,
      low: value,
      close: value,
      volume: 1e9,
    });
  price('AAPL', 100);
  const journal = Journal.open(home, { initialCapital: 100_000 });
  const manager = new OrderManager({ broker, journal, now: () => clock });
  return {
    broker,
    journal,
    manager,
    /** Move to `timestamp`, give the broker the price and mark the book (equity observers run). */
    at(timestamp: number, aaplPrice: number) {
      clock = timestamp;
      price('AAPL', aaplPrice);
      manager.mark('AAPL', aaplPrice, timestamp);
    },
  };
}

const buy = (quantity: number): OrderRequest => ({ symbol: 'AAPL', side: 'buy', quantity, type: 'market' });

async function rejectionOf(promise: Promise<unknown>): Promise<OrderRejectedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrderRejectedError);
  return error as OrderRejectedError;
}

describe('risk checks on the OrderManager (paper broker, journal)', () => {
  it('a daily-loss circuit breaker halts new orders for the rest of the UTC day, then allows them', async () => {
    const { broker, journal, manager, at } = setup();
    const breaker = new CircuitBreaker({ maxDailyLoss: 0.03 });
    manager.addPreTradeCheck(breaker);
    at(T0, 100);
    expect((await manager.submitOrder(buy(500))).status).toBe('filled');
    expect(broker.submissions).toBe(1);

    // 500 shares fall 10: equity 100,000 -> 95,000, a 5% loss on the day.
    at(T0 + 60_000, 90);
    expect(breaker.tripped).toBe(true);
    const refused = await rejectionOf(manager.submitOrder(buy(1)));
    expect(refused.check).toBe('circuit-breaker');
    expect(refused.message).toMatch(/daily loss 5\.00% exceeds 3\.00%.*until the next trading day/);
    // Later the same day, even with prices back up a little, it stays halted.
    at(T0 + 3 * 3_600_000, 95);
    expect((await rejectionOf(manager.submitOrder(buy(1)))).check).toBe('circuit-breaker');
    expect(broker.submissions).toBe(1);
    expect(journal.listOrders({ status: 'all' })).toHaveLength(1);

    // The next UTC day starts a new base: trading resumes.
    at(T0 + DAY, 95);
    expect(breaker.tripped).toBe(false);
    expect((await manager.submitOrder(buy(1))).status).toBe('filled');
    expect(broker.submissions).toBe(2);
    expect(manager.portfolio.position('AAPL')).toBe(501);
    expect(breaker.trips.map((t) => t.reason)).toEqual(['daily-loss']);
    journal.close();
  });

  it('a drawdown trip persists across days until reset()', async () => {
    const { broker, journal, manager, at } = setup();
    const breaker = new CircuitBreaker({ maxDrawdown: 0.1 });
    manager.addPreTradeCheck(breaker);
    at(T0, 100);
    await manager.submitOrder(buy(500));
    at(T0 + DAY, 110); // peak: 105,000
    at(T0 + 2 * DAY, 88); // 94,000: 10.48% below the peak
    expect(breaker.activeTrips.map((t) => t.reason)).toEqual(['drawdown']);
    expect((await rejectionOf(manager.submitOrder(buy(1)))).message).toMatch(
      /drawdown from peak 10\.48% exceeds 10\.00%.*until reset/,
    );
    // New days and a partial recovery do not clear a drawdown halt.
    at(T0 + 3 * DAY, 95);
    at(T0 + 10 * DAY, 99);
    expect((await rejectionOf(manager.submitOrder(buy(1)))).check).toBe('circuit-breaker');
    expect(broker.submissions).toBe(1);

    breaker.reset();
    expect((await manager.submitOrder(buy(1))).status).toBe('filled');
    expect(broker.submissions).toBe(2);
    // The peak restarted at the reset equity: a further 10% slide trips it again.
    at(T0 + 11 * DAY, 78);
    expect((await rejectionOf(manager.submitOrder(buy(1)))).check).toBe('circuit-breaker');
    expect(breaker.trips).toHaveLength(2);
    journal.close();
  });

  it('riskLimitsCheck refuses an order that would exceed the position weight and accepts a smaller one', async () => {
    const { broker, journal, manager, at } = setup();
    manager.addPreTradeCheck(riskLimitsCheck({ maxPositionWeight: 0.2 }));
    at(T0, 100);
    const tooBig = await rejectionOf(manager.submitOrder(buy(300)));
    expect(tooBig.check).toBe('risk-limits');
    expect(tooBig.field).toBe('quantity');
    expect(tooBig.message).toMatch(/AAPL would be 30\.00% of equity, above the 20\.00% position limit/);
    expect(broker.submissions).toBe(0);
    expect(journal.listOrders({ status: 'all' })).toHaveLength(0);

    expect((await manager.submitOrder(buy(150))).status).toBe('filled');
    expect(broker.submissions).toBe(1);
    // Adding 100 more would make it 25%; 50 more (20%) is within the limit.
    expect((await rejectionOf(manager.submitOrder(buy(100)))).check).toBe('risk-limits');
    expect((await manager.submitOrder(buy(50))).status).toBe('filled');
    expect(manager.portfolio.position('AAPL')).toBe(200);
    expect(broker.submissions).toBe(2);
    journal.close();
  });
});

describe('risk checks in the live runner (paper, custom feed)', () => {
  /** Buys 100 shares on every bar. */
  const buyer: Strategy = {
    name: 'buy-every-bar',
    symbols: ['AAPL'],
    onBar: (context) => {
      context.buy(100);
    },
  };

  /** Hourly bars: [hours after T0, price]. */
  async function* feed(bars: [number, number][]): AsyncGenerator<LiveStep> {
    for (const [hours, price] of bars) {
      const timestamp = T0 + hours * 3_600_000;
      const bar = { timestamp, open: price, high: price, low: price, close: price, volume: 1e9 };
      yield { timestamp, bars: new Map([['AAPL', bar]]) };
    }
  }

  it('halts on the bar day the daily loss is breached, reports it once and resumes the next day', async () => {
    const lines: string[] = [];
    const halts: string[] = [];
    const breaker = new CircuitBreaker({ maxDailyLoss: 0.02 });
    const summary = await runLiveStrategy({
      strategy: buyer,
      broker: 'paper',
      config: loadConfig({ env: { NEURAL_TRADER_HOME: home }, envFile: false, applyLogLevel: false }),
      commissionRate: 0,
      // Each bar's order fills at the next bar's open. By 18:00 the book holds 300 shares bought at
      // 100, 100 and 95, marked at 85: equity 97,500, 2.5% below the day's 100,000 base.
      // The next day (24 h later) starts a new base and trading resumes.
      feed: feed([
        [0, 100],
        [1, 100],
        [2, 95],
        [3, 85],
        [24, 85],
        [25, 85],
      ]),
      checks: [breaker],
      onEvent: (line) => lines.push(line),
      onHalt: (line) => halts.push(line),
    });
    expect(halts).toEqual([
      expect.stringMatching(
        /^risk halt: circuit breaker tripped at 2024-01-02.*daily loss 2\.50% exceeds 2\.00%/,
      ),
    ]);
    expect(summary.halts).toEqual(halts);
    // Only the 18:00 order is refused, by the breaker; the bars before it and the next day's trade.
    const refused = lines.filter((l) => l.startsWith('order refused:'));
    expect(refused).toEqual([
      expect.stringMatching(/^order refused: buy 100 AAPL: .*circuit breaker tripped/),
    ]);
    expect(summary.orders).toBe(5);
    expect(summary.rejected).toBe(1);
    expect(summary.positions).toEqual([{ symbol: 'AAPL', quantity: 400, averageCost: expect.any(Number) }]);
  });
});
