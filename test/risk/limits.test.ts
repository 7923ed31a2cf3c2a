import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../src/core/log.js';
import type { OrderRequest, PreTradeContext } from '../../src/core/orders.js';
import { Portfolio } from '../../src/portfolio/portfolio.js';
import { CircuitBreaker, checkRiskLimits, riskLimitsCheck } from '../../src/risk/index.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2, 14, 30);

function context(
  timestamp: number,
  equity: number,
  positions: Record<string, number> = {},
  prices: Record<string, number> = {},
): PreTradeContext {
  return {
    timestamp,
    cash: equity,
    equity,
    positions: new Map(Object.entries(positions)),
    price: (symbol) => prices[symbol],
  };
}

const buy = (symbol: string, quantity: number, limitPrice?: number): OrderRequest => ({
  symbol,
  side: 'buy',
  quantity,
  type: limitPrice === undefined ? 'market' : 'limit',
  limitPrice,
});

describe('checkRiskLimits', () => {
  it('returns every violation with limit, value, threshold and message', () => {
    const report = checkRiskLimits(
      {
        equity: 100_000,
        positions: [
          { symbol: 'KO', quantity: 1000, price: 60 }, // 60,000 = 60%
          { symbol: 'PG', quantity: 500, price: 80 }, // 40,000 = 40%
          { symbol: 'IBM', quantity: -200, price: 150 }, // -30,000 = 30%
        ],
        varFraction: 0.07,
        equityCurve: [90_000, 120_000, 100_000],
      },
      {
        maxPositionWeight: 0.35,
        maxGrossLeverage: 1.2,
        maxNetLeverage: 0.5,
        maxVar: 0.05,
        maxDrawdown: 0.1,
        maxHerfindahl: 0.3,
        maxTopNWeight: 0.9,
        topN: 2,
      },
    );
    expect(report.ok).toBe(false);
    const byLimit = (name: string) => report.violations.filter((v) => v.limit === name);
    expect(byLimit('maxPositionWeight').map((v) => v.symbol)).toEqual(['KO', 'PG']);
    expect(byLimit('maxPositionWeight')[0]).toMatchObject({ value: 0.6, threshold: 0.35 });
    expect(byLimit('maxPositionWeight')[0].message).toBe(
      'KO is 60.00% of equity, above the 35.00% position limit',
    );
    expect(byLimit('maxGrossLeverage')[0].value).toBeCloseTo(1.3, 12);
    expect(byLimit('maxNetLeverage')[0].value).toBeCloseTo(0.7, 12);
    expect(byLimit('maxVar')[0].value).toBe(0.07);
    expect(byLimit('maxDrawdown')[0].value).toBeCloseTo(1 / 6, 12);
    // Herfindahl on gross shares (60/130)^2 + (40/130)^2 + (30/130)^2 = 0.3609.
    expect(byLimit('maxHerfindahl')[0].value).toBeCloseTo((3600 + 1600 + 900) / 16900, 12);
    // Top 2 share of gross = 100 / 130 = 0.769 < 0.9: no violation.
    expect(byLimit('maxTopNWeight')).toHaveLength(0);
    expect(report.violations).toHaveLength(7);
  });

  it('passes a compliant book and accepts the Portfolio class', () => {
    const book = new Portfolio(100_000);
    book.addPosition('KO', 100, 60);
    book.recordEquity(T0, book.equity);
    const report = checkRiskLimits(book, { maxPositionWeight: 0.2, maxGrossLeverage: 1, maxDrawdown: 0.1 });
    expect(report.ok).toBe(true);
    expect(report.measures.largestPositionWeight).toBeCloseTo(0.06, 12);
    expect(() => checkRiskLimits(book, { maxPositionWeight: -1 })).toThrow(/limits.maxPositionWeight/);
    expect(() => checkRiskLimits({ equity: 1, positions: [] }, { maxVar: 0.1 })).toThrow(/varFraction/);
  });
});

describe('riskLimitsCheck (pre-trade)', () => {
  const check = riskLimitsCheck({ maxPositionWeight: 0.2, maxGrossLeverage: 1, maxOrderNotional: 50_000 });
  const ctx = context(T0, 100_000, { KO: 200, PG: 500 }, { KO: 50, PG: 100 });

  it('rejects orders that would breach a limit and passes the rest', () => {
    expect(check.check(buy('KO', 100), ctx)).toBeNull(); // KO 300 x 50 = 15%
    const tooBig = check.check(buy('KO', 300), ctx); // 500 x 50 = 25%
    expect(tooBig?.message).toMatch(/KO would be 25.00% of equity/);
    expect(tooBig?.check).toBe('risk-limits');
    expect(check.check(buy('MSFT', 100, 600), ctx)?.message).toMatch(/order notional 60000.00 exceeds/);
    expect(check.check(buy('NOPRICE', 1), ctx)?.message).toMatch(/no price for NOPRICE/);
  });

  it('lets an order reduce an existing breach', () => {
    const over = context(T0, 100_000, { PG: 300 }, { PG: 100 }); // 30% > 20%
    expect(check.check({ symbol: 'PG', side: 'sell', quantity: 50, type: 'market' }, over)).toBeNull();
    expect(check.check(buy('PG', 10), over)).not.toBeNull();
  });

  it('gross leverage counts every position', () => {
    const lev = riskLimitsCheck({ maxGrossLeverage: 1 });
    const full = context(T0, 10_000, { A: 50, B: -40 }, { A: 100, B: 100 }); // gross 9,000
    expect(lev.check(buy('C', 5, 100), full)).toBeNull(); // 9,500
    expect(lev.check(buy('C', 20, 100), full)?.message).toMatch(/gross leverage would be 1.100/);
  });
});

describe('CircuitBreaker', () => {
  // Trips are logged as warnings; keep the test output readable.
  let previousSink: ReturnType<typeof setLogSink>;
  beforeAll(() => {
    previousSink = setLogSink(() => {});
  });
  afterAll(() => {
    setLogSink(previousSink);
  });

  it('trips on the daily loss within a day and resets the next day', () => {
    const breaker = new CircuitBreaker({ maxDailyLoss: 0.03 });
    breaker.onEquity(T0, 100_000);
    breaker.onEquity(T0 + 60_000, 101_000);
    expect(breaker.check(buy('KO', 1), context(T0 + 120_000, 98_000))).toBeNull(); // -2%
    const rejection = breaker.check(buy('KO', 1), context(T0 + 180_000, 96_900)); // -3.1%
    expect(rejection?.check).toBe('circuit-breaker');
    expect(rejection?.message).toMatch(/daily loss 3.10% exceeds 3.00%/);
    expect(breaker.tripped).toBe(true);
    expect(breaker.trips[0]).toMatchObject({ reason: 'daily-loss', timestamp: T0 + 180_000, equity: 96_900 });
    // Recovering during the day does not lift the halt.
    expect(breaker.check(buy('KO', 1), context(T0 + 240_000, 100_000))).not.toBeNull();
    // Next day: the halt ends and the day's base is the previous day's last equity (100,000).
    breaker.onEquity(T0 + DAY, 98_000);
    expect(breaker.tripped).toBe(false);
    expect(breaker.check(buy('KO', 1), context(T0 + DAY + 1, 97_500))).toBeNull(); // -2.5% of 100,000
    expect(breaker.check(buy('KO', 1), context(T0 + DAY + 2, 96_500))).not.toBeNull(); // -3.5%
  });

  it('measures the daily loss from the prior close, so one bar per day can trip it', () => {
    const breaker = new CircuitBreaker({ maxDailyLoss: 0.03 });
    breaker.onEquity(T0, 100_000);
    breaker.onEquity(T0 + DAY, 98_000); // -2%
    expect(breaker.tripped).toBe(false);
    breaker.onEquity(T0 + 2 * DAY, 94_900); // -3.16% from 98,000
    expect(breaker.activeTrips.map((t) => t.reason)).toEqual(['daily-loss']);
    breaker.onEquity(T0 + 3 * DAY, 95_000);
    expect(breaker.tripped).toBe(false);
  });

  it('trips on drawdown from the peak and stays halted across days until a manual reset', () => {
    const breaker = new CircuitBreaker({ maxDrawdown: 0.1, maxDailyLoss: 0.5 });
    breaker.onEquity(T0, 100_000);
    breaker.onEquity(T0 + DAY, 120_000);
    breaker.onEquity(T0 + 2 * DAY, 107_000); // 10.8% below 120,000
    expect(breaker.activeTrips.map((t) => t.reason)).toEqual(['drawdown']);
    breaker.onEquity(T0 + 5 * DAY, 110_000);
    expect(breaker.check(buy('KO', 1), context(T0 + 5 * DAY, 110_000))?.message).toMatch(
      /drawdown from peak 10.83% exceeds 10.00%.*until reset/,
    );
    breaker.reset();
    expect(breaker.tripped).toBe(false);
    expect(breaker.check(buy('KO', 1), context(T0 + 5 * DAY, 105_000))).toBeNull(); // peak restarted at 110,000
  });

  it('optionally lets risk-reducing orders through while halted', () => {
    const breaker = new CircuitBreaker({ maxDailyLoss: 0.01, allowRiskReducing: true });
    breaker.onEquity(T0, 100_000);
    const ctx = context(T0 + 1, 98_000, { KO: 100 });
    expect(breaker.check({ symbol: 'KO', side: 'sell', quantity: 100, type: 'market' }, ctx)).toBeNull();
    expect(breaker.check({ symbol: 'KO', side: 'sell', quantity: 101, type: 'market' }, ctx)).not.toBeNull();
    expect(breaker.check(buy('KO', 1), ctx)).not.toBeNull();
  });

  it('validates its thresholds', () => {
    expect(() => new CircuitBreaker({ maxDailyLoss: 3 })).toThrow(/maxDailyLoss must be a fraction/);
    expect(() => new CircuitBreaker({})).toThrow(/needs maxDailyLoss or maxDrawdown/);
  });

  it('property: after a trip no order is allowed until a reset or (daily loss) the next day', () => {
    type Event = { kind: 'equity' | 'order'; dtMinutes: number; change: number } | { kind: 'reset' };
    const event: fc.Arbitrary<Event> = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record({
          kind: fc.constantFrom('equity' as const, 'order' as const),
          dtMinutes: fc.integer({ min: 0, max: 600 }),
          change: fc.double({ min: -0.04, max: 0.04, noNaN: true }),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
    );
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 80 }), (events) => {
        const breaker = new CircuitBreaker({ maxDailyLoss: 0.03, maxDrawdown: 0.08 });
        let t = T0;
        let equity = 100_000;
        // Model: the day of a daily-loss trip and whether a drawdown trip is in force.
        let dailyTripDay: number | null = null;
        let drawdownTripped = false;
        for (const e of events) {
          if (e.kind === 'reset') {
            breaker.reset();
            dailyTripDay = null;
            drawdownTripped = false;
            continue;
          }
          t += e.dtMinutes * 60_000;
          equity *= 1 + e.change;
          const day = Math.floor(t / DAY);
          if (dailyTripDay !== null && day > dailyTripDay) dailyTripDay = null;
          const haltedBefore = dailyTripDay !== null || drawdownTripped;
          let result: ReturnType<CircuitBreaker['check']> = null;
          if (e.kind === 'order') result = breaker.check(buy('KO', 1), context(t, equity));
          else breaker.onEquity(t, equity);
          for (const trip of breaker.activeTrips) {
            if (trip.reason === 'daily-loss') dailyTripDay = Math.floor(trip.timestamp / DAY);
            else drawdownTripped = true;
          }
          if (e.kind === 'order') {
            if (haltedBefore && result === null) return false;
            if ((dailyTripDay !== null || drawdownTripped) !== (result !== null)) return false;
          }
        }
        return true;
      }),
      { numRuns: 300, seed: 1234 },
    );
  });
});
