import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/index.js';
import { setLogSink } from '../../src/core/log.js';
import { fetchMarketData } from '../../src/data/index.js';
import { CircuitBreaker, riskLimitsCheck } from '../../src/risk/index.js';
import type { Strategy } from '../../src/strategies/types.js';

/** Goes ~90% long on the first bar, then trades one share every bar (so a halt is visible). */
function churner(): Strategy {
  return {
    name: 'churner',
    symbols: ['SPX'],
    onBar(context) {
      if (context.barIndex === 0) context.orderTargetPercent('SPX', 0.9);
      else if (context.barIndex % 2 === 0) context.buy(1);
      else context.sell(1);
    },
  };
}

describe('risk checks inside the backtester (real S&P 500 data, 2007-2009)', () => {
  let previous: ReturnType<typeof setLogSink>;
  beforeAll(() => {
    previous = setLogSink(() => {});
  });
  afterAll(() => setLogSink(previous));

  it('the circuit breaker halts every order after a 15% drawdown', async () => {
    const spx = await fetchMarketData('SPX', '2007-10-01', '2009-06-30', 'sample');
    const breaker = new CircuitBreaker({ maxDrawdown: 0.15 });
    const result = runBacktest(churner(), [spx], {
      initialCapital: 100_000_000,
      preTradeChecks: [breaker],
      equityObservers: [breaker],
    });
    expect(breaker.trips).toHaveLength(1);
    const trip = breaker.trips[0];
    expect(trip.reason).toBe('drawdown');
    expect(trip.value).toBeGreaterThan(0.15);
    // Nothing fills after the trip; every later order is refused by the breaker.
    expect(result.fills.every((f) => f.timestamp <= trip.timestamp)).toBe(true);
    const refused = result.rejections.filter((r) => r.check === 'circuit-breaker');
    expect(refused.length).toBeGreaterThan(100);
    expect(result.fills.length).toBeGreaterThan(10);
  });

  it('riskLimitsCheck refuses an oversized position', async () => {
    const spx = await fetchMarketData('SPX', '2007-10-01', '2007-12-31', 'sample');
    const result = runBacktest(churner(), [spx], {
      initialCapital: 1_000_000,
      preTradeChecks: [riskLimitsCheck({ maxPositionWeight: 0.5 })],
    });
    const first = result.rejections.find((r) => r.check === 'risk-limits');
    expect(first?.message).toMatch(/SPX would be \d+\.\d+% of equity, above the 50.00% position limit/);
    expect(result.fills.every((f) => f.quantity * f.price < 0.5 * 1_000_000)).toBe(true);
  });
});
