import { describe, expect, it } from 'vitest';
import { fetchMarketData } from '../../src/data/index.js';
import { calculateVaR, kellyFromHistory } from '../../src/risk/index.js';
import { callError, callOk, stdioSuite } from './helpers.js';

/** Issue #11 through the MCP server: conventions and horizons in the output, column needs as tool errors. */
describe('annualisation, horizons and required columns over stdio', () => {
  const mcp = stdioSuite();

  it('run_backtest returns the annualisation with the metrics; calendar overrides it', async () => {
    const data = await callOk(mcp.session.client, 'run_backtest', {
      strategy: 'sma-crossover',
      symbols: ['USDCHF'],
    });
    expect(data.annualisation).toMatch(/^12,508 periods\/year measured from the timestamps/);
    // MCP results are snake_case at every level (CONTRIBUTING.md "Output conventions").
    expect((data.benchmark as { annualized_return: number }).annualized_return).toBeCloseTo(0.0788, 4);
    const crypto = await callOk(mcp.session.client, 'run_backtest', {
      strategy: 'momentum',
      symbols: ['KO'],
      start_date: '1995-01-01',
      end_date: '1995-06-30',
      calendar: 'crypto',
    });
    expect(crypto.annualisation).toMatch(/^365\.0 periods\/year for 1Day bars on the crypto calendar/);
  });

  it('run_backtest of enhanced-momentum on close-only data is a tool error naming volume and the fix', async () => {
    const text = await callError(mcp.session.client, 'run_backtest', {
      strategy: 'enhanced-momentum',
      symbols: ['KO'],
    });
    expect(text).toMatch(/enhanced-momentum needs volume .* but KO has none \(close-only data\)/);
    expect(text).toMatch(/volumeFilter/);
    const off = await callOk(mcp.session.client, 'run_backtest', {
      strategy: 'enhanced-momentum',
      symbols: ['KO'],
      params: { volumeFilter: false },
    });
    expect(off.trade_count as number).toBeGreaterThan(0);
  });

  it('risk_analysis on USDCHF: a 1-day horizon of daily closes (lookback in trading days), or scaled bars', async () => {
    const data = await callOk(mcp.session.client, 'risk_analysis', {
      positions: { USDCHF: 100_000 },
      start_date: '1996-04-01',
      method: 'parametric',
    });
    const usdchf = await fetchMarketData('USDCHF', '1996-04-01', undefined, 'sample');
    const expected = calculateVaR(
      { positions: { USDCHF: 100_000 }, prices: { USDCHF: usdchf } },
      0.95,
      'parametric',
    );
    expect(data.var).toBeCloseTo(expected.var, 8);
    expect(data.horizon).toMatch(/^1-day horizon: daily returns \(30Min bars resampled/);
    const recent = await callOk(mcp.session.client, 'risk_analysis', {
      positions: { USDCHF: 100_000 },
      lookback_days: 60,
    });
    expect(recent.observations).toBe(59);
    const scaled = await callOk(mcp.session.client, 'risk_analysis', {
      positions: { USDCHF: 100_000 },
      lookback_days: 60,
      intraday: 'scale',
    });
    expect(scaled.horizon).toMatch(/^1-day horizon = 4\d 30Min returns/);
    expect((scaled.warnings as string[]).join(' ')).toMatch(/intraday 30Min returns stand in for daily ones/);
  });

  it('calculate_kelly_criterion (continuous) uses the library and states its annualisation', async () => {
    const data = await callOk(mcp.session.client, 'calculate_kelly_criterion', {
      symbol: 'USDCHF',
      start_date: '1996-04-01',
      risk_free_rate: 0.01,
    });
    const usdchf = await fetchMarketData('USDCHF', '1996-04-01', undefined, 'sample');
    const expected = kellyFromHistory(usdchf, { riskFreeRate: 0.01 });
    expect(data.full_kelly).toBeCloseTo(expected.fullKelly, 10);
    expect(data.annual_volatility).toBeCloseTo(expected.annualVolatility, 12);
    expect(data.convention).toMatch(/^daily returns \(30Min bars resampled .*measured from the dates/);
  });

  it('stress_test on a book worth <= 0: pnl_pct null and a note', async () => {
    const data = await callOk(mcp.session.client, 'stress_test', {
      positions: { KO: -1000 },
      cash: 1000,
      start_date: '1996-01-01',
      end_date: '2000-12-29',
    });
    expect(data.portfolio_value as number).toBeLessThan(0);
    for (const s of data.scenarios as { pnl_pct: number | null }[]) expect(s.pnl_pct).toBeNull();
    expect((data.warnings as string[]).join(' ')).toMatch(/at or below zero/);
  });
});
