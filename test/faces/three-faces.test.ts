import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { startOfLastTradingDays } from '../../src/core/calendar.js';
import { DEFAULT_RISK_LOOKBACK_DAYS } from '../../src/core/defaults.js';
import { toJsonView } from '../../src/core/json-view.js';
import { formatInstant } from '../../src/core/time.js';
import { fetchMarketData } from '../../src/data/index.js';
import { kellyFromHistory } from '../../src/risk/index.js';
import { betKelly } from '../../src/sports/index.js';
import { runCliAsync, scratchDir } from '../helpers/cli.js';
import { callOk, stdioSessionForSuite } from '../mcp/helpers.js';

/**
 * One request, three faces: the library's `backtest()`, the CLI's `backtest --json` and the MCP tool
 * `run_backtest`, each with only the request's own inputs (no commission, capital or slippage given, so
 * every face must apply the same defaults from src/core/defaults.ts) and the dates written as bare years
 * (so every face must read them the same way). Metrics must agree to the last digit, not approximately.
 */
const snakeToCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeToCamel(k), camelKeys(v)]));
  }
  return value;
}

describe('the same backtest through the library, the CLI and MCP', () => {
  const session = stdioSessionForSuite();

  it('returns identical metrics, benchmark and assumptions to the last digit', async () => {
    const request = { strategy: 'pairs', symbols: ['KO', 'PG'], start: '1995', end: '1995' };
    const [library, cli, mcp] = await Promise.all([
      backtest(request.strategy, { symbols: request.symbols, lookback: 30 }, request.start, request.end),
      runCliAsync(
        [
          'backtest',
          '--strategy',
          request.strategy,
          '--symbols',
          'ko,pg',
          '--param',
          'lookback=30',
          '--start',
          request.start,
          '--end',
          request.end,
          '--json',
        ],
        scratchDir('nt-faces-'),
      ),
      callOk(session().client, 'run_backtest', {
        strategy: request.strategy,
        symbols: ['ko', 'PG'],
        params: { lookback: 30 },
        start_date: request.start,
        end_date: request.end,
      }),
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const cliResult = JSON.parse(cli.stdout);
    // What the library returned, as plain JSON (NaN/Infinity become null on every face).
    const lib = toJsonView(library, 'camel') as typeof cliResult;

    // The defaults every face applied: 0.001 commission, 100,000 capital, 0 bps slippage.
    expect(library.assumptions.commission).toBe('percent(0.001)');
    expect(library.initialCapital).toBe(100_000);
    expect(library.metrics.tradeCount).toBeGreaterThan(5);

    // Exactly equal: every metric of the strategy and of buy-and-hold.
    expect(cliResult.metrics).toStrictEqual(lib.metrics);
    const { benchmark: mcpBenchmark, ...mcpMetrics } = camelKeys(mcp.metrics) as Record<string, unknown>;
    const { benchmark: libBenchmark, ...libMetrics } = lib.metrics;
    expect(mcpMetrics).toStrictEqual(libMetrics);
    expect(camelKeys(mcp.benchmark)).toStrictEqual(libBenchmark);
    expect(mcpBenchmark).toBeUndefined();
    expect(mcp.final_equity).toBe(library.finalEquity);
    expect(cliResult.finalEquity).toBe(library.finalEquity);
    expect(mcp.trade_count).toBe(library.trades.length);

    // The same period, read the same way from "1995".
    expect([cliResult.start, cliResult.end]).toEqual(['1995-01-03', '1995-12-29']);
    expect([mcp.start, mcp.end]).toEqual(['1995-01-03', '1995-12-29']);
    expect(lib.start).toBe('1995-01-03');

    // The same assumptions stated on every face.
    expect(cliResult.assumptions).toStrictEqual(lib.assumptions);
    expect(camelKeys(mcp.assumptions)).toStrictEqual(lib.assumptions);
    expect(library.assumptions.dataSource).toMatch(/^sample .*1Day bars$/);
  });
});

describe('the same Kelly request through the library, the CLI and MCP', () => {
  const session = stdioSessionForSuite();

  it('an asset from its history: the same recent trading days by default, the same figures to the last digit', async () => {
    const series = await fetchMarketData('USDCHF', undefined, undefined, 'sample');
    const recent = series.slice(
      startOfLastTradingDays(series.timestamps, series.timeframe, DEFAULT_RISK_LOOKBACK_DAYS),
    );
    const library = kellyFromHistory(recent, {});
    const [cli, mcp] = await Promise.all([
      runCliAsync(['risk', 'kelly', '--symbol', 'usdchf', '--json'], scratchDir('nt-faces-')),
      callOk(session().client, 'calculate_kelly_criterion', { symbol: 'USDCHF' }),
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const out = JSON.parse(cli.stdout);
    // 500 FX trading days of 30-minute bars, resampled to their daily closes: 499 daily returns.
    expect(library.observations).toBe(DEFAULT_RISK_LOOKBACK_DAYS - 1);
    for (const [value, face] of [
      [out.observations, 'cli'],
      [mcp.observations, 'mcp'],
    ] as const)
      expect(value, face).toBe(library.observations);
    expect(out.fullKelly).toBe(library.fullKelly);
    expect(mcp.full_kelly).toBe(library.fullKelly);
    expect(out.annualVolatility).toBe(library.annualVolatility);
    expect(mcp.annual_volatility).toBe(library.annualVolatility);
    expect(out.convention).toBe(library.convention);
    expect(mcp.convention).toBe(library.convention);
    // Both say which history that was: the last 500 FX trading days up to the last bar.
    expect(mcp.history).toEqual({ start: out.start, end: out.end });
    expect(out.start).toBe(formatInstant(recent.firstTimestamp));
    expect(out.end).toBe('2001-03-30T21:30:00Z');
  });

  it('a bet at a price in any format: the CLI and MCP size it with the same library call', async () => {
    const [cli, mcp] = await Promise.all([
      runCliAsync(
        ['risk', 'kelly', '--win-prob', '0.45', '--odds', '+150', '--json'],
        scratchDir('nt-faces-'),
      ),
      callOk(session().client, 'calculate_kelly_criterion', { win_probability: 0.45, odds: '+150' }),
    ]);
    const library = betKelly({ probability: 0.45, price: '+150' });
    const out = JSON.parse(cli.stdout);
    expect(out.fullKelly).toBe(library.fullKelly);
    expect(mcp.full_kelly).toBe(library.fullKelly);
    expect(out.growthRate).toBe(library.growthRate);
    expect(mcp.growth_rate).toBe(library.growthRate);
  });
});
