import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { CircuitBreaker } from '../../src/risk/circuit-breaker.js';
import { flatSeries, scripted } from './helpers.js';

describe('risk hooks with the real circuit breaker', () => {
  it('a drawdown breaker fed by the equity observer refuses later orders, and the result shows when', () => {
    // Buy 500 at 100; the price falls to 90 (a 5% account drawdown), then the strategy tries to add.
    const closes = [100, 100, 100, 95, 90, 92, 94];
    const breaker = new CircuitBreaker({ maxDrawdown: 0.03 });
    const result = runBacktest(
      scripted(['X'], { 0: (c) => c.buy(500), 4: (c) => c.buy(100), 5: (c) => c.sell(500) }),
      [flatSeries('X', closes)],
      { preTradeChecks: [breaker], equityObservers: [breaker] },
    );
    expect(result.fills).toHaveLength(1);
    expect(result.rejections.map((r) => [r.barIndex, r.check])).toEqual([
      [4, 'circuit-breaker'],
      [5, 'circuit-breaker'],
    ]);
    expect(result.rejections[0].order).toMatchObject({ symbol: 'X', side: 'buy', quantity: 100 });
    expect(result.rejections[0].message).toMatch(/drawdown/i);
  });

  it('JSON output carries the derived drawdown curve', () => {
    const result = runBacktest(scripted(['X'], { 0: (c) => c.buy(10) }), [flatSeries('X', [10, 10, 5, 10])], {
      commission: 0,
    });
    const json = JSON.parse(
      JSON.stringify(result, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v)),
    );
    expect(json.drawdown).toEqual(Array.from(result.drawdown));
    expect(result.drawdown[2]).toBeCloseTo(-50 / 100_000, 12);
    expect(result.drawdown).toBe(result.drawdown);
  });
});
