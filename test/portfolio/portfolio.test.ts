import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { maxDrawdownOfCurve, Portfolio, sharpeOfCurve } from '../../src/portfolio/portfolio.js';

const fill = (symbol: string, side: 'buy' | 'sell', quantity: number, price: number, commission = 0) => ({
  symbol,
  side,
  quantity,
  price,
  commission,
});

describe('Portfolio accounting', () => {
  it('long: averages in, keeps average cost when reducing, realises on the closed part', () => {
    const p = new Portfolio(10_000);
    p.applyFill(fill('A', 'buy', 10, 100, 1));
    p.applyFill(fill('A', 'buy', 10, 110, 1));
    expect(p.position('A')).toBe(20);
    expect(p.averageCost('A')).toBe(105);
    expect(p.cash).toBe(10_000 - 1000 - 1100 - 2);
    p.applyFill(fill('A', 'sell', 5, 120, 1));
    expect(p.averageCost('A')).toBe(105);
    expect(p.realizedPnl).toBe(75);
    expect(p.commissions).toBe(3);
    p.mark('A', 100);
    expect(p.unrealizedPnl('A')).toBe(15 * -5);
    expect(p.equity).toBe(p.cash + 1500);
  });

  it('short: cash rises on the sale, P&L is sign-adjusted', () => {
    const p = new Portfolio(1000);
    p.applyFill(fill('B', 'sell', 10, 50));
    expect(p.position('B')).toBe(-10);
    expect(p.cash).toBe(1500);
    p.applyFill(fill('B', 'sell', 10, 40));
    expect(p.averageCost('B')).toBe(45);
    p.mark('B', 30);
    expect(p.unrealizedPnl()).toBe(-20 * (30 - 45));
    p.applyFill(fill('B', 'buy', 20, 30));
    expect(p.position('B')).toBe(0);
    expect(p.averageCost('B')).toBe(0);
    expect(p.realizedPnl).toBe(300);
    expect(p.cash).toBe(1300);
    expect(p.positions()).toEqual([]);
  });

  it('flip: closes the old side, opens the rest at the fill price', () => {
    const p = new Portfolio(10_000);
    p.applyFill(fill('C', 'buy', 10, 100));
    p.applyFill(fill('C', 'sell', 15, 110));
    expect(p.position('C')).toBe(-5);
    expect(p.averageCost('C')).toBe(110);
    expect(p.realizedPnl).toBe(100);
    p.applyFill(fill('C', 'buy', 8, 100));
    expect(p.position('C')).toBe(3);
    expect(p.averageCost('C')).toBe(100);
    expect(p.realizedPnl).toBe(150);
  });

  it('a zero-quantity fill (a fee adjustment) does not corrupt the average cost', () => {
    const p = new Portfolio(1000);
    p.applyFill(fill('D', 'buy', 0, 10, 1));
    expect(p.averageCost('D')).toBe(0);
    expect(p.cash).toBe(999);
    p.applyFill(fill('D', 'buy', 2, 10));
    expect(p.averageCost('D')).toBe(10);
  });

  it('old-system addPosition/removePosition and validation', () => {
    const p = new Portfolio(5000);
    p.addPosition('E', 10, 20);
    expect(p.cash).toBe(4800);
    expect(p.removePosition('E', 25)).toBe(50);
    expect(p.cash).toBe(5050);
    expect(() => p.removePosition('E')).toThrow(ValidationError);
    expect(() => p.addPosition('E', 0, 10)).toThrow(/quantity/);
    expect(() => p.addPosition('E', 1, -1)).toThrow(/price/);
    expect(() => new Portfolio(-1)).toThrow(ValidationError);
  });

  it('equity history grows past its initial capacity and feeds the metrics', () => {
    const p = new Portfolio(100);
    for (let i = 0; i < 300; i++) p.recordEquity(i, 100 + (i % 2));
    expect(p.equityHistory().equity.length).toBe(300);
    const m = p.calculateMetrics();
    expect(m.maxDrawdown).toBeCloseTo(1 / 101, 12);
    expect(m.totalValue).toBe(100);
    expect(m.returnPct).toBe(0);
  });
});

describe('rebalance', () => {
  it('orders to target weights, sells first, closes what is not targeted', () => {
    const p = new Portfolio(10_000);
    p.applyFill(fill('OLD', 'buy', 10, 100));
    const orders = p.rebalance({ A: 0.5, B: -0.2 }, { A: 30, B: 50, OLD: 100 });
    // Equity 10,000: A 5000/30 = 166.67 -> 166; B -2000/50 = -40; OLD closed.
    expect(orders).toEqual([
      { symbol: 'B', side: 'sell', quantity: 40, type: 'market' },
      { symbol: 'OLD', side: 'sell', quantity: 10, type: 'market' },
      { symbol: 'A', side: 'buy', quantity: 166, type: 'market' },
    ]);
    const fractional = p.rebalance(
      { A: 0.5, OLD: 0.1 },
      { A: 30, OLD: 100 },
      { wholeUnits: false, minTradeValue: 10 },
    );
    expect(fractional.find((o) => o.symbol === 'A')?.quantity).toBeCloseTo(5000 / 30, 10);
    expect(fractional.find((o) => o.symbol === 'OLD')).toBeUndefined(); // 10 units already = 10%
    expect(() => p.rebalance({ Z: 0.1 }, {})).toThrow(/no price for Z/);
    expect(() => p.rebalance({ A: Number.NaN }, { A: 1 })).toThrow(/finite/);
  });
});

describe('curve helpers', () => {
  it('Sharpe and max drawdown of a curve', () => {
    expect(maxDrawdownOfCurve([100, 120, 90, 130])).toBeCloseTo(0.25, 12);
    expect(Number.isNaN(sharpeOfCurve([1, 2]))).toBe(true);
    const r = [0.1, -0.1, 121 / 99 - 1];
    const mean = (r[0] + r[1] + r[2]) / 3;
    const sd = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 2);
    expect(sharpeOfCurve([100, 110, 99, 121], 252)).toBeCloseTo((mean / sd) * Math.sqrt(252), 12);
  });
});
