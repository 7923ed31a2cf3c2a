import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { fixedCommission, perShareCommission } from '../../src/backtest/fill-models.js';
import { BarSeries } from '../../src/core/bars.js';
import { DataError } from '../../src/core/errors.js';
import type { PreTradeCheck } from '../../src/core/orders.js';
import type { StrategyContext } from '../../src/strategies/types.js';
import { flatSeries, scripted, seriesFrom, T0 } from './helpers.js';

const DAY = 86_400_000;
// open, high, low, close
const BARS = [
  [100, 101, 99, 100],
  [102, 105, 101, 104],
  [103, 106, 98, 99],
  [97, 99, 95, 96],
  [110, 112, 108, 111],
  [111, 115, 110, 114],
];

// Fill mechanics are checked commission-free (the product default is 0.001); tests that need a cost say so.
function run(actions: Record<number, (ctx: StrategyContext) => void>, options = {}, rows = BARS) {
  return runBacktest(scripted(['X'], actions), [seriesFrom('X', rows)], { commission: 0, ...options });
}

describe('market orders', () => {
  it('fill at the next bar open, never on the signal bar', () => {
    const r = run({ 0: (c) => c.buy(10) });
    expect(r.fills).toHaveLength(1);
    expect(r.fills[0]).toMatchObject({
      barIndex: 1,
      price: 102,
      quantity: 10,
      side: 'buy',
      cashAfter: 100_000 - 1020,
    });
    expect(r.equity[0]).toBe(100_000);
    expect(r.equity[1]).toBe(100_000 - 1020 + 10 * 104);
  });
  it('an order on the last bar is never filled and is reported open at the end', () => {
    const r = run({ 5: (c) => c.buy(1) });
    expect(r.fills).toHaveLength(0);
    expect(r.cancellations).toMatchObject([{ reason: 'open-at-end' }]);
  });
});

describe('limit, stop, stop-limit and trailing orders', () => {
  it('limit buy waits until low <= limit, fills at min(open, limit); a gap down fills at the open', () => {
    const r = run({ 0: (c) => c.buy(1, { type: 'limit', limitPrice: 98.5 }) });
    expect(r.fills[0]).toMatchObject({ barIndex: 2, price: 98.5 });
    const gap = run({ 2: (c) => c.buy(1, { type: 'limit', limitPrice: 98 }) });
    expect(gap.fills[0]).toMatchObject({ barIndex: 3, price: 97 });
  });
  it('limit sell fills at max(open, limit) once high >= limit', () => {
    const r = run({ 0: (c) => c.sell(1, { type: 'limit', limitPrice: 105 }) });
    expect(r.fills[0]).toMatchObject({ barIndex: 1, price: 105, side: 'sell' });
    const gap = run({ 3: (c) => c.sell(1, { type: 'limit', limitPrice: 105 }) });
    expect(gap.fills[0]).toMatchObject({ barIndex: 4, price: 110 });
  });
  it('stop buy triggers on high >= stop and a gap up fills at the worse open', () => {
    const r = run({ 0: (c) => c.buy(1, { type: 'stop', stopPrice: 103 }) });
    expect(r.fills[0]).toMatchObject({ barIndex: 1, price: 103 });
    const gap = run({ 3: (c) => c.buy(1, { type: 'stop', stopPrice: 100 }) });
    expect(gap.fills[0]).toMatchObject({ barIndex: 4, price: 110 });
  });
  it('stop sell triggers on low <= stop; a gap down fills at the open', () => {
    const r = run({ 1: (c) => c.sell(1, { type: 'stop', stopPrice: 100 }) });
    expect(r.fills[0]).toMatchObject({ barIndex: 2, price: 100 });
    const gap = run({ 2: (c) => c.sell(1, { type: 'stop', stopPrice: 98 }) });
    expect(gap.fills[0]).toMatchObject({ barIndex: 3, price: 97 });
  });
  it('stop-limit: fills on the trigger bar when the limit is reachable, else rests as a limit', () => {
    const same = run({ 0: (c) => c.buy(1, { type: 'stop_limit', stopPrice: 103, limitPrice: 104 }) });
    expect(same.fills[0]).toMatchObject({ barIndex: 1, price: 103 });
    // Triggered on bar 4 by a gap to 110 above the 109 limit: no fill there; later bars never trade <= 109.
    const rest = run({ 3: (c) => c.buy(1, { type: 'stop_limit', stopPrice: 100, limitPrice: 109 }) });
    expect(rest.fills[0]).toMatchObject({ barIndex: 4, price: 109 });
    const never = run({ 3: (c) => c.buy(1, { type: 'stop_limit', stopPrice: 100, limitPrice: 107 }) });
    expect(never.fills).toHaveLength(0);
    // Sell stop-limit: triggers on bar 2 (low 98 <= 100) with limit 101 reachable at the 100 trigger.
    const sell = run({ 1: (c) => c.sell(1, { type: 'stop_limit', stopPrice: 100, limitPrice: 99 }) });
    expect(sell.fills[0]).toMatchObject({ barIndex: 2, price: 100 });
  });
  it('a triggered stop-limit keeps its trigger on later bars', () => {
    // Bar 1 triggers (high 105 >= 104) but the limit 100 is below the bar's low; bar 2 reaches 100.
    const r = run({ 0: (c) => c.buy(1, { type: 'stop_limit', stopPrice: 104, limitPrice: 100 }) });
    expect(r.fills[0]).toMatchObject({ barIndex: 2, price: 100 });
  });
  it('trailing stop follows the high-water mark and fills when the low crosses it', () => {
    const rows = [
      [100, 100, 100, 100],
      [101, 110, 100, 109],
      [109, 120, 108, 118],
      [118, 119, 109, 110],
    ];
    // Sell trail 10%: mark 100 -> 110 (stop 99) -> 120 (stop 108); bar 3 low 109 stays above 108.
    const r = run({ 0: (c) => c.sell(1, { type: 'trailing_stop', trailPercent: 10 }) }, {}, rows);
    expect(r.fills).toHaveLength(0);
    const rows2 = [...rows, [107, 108, 100, 101]];
    const r2 = run({ 0: (c) => c.sell(1, { type: 'trailing_stop', trailPercent: 10 }) }, {}, rows2);
    expect(r2.fills[0].barIndex).toBe(4);
    expect(r2.fills[0].price).toBeCloseTo(107, 10); // gap below the 108 stop: filled at the open
    const abs = run({ 0: (c) => c.sell(1, { type: 'trailing_stop', trailPrice: 5 }) }, {}, rows2);
    expect(abs.fills[0]).toMatchObject({ barIndex: 3, price: 115 });
    // Buy trailing stop from the low-water mark.
    const down = [
      [100, 100, 100, 100],
      [99, 99, 90, 91],
      [91, 96, 90, 95],
    ];
    const b = run({ 0: (c) => c.buy(1, { type: 'trailing_stop', trailPrice: 5 }) }, {}, down);
    expect(b.fills[0]).toMatchObject({ barIndex: 2, price: 95 });
  });
});

describe('time in force', () => {
  it('day orders expire after their next bar; gtc orders rest until filled', () => {
    const day = run({ 0: (c) => c.buy(1, { type: 'limit', limitPrice: 98.5, timeInForce: 'day' }) });
    expect(day.fills).toHaveLength(0);
    expect(day.cancellations).toMatchObject([{ reason: 'expired', timestamp: T0 + DAY }]);
    const gtc = run({ 0: (c) => c.buy(1, { type: 'limit', limitPrice: 98.5, timeInForce: 'gtc' }) });
    expect(gtc.fills[0].barIndex).toBe(2);
  });
  it('ioc and fok fill on the next bar or cancel', () => {
    for (const tif of ['ioc', 'fok'] as const) {
      const miss = run({ 0: (c) => c.buy(1, { type: 'limit', limitPrice: 90, timeInForce: tif }) });
      expect(miss.fills).toHaveLength(0);
      expect(miss.cancellations[0].reason).toBe('expired');
      const hit = run({ 0: (c) => c.buy(1, { type: 'limit', limitPrice: 101.5, timeInForce: tif }) });
      expect(hit.fills[0]).toMatchObject({ barIndex: 1, price: 101.5 });
    }
  });
  it('the default time in force is an option', () => {
    const r = run({ 0: (c) => c.buy(1, { type: 'limit', limitPrice: 98.5 }) }, { defaultTimeInForce: 'day' });
    expect(r.fills).toHaveLength(0);
  });
  it('cancelOrder removes a resting order; clientOrderId makes submission idempotent', () => {
    let id = '';
    const r = run({
      0: (c) => {
        id = c.buy(1, { type: 'limit', limitPrice: 90, clientOrderId: 'a' });
        expect(c.buy(1, { type: 'limit', limitPrice: 90, clientOrderId: 'a' })).toBe(id);
        expect(c.openOrders()).toHaveLength(1);
      },
      1: (c) => c.cancelOrder(id),
      2: (c) => expect(c.openOrders()).toHaveLength(0),
    });
    expect(r.cancellations).toMatchObject([{ orderId: id, reason: 'canceled' }]);
  });
});

describe('costs', () => {
  it('percent, per-share (with minimum) and fixed commission models', () => {
    const pct = run({ 0: (c) => c.buy(10) }, { commission: 0.01 });
    expect(pct.fills[0].commission).toBeCloseTo(10.2, 10);
    expect(pct.fills[0].cashAfter).toBeCloseTo(100_000 - 1020 - 10.2, 8);
    const share = run({ 0: (c) => c.buy(10) }, { commission: perShareCommission(0.005, 1) });
    expect(share.fills[0].commission).toBe(1);
    const share2 = run({ 0: (c) => c.buy(900) }, { commission: perShareCommission(0.005, 1) });
    expect(share2.fills[0].commission).toBeCloseTo(4.5, 10);
    const fixed = run({ 0: (c) => c.buy(10), 2: (c) => c.sell(10) }, { commission: fixedCommission(2.5) });
    expect(fixed.fills.map((f) => f.commission)).toEqual([2.5, 2.5]);
    expect(fixed.metrics.totalCommission).toBe(5);
    expect(fixed.trades[0].pnl).toBeCloseTo(10 * (97 - 102) - 5, 10);
  });
  it('slippage in bps moves buys up and sells down, never through a limit', () => {
    const r = run({ 0: (c) => c.buy(10), 1: (c) => c.sell(10) }, { slippageBps: 50 });
    expect(r.fills[0].price).toBeCloseTo(102 * 1.005, 10);
    expect(r.fills[1].price).toBeCloseTo(103 * 0.995, 10);
    const limit = run({ 0: (c) => c.buy(1, { type: 'limit', limitPrice: 98.5 }) }, { slippageBps: 50 });
    expect(limit.fills[0].price).toBe(98.5);
  });
});

describe('positions and account rules', () => {
  it('short P&L: sell 10 at 103, cover at 97', () => {
    const r = run({ 1: (c) => c.sell(10), 2: (c) => c.buy(10) });
    expect(r.fills.map((f) => f.price)).toEqual([103, 97]);
    // The short is held from bar 2's open to bar 3's open: one day's borrow fee on 10 x bar 2's close (99).
    expect(r.metrics.borrowFees).toBeCloseTo((10 * 99 * 0.005) / 365.25, 12);
    expect(r.metrics.marginInterest).toBe(0);
    expect(r.finalCash).toBeCloseTo(100_000 + 60 - r.metrics.borrowFees, 9);
    expect(r.trades).toMatchObject([
      { direction: 'short', pnl: 60, entryPrice: 103, exitPrice: 97, barsHeld: 1 },
    ]);
    expect(r.equity[2]).toBe(100_000 + 10 * 103 - 10 * 99);
  });
  it('whole units by default (floored), fractions with fractional', () => {
    const whole = run({ 0: (c) => c.buy(2.7) });
    expect(whole.fills[0].quantity).toBe(2);
    const tiny = run({ 0: (c) => c.buy(0.5) });
    expect(tiny.fills).toHaveLength(0);
    expect(tiny.rejections[0]).toMatchObject({ check: 'quantity', field: 'quantity' });
    const frac = run({ 0: (c) => c.buy(2.7) }, { fractional: true });
    expect(frac.fills[0].quantity).toBe(2.7);
    const pct = run({ 0: (c) => c.orderTargetPercent('X', 0.5) }, { fractional: true });
    expect(pct.fills[0].quantity).toBeCloseTo(500, 10);
  });
  it('allowShort=false rejects sells below flat', () => {
    const r = run({ 0: (c) => c.buy(5), 1: (c) => c.sell(10) }, { allowShort: false });
    expect(r.fills).toHaveLength(1);
    expect(r.rejections).toMatchObject([{ check: 'no-short', barIndex: 2 }]);
  });
  it('buying power: with maxLeverage 1 a buy beyond cash is rejected; 2 (the default) allows it', () => {
    const r = run({ 0: (c) => c.buy(1500) }, { maxLeverage: 1 });
    expect(r.fills).toHaveLength(0);
    expect(r.rejections[0].check).toBe('buying-power');
    expect(run({ 0: (c) => c.buy(2000) }).rejections[0].check).toBe('buying-power');
    const margin = run({ 0: (c) => c.buy(1500) });
    expect(margin.fills).toHaveLength(1);
    expect(margin.finalCash).toBeLessThan(0);
  });
  it('a percent target that a gap up makes unaffordable fills the most the margin rule allows', () => {
    // Sized at bar 0's close (100): 1000 units; bar 1 opens at 102, where a cash account affords 980.
    const r = run({ 0: (c) => c.orderTargetPercent('X', 1) }, { maxLeverage: 1 });
    expect(r.rejections).toEqual([]);
    expect(r.fills.map((f) => [f.side, f.quantity, f.price])).toEqual([['buy', 980, 102]]);
    expect(r.finalCash).toBeGreaterThanOrEqual(0);
    // With commission the budget also pays the fee: 980 x 102 x 1.001 > 100,000, so 979.
    const fee = run({ 0: (c) => c.orderTargetPercent('X', 1) }, { maxLeverage: 1, commission: 0.001 });
    expect(fee.fills[0].quantity).toBe(979);
    expect(fee.finalCash).toBeGreaterThanOrEqual(0);
    // A plain quantity order is still refused whole.
    expect(run({ 0: (c) => c.buy(1000) }, { maxLeverage: 1 }).rejections[0].check).toBe('buying-power');
  });
  it('orderTargetQuantity and orderTargetPercent trade the difference', () => {
    const r = run({
      0: (c) => c.orderTargetQuantity('X', 10),
      1: (c) => expect(c.orderTargetQuantity('X', 10)).toBeNull(),
      2: (c) => c.orderTargetQuantity('X', -5),
    });
    expect(r.fills.map((f) => [f.side, f.quantity])).toEqual([
      ['buy', 10],
      ['sell', 15],
    ]);
    expect(r.positions).toEqual({ X: -5 });
  });
  it('closeAtEnd closes open positions at the last close', () => {
    const r = run({ 0: (c) => c.buy(10) }, { closeAtEnd: true });
    expect(r.fills[1]).toMatchObject({ side: 'sell', price: 114, tag: 'close-at-end' });
    expect(r.positions).toEqual({});
    expect(r.trades).toHaveLength(1);
    expect(r.openTrades).toHaveLength(0);
  });
});

describe('hooks', () => {
  it('pre-trade checks refuse orders and the refusal is recorded; observers see every bar', () => {
    const seen: [number, number][] = [];
    let tripped = false;
    const breaker: PreTradeCheck = {
      name: 'circuit-breaker',
      check: () => (tripped ? { check: 'circuit-breaker', message: 'halted' } : null),
    };
    const r = run(
      { 0: (c) => c.buy(10), 3: (c) => c.buy(10) },
      {
        preTradeChecks: [breaker],
        equityObservers: [
          {
            onEquity: (ts: number, equity: number) => {
              seen.push([ts, equity]);
              if (equity < 100_000) tripped = true;
            },
          },
        ],
      },
    );
    expect(seen).toHaveLength(6);
    expect(seen[2]).toEqual([T0 + 2 * DAY, 100_000 - 10 * 102 + 10 * 99]);
    expect(r.fills).toHaveLength(1);
    expect(r.rejections).toMatchObject([{ check: 'circuit-breaker', message: 'halted', barIndex: 3 }]);
  });
  it('onFill and onStart/onEnd are called; onFill sees the fill', () => {
    const events: string[] = [];
    runBacktest(
      scripted(
        ['X'],
        { 0: (c) => c.buy(3) },
        {
          onStart: () => events.push('start'),
          onFill: (f) => events.push(`fill ${f.side} ${f.quantity}@${f.price}`),
          onEnd: () => events.push('end'),
        },
      ),
      [seriesFrom('X', BARS)],
    );
    expect(events).toEqual(['start', 'fill buy 3@102', 'end']);
  });
});

describe('data handling', () => {
  it('aligns several symbols on common timestamps', () => {
    const a = flatSeries('A', [1, 2, 3, 4]);
    const b = BarSeries.fromBars('B', '1Day', [
      { timestamp: T0 + DAY, open: 10, high: 10, low: 10, close: 10, volume: 0 },
      { timestamp: T0 + 3 * DAY, open: 11, high: 11, low: 11, close: 11, volume: 0 },
    ]);
    const closes: number[][] = [];
    const r = runBacktest(
      scripted(['A', 'B'], {}, { onBar: (c) => closes.push([c.close('A'), c.close('B')]) }),
      [a, b],
    );
    expect(r.bars).toBe(2);
    expect(closes).toEqual([
      [2, 10],
      [4, 11],
    ]);
  });
  it('refuses a capital or leverage of 0 (no order could ever fill)', () => {
    const data = [flatSeries('A', [1, 2])];
    expect(() => runBacktest(scripted(['A'], {}), data, { initialCapital: 0 })).toThrow(
      /initialCapital must be a finite number > 0, got 0/,
    );
    expect(() => runBacktest(scripted(['A'], {}), data, { maxLeverage: 0 })).toThrow(
      /maxLeverage must be a finite number > 0, got 0/,
    );
  });
  it('names missing data and non-overlapping symbols', () => {
    expect(() => runBacktest(scripted(['A', 'Z'], {}), [flatSeries('A', [1])])).toThrow(DataError);
    const late = BarSeries.fromBars('B', '1Day', [
      { timestamp: T0 + 100 * DAY, open: 1, high: 1, low: 1, close: 1, volume: 0 },
    ]);
    expect(() => runBacktest(scripted(['A', 'B'], {}), [flatSeries('A', [1, 2]), late])).toThrow(
      /no overlapping dates/,
    );
  });
});

describe('properties', () => {
  const barsArb = fc
    .array(
      fc.record({
        open: fc.double({ min: 50, max: 150, noNaN: true }),
        spread: fc.double({ min: 0, max: 5, noNaN: true }),
        close: fc.double({ min: 50, max: 150, noNaN: true }),
      }),
      { minLength: 8, maxLength: 40 },
    )
    .map((rows) =>
      rows.map(({ open, spread, close }) => [
        open,
        Math.max(open, close) + spread,
        Math.min(open, close) - spread,
        close,
      ]),
    );

  /** A strategy whose decisions depend on recent closes, with every order type. */
  const reactive = scripted(
    ['X'],
    {},
    {
      onBar(c) {
        const h = c.history();
        const n = h.length;
        if (n < 3) return;
        const up = h.close[n - 1] > h.close[n - 3];
        const q = 1 + (Math.floor(h.close[n - 1]) % 7);
        if (up) c.buy(q);
        else c.sell(q);
        if (n % 3 === 0) c.buy(1, { type: 'limit', limitPrice: h.low[n - 1], timeInForce: 'day' });
        if (n % 4 === 0) c.sell(1, { type: 'stop', stopPrice: h.low[n - 1] });
        if (n % 5 === 0) c.sell(1, { type: 'trailing_stop', trailPercent: 3 });
      },
    },
  );

  it('no look-ahead: changing bars after t never changes fills up to t', () => {
    fc.assert(
      fc.property(barsArb, barsArb, fc.nat(), (rows, other, cut) => {
        const t = cut % rows.length;
        const altered = [...rows.slice(0, t + 1), ...other].slice(
          0,
          Math.max(rows.length, t + 1 + other.length),
        );
        const opts = { maxLeverage: 10 };
        const a = runBacktest(reactive, [seriesFrom('X', rows)], opts);
        const b = runBacktest(reactive, [seriesFrom('X', altered)], opts);
        const upTo = (fills: typeof a.fills) => fills.filter((f) => f.barIndex <= t);
        expect(upTo(b.fills)).toEqual(upTo(a.fills));
        expect(Array.from(b.equity.subarray(0, t + 1))).toEqual(Array.from(a.equity.subarray(0, t + 1)));
      }),
      { numRuns: 100 },
    );
  });

  it('positions and cash reconcile with the fill log', () => {
    fc.assert(
      fc.property(barsArb, fc.integer({ min: 0, max: 30 }), fc.boolean(), (rows, bps, fractional) => {
        const r = runBacktest(reactive, [seriesFrom('X', rows)], {
          commission: 0.002,
          slippageBps: bps,
          fractional,
          maxLeverage: 10,
        });
        let position = 0;
        let cash = 100_000;
        for (const f of r.fills) {
          const signed = f.side === 'buy' ? f.quantity : -f.quantity;
          position += signed;
          cash -= signed * f.price + f.commission;
        }
        expect(r.positions.X ?? 0).toBeCloseTo(position, 9);
        // Financing (margin interest, borrow fee) is the only cash flow besides fills.
        cash -= r.metrics.financingCost;
        expect(r.finalCash).toBeCloseTo(cash, 6);
        const last = rows[rows.length - 1][3];
        expect(r.finalEquity).toBeCloseTo(cash + position * last, 6);
        // FIFO round trips plus open lots account for every unit traded.
        const closed = r.trades.reduce((s, t) => s + 2 * t.quantity, 0);
        const open = r.openTrades.reduce((s, t) => s + t.quantity, 0);
        const traded = r.fills.reduce((s, f) => s + f.quantity, 0);
        expect(closed + open).toBeCloseTo(traded, 6);
      }),
      { numRuns: 100 },
    );
  });
});
