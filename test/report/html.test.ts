import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/backtest/engine.js';
import { renderBacktestReport } from '../../src/report/html.js';
import { loadCsvSeries, scripted } from '../backtest/helpers.js';

const golden = loadCsvSeries(new URL('../backtest/golden/gbm_2520_s42.csv', import.meta.url).pathname, 'GBM');

describe('HTML report', () => {
  const series = golden.slice(0, 300);
  const result = runBacktest(
    scripted(['GBM'], {
      5: (ctx) => ctx.buy(100),
      50: (ctx) => ctx.sell(100),
      60: (ctx) => ctx.sell(50),
      120: (ctx) => ctx.buy(50),
    }),
    [series],
    { commission: 0.001 },
  );
  const html = renderBacktestReport(result, { prices: { GBM: series.close }, title: 'Test <report>' });

  it('is one self-contained file: the chart library is inlined, nothing is fetched', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toContain('@import');
  });

  it('escapes the title and carries the equity, drawdown, prices and fills as data', () => {
    expect(html).toContain('Test &lt;report&gt;');
    const json = html.match(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/);
    expect(json).not.toBeNull();
    const data = JSON.parse(json?.[1] ?? '{}');
    expect(data.times).toHaveLength(series.length);
    expect(data.equity).toHaveLength(series.length);
    expect(data.benchmark).toHaveLength(series.length);
    expect(data.prices.GBM[10]).toBeCloseTo(series.close[10], 10);
    expect(data.fills.GBM.buys.map((b: number[]) => b[0])).toEqual([6, 121]);
    expect(data.fills.GBM.sells.map((s: number[]) => s[0])).toEqual([51, 61]);
  });

  it('lists metrics and round-trip trades', () => {
    expect(html).toContain('Sharpe');
    expect(html).toContain('Max drawdown');
    expect(html).toContain(`Trades (${result.trades.length})`);
    expect(result.trades.length).toBeGreaterThanOrEqual(2);
  });
});
