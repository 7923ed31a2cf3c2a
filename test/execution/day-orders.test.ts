import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sessionCloseAfter } from '../../src/core/calendar.js';
import { calendarOfSymbol, dayOrderExpiry } from '../../src/execution/day-orders.js';
import { OrderManager } from '../../src/execution/order-manager.js';
import { PaperBroker } from '../../src/execution/paper-broker.js';

/**
 * Day orders end with their instrument's session: 16:00 New York for US equities (16:00 EST = 21:00
 * UTC in winter, 16:00 EDT = 20:00 UTC in summer), 00:00 UTC for crypto. Expected instants are written
 * out by hand from the 2024 US daylight-saving dates (on Sunday 10 March, off Sunday 3 November).
 */

const at = (iso: string) => Date.parse(iso);

describe('session close of a timestamp', () => {
  it.each([
    // Friday 8 March 2024, EST: during the session -> that day's 16:00 EST (21:00 UTC).
    ['2024-03-08T20:00:00Z', 'us-equity', '2024-03-08T21:00:00Z'],
    // After Friday's close -> Monday 11 March, now EDT: 16:00 EDT is 20:00 UTC (not 21:00, not midnight).
    ['2024-03-08T22:00:00Z', 'us-equity', '2024-03-11T20:00:00Z'],
    // At the close exactly: the next session.
    ['2024-03-08T21:00:00Z', 'us-equity', '2024-03-11T20:00:00Z'],
    // Sunday 10 March during the switch (07:30 UTC = 03:30 EDT) -> Monday 20:00 UTC.
    ['2024-03-10T07:30:00Z', 'us-equity', '2024-03-11T20:00:00Z'],
    // Monday 11 March 10:00 EDT (14:00 UTC) -> 20:00 UTC the same day.
    ['2024-03-11T14:00:00Z', 'us-equity', '2024-03-11T20:00:00Z'],
    // Late evening New York, already the next UTC day (Tuesday 01:30 UTC = Monday 21:30 EDT) -> Tuesday 20:00.
    ['2024-03-12T01:30:00Z', 'us-equity', '2024-03-12T20:00:00Z'],
    // Friday 1 November 2024, EDT, after the close -> Monday 4 November, EST again: 21:00 UTC.
    ['2024-11-01T20:30:00Z', 'us-equity', '2024-11-04T21:00:00Z'],
    // Sunday 3 November at 05:30 UTC (01:30 EST, the repeated hour) -> Monday 21:00 UTC.
    ['2024-11-03T05:30:00Z', 'us-equity', '2024-11-04T21:00:00Z'],
    // Crypto: the next UTC midnight, weekends included, DST irrelevant.
    ['2024-03-10T07:30:00Z', 'crypto', '2024-03-11T00:00:00Z'],
    ['2024-03-09T23:59:59Z', 'crypto', '2024-03-10T00:00:00Z'],
    ['2024-03-10T00:00:00Z', 'crypto', '2024-03-11T00:00:00Z'],
    // FX: the 17:00 New York roll; a Saturday belongs to Monday.
    ['2024-03-09T12:00:00Z', 'fx', '2024-03-11T21:00:00Z'],
    ['2024-01-02T12:00:00Z', 'fx', '2024-01-02T22:00:00Z'],
  ] as const)('%s on %s closes at %s', (ts, calendar, close) => {
    expect(new Date(sessionCloseAfter(at(ts), calendar)).toISOString()).toBe(
      new Date(at(close)).toISOString(),
    );
  });

  it('is always after the timestamp, within four days, and the same for every time of one session', () => {
    const start = at('2000-01-01T00:00:00Z');
    const end = at('2040-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: start, max: end }),
        fc.constantFrom('us-equity', 'fx', 'crypto'),
        (ts, cal) => {
          const close = sessionCloseAfter(ts, cal);
          expect(close).toBeGreaterThan(ts);
          expect(close - ts).toBeLessThanOrEqual(4 * 86_400_000);
          // One millisecond before the close belongs to the same session.
          expect(sessionCloseAfter(close - 1, cal)).toBe(close);
          // A close is at 16:00 (us-equity) / 17:00 (fx) New York or midnight UTC.
          const hour = Number(
            new Intl.DateTimeFormat('en-US', {
              timeZone: 'America/New_York',
              hour: 'numeric',
              hourCycle: 'h23',
            }).format(close),
          );
          if (cal === 'us-equity') expect(hour).toBe(16);
          if (cal === 'fx') expect(hour).toBe(17);
          if (cal === 'crypto') expect(close % 86_400_000).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('knows the calendar of a symbol', () => {
    expect(calendarOfSymbol('AAPL')).toBe('us-equity');
    expect(calendarOfSymbol('BRK.B')).toBe('us-equity');
    expect(calendarOfSymbol('BTC/USD')).toBe('crypto');
    expect(calendarOfSymbol('USDCHF')).toBe('fx');
    expect(dayOrderExpiry('AAPL', at('2024-03-08T22:00:00Z'))).toBe(at('2024-03-11T20:00:00Z'));
  });
});

/** A paper account whose market clock is `clock.now`; a resting day limit order far from the price. */
async function restingDayOrder(symbol: string, placedAt: string) {
  const clock = { now: at(placedAt) };
  const broker = new PaperBroker({ now: () => clock.now, fillTime: 'clock' });
  const manager = new OrderManager({ broker, now: () => clock.now });
  broker.feedBar(symbol, { timestamp: clock.now, open: 100, high: 100, low: 100, close: 100, volume: 1e9 });
  const order = await manager.submitOrder({
    symbol,
    side: 'buy',
    quantity: 1,
    type: 'limit',
    limitPrice: 50,
    timeInForce: 'day',
  });
  expect(order.status).toBe('accepted');
  const bar = (iso: string) => {
    clock.now = at(iso);
    broker.feedBar(symbol, { timestamp: clock.now, open: 100, high: 100, low: 100, close: 100, volume: 1e9 });
    return manager.getOrderStatus(order.id)?.status;
  };
  return { clock, broker, manager, order, bar };
}

describe('paper day orders expire at their session close', () => {
  it('a US equity day order placed after Friday close lives through the weekend and UTC midnight, until Monday 16:00 EDT', async () => {
    const { bar } = await restingDayOrder('AAPL', '2024-03-08T22:00:00Z');
    expect(bar('2024-03-09T00:30:00Z')).toBe('accepted'); // UTC midnight passed: still open
    expect(bar('2024-03-11T19:59:00Z')).toBe('accepted'); // Monday 15:59 EDT
    expect(bar('2024-03-11T20:00:00Z')).toBe('expired'); // Monday 16:00 EDT
  });

  it('a crypto day order ends at 00:00 UTC, not at the New York close', async () => {
    const { bar } = await restingDayOrder('BTC/USD', '2024-03-10T21:00:00Z');
    expect(bar('2024-03-10T23:59:00Z')).toBe('accepted');
    expect(bar('2024-03-11T00:00:00Z')).toBe('expired');
  });

  it('the sweep of a long-running session expires them by the same rule (no bars needed)', async () => {
    const { clock, manager, order } = await restingDayOrder('AAPL', '2024-11-01T15:00:00Z');
    clock.now = at('2024-11-01T19:59:59Z'); // Friday 15:59:59 EDT
    expect(await manager.expireEndedDayOrders()).toBe(0);
    clock.now = at('2024-11-01T20:00:00Z'); // Friday 16:00 EDT
    expect(await manager.expireEndedDayOrders()).toBe(1);
    expect(manager.getOrderStatus(order.id)?.status).toBe('expired');
  });
});
