import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { presets } from '../../src/backtest/presets.js';
import type { BacktestResult } from '../../src/backtest/types.js';
import { MS_PER_YEAR } from '../../src/core/calendar.js';
import { DEFAULT_BORROW_FEE_RATE, DEFAULT_MARGIN_INTEREST_RATE } from '../../src/core/defaults.js';
import { fetchMarketData } from '../../src/data/registry.js';
import { createStrategy } from '../../src/strategies/registry.js';
import { loadCsvSeries } from './helpers.js';

/**
 * An independent reference for financing: replay the fill log bar by bar (cash and positions), and
 * accrue interest on negative cash and the borrow fee on shorts (at the previous close) over the calendar
 * time between bars. Returns the financing it computes and the cash/equity the run should end with.
 */
function replayFinancing(result: BacktestResult, marginRate: number, borrowRate: number) {
  const n = result.timestamps.length;
  const symbols = result.symbols;
  const position = new Map<string, number>(symbols.map((s) => [s, 0]));
  let cash = result.initialCapital;
  let interest = 0;
  let fees = 0;
  let f = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      const years = (result.timestamps[i] - result.timestamps[i - 1]) / MS_PER_YEAR;
      const owed = cash < 0 ? -cash * marginRate * years : 0;
      let shortValue = 0;
      for (const s of symbols) {
        const q = position.get(s) as number;
        if (q < 0) shortValue += -q * result.closes[s][i - 1];
      }
      const fee = shortValue * borrowRate * years;
      interest += owed;
      fees += fee;
      cash -= owed + fee;
    }
    while (f < result.fills.length && result.fills[f].barIndex === i) {
      const fill = result.fills[f++];
      const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
      position.set(fill.symbol, (position.get(fill.symbol) as number) + signed);
      cash -= signed * fill.price + fill.commission;
    }
  }
  let equity = cash;
  for (const s of symbols) equity += (position.get(s) as number) * result.closes[s][n - 1];
  return { interest, fees, cash, equity };
}

describe('financing: margin interest and borrow fees', () => {
  it('a leveraged pairs book (KO/PG, 1x each leg = 2x gross) pays the borrow fee on its short leg, in the metrics and in final equity', async () => {
    const [ko, pg] = await Promise.all([
      fetchMarketData('KO', '1995-01-01', '1999-12-31', 'sample'),
      fetchMarketData('PG', '1995-01-01', '1999-12-31', 'sample'),
    ]);
    const params = { symbols: ['KO', 'PG'], lookback: 20, entryThreshold: 1.5, capitalFraction: 1 };
    const result = runBacktest(createStrategy('pairs', params), [ko, pg], { maxLeverage: 2 });
    const reference = replayFinancing(result, DEFAULT_MARGIN_INTEREST_RATE, DEFAULT_BORROW_FEE_RATE);
    expect(result.metrics.borrowFees).toBeGreaterThan(10);
    expect(result.metrics.borrowFees).toBeCloseTo(reference.fees, 6);
    expect(result.metrics.marginInterest).toBeCloseTo(reference.interest, 6);
    expect(result.metrics.financingCost).toBeCloseTo(reference.fees + reference.interest, 6);
    // Final equity is the fill log's cash and positions less exactly the computed financing.
    expect(result.finalCash).toBeCloseTo(reference.cash, 6);
    expect(result.finalEquity).toBeCloseTo(reference.equity, 6);
    const free = replayFinancing(result, 0, 0);
    expect(free.equity - result.finalEquity).toBeCloseTo(result.metrics.financingCost, 6);
    expect(result.assumptions.financing).toMatch(
      /margin interest 6% a year on negative cash, borrow fee 0.5% a year/,
    );
  });

  it('a leveraged long (1.5x equity) pays margin interest on its negative cash, taken from final equity', () => {
    const series = loadCsvSeries(new URL('./golden/gbm_2520_s42.csv', import.meta.url).pathname, 'GBM');
    const strategy = () =>
      createStrategy('sma-crossover', { symbols: ['GBM'], fast: 10, slow: 30, percent: 1.5 });
    const options = {
      commission: 0.001,
      maxLeverage: 2,
      fractional: true,
      marginInterestRate: 0.08,
      borrowFeeRate: 0,
    };
    const charged = runBacktest(strategy(), [series], options);
    const reference = replayFinancing(charged, 0.08, 0);
    expect(charged.metrics.marginInterest).toBeGreaterThan(100);
    expect(charged.metrics.marginInterest).toBeCloseTo(reference.interest, 6);
    expect(charged.metrics.borrowFees).toBe(0);
    expect(charged.finalEquity).toBeCloseTo(reference.equity, 6);
    const free = replayFinancing(charged, 0, 0);
    expect(free.equity - charged.finalEquity).toBeCloseTo(charged.metrics.financingCost, 6);
  });

  it('peer-parity keeps financing at zero (the golden fills and equity stay exact), and says so', () => {
    const series = loadCsvSeries(new URL('./golden/gbm_2520_s42.csv', import.meta.url).pathname, 'GBM');
    const result = runBacktest(
      createStrategy('sma-crossover', { symbols: ['GBM'], fast: 10, slow: 30 }),
      [series],
      presets.peerParity,
    );
    expect(result.metrics.financingCost).toBe(0);
    expect(result.options.marginInterestRate).toBe(0);
    expect(result.assumptions.financing).toMatch(/^none/);
  });

  it('refuses a rate outside [0, 1]', () => {
    const series = loadCsvSeries(new URL('./golden/gbm_2520_s42.csv', import.meta.url).pathname, 'GBM');
    expect(() =>
      runBacktest(createStrategy('sma-crossover', { symbols: ['GBM'] }), [series], {
        marginInterestRate: -0.01,
      }),
    ).toThrow(/marginInterestRate must be a finite number in \[0, 1\]/);
  });
});
