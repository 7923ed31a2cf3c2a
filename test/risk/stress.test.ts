import { describe, expect, it } from 'vitest';
import { BarSeries } from '../../src/core/bars.js';
import {
  betasToProxy,
  historicalStressTests,
  hypotheticalStressTests,
  preparePortfolio,
  scenarioWindowReturn,
} from '../../src/risk/index.js';
import { correlatedCloses } from './helpers.js';

const DAY = 86_400_000;
const ymd = (s: string) => Date.parse(`${s}T00:00:00Z`);

/** Business-day series from `start` with closes given by `price(i)`. */
function series(symbol: string, start: string, count: number, price: (i: number) => number): BarSeries {
  const ts: number[] = [];
  for (let t = ymd(start); ts.length < count; t += DAY) {
    const dow = new Date(t).getUTCDay();
    if (dow !== 0 && dow !== 6) ts.push(t);
  }
  return BarSeries.fromCloses(
    symbol,
    '1Day',
    Float64Array.from(ts),
    Float64Array.from(ts, (_, i) => price(i)),
  );
}

describe('historical scenarios', () => {
  // An index falling linearly 30% over the 1998 window, and two stocks: AAA with its own history through
  // 1998, BBB whose history starts later (so it must map to the index via beta).
  const [idx, aaa, bbb] = correlatedCloses(400, [0.01, 0.012, 0.015], 0.6, 3);
  const index = series('IDX', '1997-06-02', 400, (i) => idx[i]);
  const stockA = series('AAA', '1997-06-02', 400, (i) => aaa[i]);
  const stockB = series('BBB', '1997-06-02', 400, (i) => bbb[i]);
  const portfolio = preparePortfolio({
    positions: { AAA: 100, BBB: -50 },
    prices: { AAA: stockA, BBB: stockB },
    cash: 1000,
  });

  it('window return is close-to-close over the covered window, undefined when not covered', () => {
    const start = index.timestamps[10];
    const end = index.timestamps[50];
    expect(scenarioWindowReturn(index, start, end)).toBeCloseTo(idx[50] / idx[10] - 1, 14);
    expect(scenarioWindowReturn(index, ymd('1990-01-01'), ymd('1990-03-01'))).toBeUndefined();
  });

  it('uses own history where it covers the window and beta x proxy elsewhere', async () => {
    const start = '1997-09-01';
    const end = '1997-12-01';
    // BBB's "full" history as the loader sees it starts after the window.
    const bbbLate = stockB.between(ymd('1998-01-01'), ymd('2000-01-01'));
    const loader = async (symbol: string) => ({ IDX: index, AAA: stockA, BBB: bbbLate })[symbol];
    const scenario = { id: 'test', name: 'test', proxy: 'IDX', start, end, description: 'synthetic' };
    const [result] = await historicalStressTests(portfolio, { loader, scenarios: [scenario] });
    const betas = betasToProxy(portfolio, index);
    const s = ymd(start);
    const e = ymd(end);
    const ownA = scenarioWindowReturn(stockA, s, e)!;
    const proxyReturn = scenarioWindowReturn(index, s, e)!;
    expect(result.positions![0]).toMatchObject({ symbol: 'AAA', source: 'own' });
    expect(result.positions![0].return).toBeCloseTo(ownA, 14);
    expect(result.positions![1]).toMatchObject({ symbol: 'BBB', source: 'proxy' });
    expect(result.positions![1].beta).toBeCloseTo(betas[1]!, 14);
    expect(betas[1]).toBeGreaterThan(0.3);
    const expected = portfolio.exposures[0] * ownA + portfolio.exposures[1] * betas[1]! * proxyReturn;
    expect(result.pnl).toBeCloseTo(expected, 8);
    expect(result.pnlFraction).toBeCloseTo(expected / portfolio.value, 12);
    expect(result.proxyReturn).toBeCloseTo(proxyReturn, 14);
  });

  it('skips scenarios whose proxy has no data for the window', async () => {
    const results = await historicalStressTests(portfolio, { loader: async () => undefined });
    expect(results).toEqual([]);
  });
});

describe('hypothetical shocks', () => {
  const [a, b] = correlatedCloses(300, [0.01, 0.02], 0.2, 8);
  const portfolio = preparePortfolio({ positions: { A: 100, B: 50 }, prices: { A: a, B: b } });

  it('equity shock, doubled volatility and a correlation spike', () => {
    const [shock, vol, corr] = hypotheticalStressTests(portfolio, { equityShock: -0.2, confidence: 0.99 });
    expect(shock.pnl).toBeCloseTo(-0.2 * (portfolio.exposures[0] + portfolio.exposures[1]), 8);
    const [base] = hypotheticalStressTests(portfolio, {
      equityShock: -0.2,
      volatilityMultiplier: 1,
      confidence: 0.99,
    }).slice(1);
    expect(vol.pnl).toBeCloseTo(2 * base.pnl, 8);
    // With positive exposures, raising correlation to 0.9 raises VaR above the unstressed one.
    expect(corr.pnl).toBeLessThan(base.pnl);
    expect(corr.pnlFraction).toBeCloseTo(corr.pnl / portfolio.value, 12);
  });
});
