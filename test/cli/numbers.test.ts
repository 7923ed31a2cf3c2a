import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectUserError, runCli, scratchDir } from '../helpers/cli.js';

/**
 * Issue #11 through the real CLI: every annualised figure states its convention, risk figures state their
 * horizon, and a strategy that cannot run on the data says so instead of printing 0 fills.
 */
const home = scratchDir('nt-numbers-');
const portfolio = (name: string, body: unknown) => {
  const path = join(home, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
};
const usdchf = portfolio('usdchf.json', {
  cash: 0,
  positions: [{ symbol: 'USDCHF', quantity: 100_000 }],
  history: { provider: 'sample' },
});

describe('annualisation on the backtest table', () => {
  it('USDCHF 30-minute: periods per year measured from the timestamps, buy & hold at the calendar CAGR', () => {
    const r = runCli(['backtest', '-s', 'sma-crossover', '--symbols', 'USDCHF'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Annualised return\s+\S+\s+7\.88%$/m);
    expect(r.stdout).toMatch(
      /^annualisation: 12,508 periods\/year measured from the timestamps \(62,495 returns over 5\.00 years, fx calendar\); annual return compounds over 5\.00 calendar years$/m,
    );
  });

  it('--calendar names a convention instead; an unknown one is one error line', () => {
    const r = runCli(
      ['backtest', '-s', 'momentum', '--symbols', 'KO', '--start', '1995-01-01', '--calendar', 'crypto'],
      home,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^annualisation: 365\.0 periods\/year for 1Day bars on the crypto calendar/m);
    expectUserError(
      runCli(['backtest', '-s', 'momentum', '--symbols', 'KO', '--calendar', 'nyse'], home),
      /^error: --calendar: unknown market calendar "nyse"/,
    );
  });

  it('enhanced-momentum on the Dow 30 closes fails fast naming volume and the fix', () => {
    const r = runCli(['backtest', '-s', 'enhanced-momentum', '--symbols', 'KO'], home);
    expectUserError(r, /^error: enhanced-momentum needs volume for its volume filter .* but KO has none/);
    expect(r.stderr).toMatch(/hint: set volumeFilter=false/);
  });
});

describe('risk horizons on the risk commands', () => {
  it('risk var on USDCHF states a 1-day horizon of resampled daily returns', () => {
    const r = runCli(['risk', 'var', '--portfolio', usdchf, '--json'], home);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { horizon: { description: string; returns: number }; var: number };
    expect(result.horizon.returns).toBe(1);
    expect(result.horizon.description).toMatch(/^1-day horizon: daily returns \(30Min bars resampled/);
    expect(result.var).toBeGreaterThan(1500);
    const table = runCli(['risk', 'var', '--portfolio', usdchf], home);
    expect(table.stdout).toMatch(/^horizon\s+1-day horizon: daily returns \(30Min bars resampled/m);
  });

  it('--intraday scale says what it did and warns once; a bad value is one error line', () => {
    const r = runCli(
      ['risk', 'var', '--portfolio', usdchf, '--intraday', 'scale', '--method', 'parametric'],
      home,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^horizon\s+1-day horizon = 4\d 30Min returns/m);
    expect(r.stderr).toMatch(/^warning: intraday 30Min returns stand in for daily ones/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expectUserError(
      runCli(['risk', 'var', '--portfolio', usdchf, '--intraday', 'daily'], home),
      /^error: --intraday: unknown value "daily"/,
    );
  });

  it('risk report states the returns and the trading days a year behind the annual volatility', () => {
    const r = runCli(['risk', 'report', '--portfolio', usdchf, '--simulations', '1000'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^returns\s+daily returns \(30Min bars resampled .*; annual volatility over 26\d\.\d returns a year \(measured from the dates\)$/m,
    );
    expect(r.stdout).toMatch(/^volatility \(1 day\)/m);
    expect(r.stdout).toMatch(/1-day horizon: daily returns/);
  });

  it('risk stress on a book worth <= 0 prints P&L % as n/a with one warning', () => {
    const short = portfolio('short.json', {
      cash: 1000,
      positions: [{ symbol: 'KO', quantity: -1000 }],
      history: { provider: 'sample', start: '1996-01-01', end: '2000-12-29' },
    });
    const r = runCli(['risk', 'stress', '--portfolio', short], home);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const rows = lines.slice(lines.findIndex((line) => line.startsWith('---')) + 1);
    const scenarios = rows.slice(0, rows.indexOf(''));
    expect(scenarios.length).toBeGreaterThanOrEqual(3);
    // The shock makes a short book money (positive P&L) and no percentage of a negative value is shown.
    expect(scenarios.find((line) => line.startsWith('Equities -20%'))).toMatch(/\s12096\.00\s+n\/a$/);
    for (const row of scenarios) expect(row).toMatch(/\sn\/a(\s|$)/);
    expect(r.stderr).toMatch(
      /^warning: the portfolio value \(cash \+ positions\) is -\d+\.\d\d, at or below zero/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('risk kelly --symbol: continuous Kelly from daily returns with its annualisation; nothing given is one error', () => {
    const r = runCli(['risk', 'kelly', '--symbol', 'USDCHF', '--risk-free', '0.01', '--json'], home);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      fullKelly: number;
      annualMeanReturn: number;
      annualVolatility: number;
      convention: string;
    };
    expect(result.fullKelly).toBeCloseTo((result.annualMeanReturn - 0.01) / result.annualVolatility ** 2, 10);
    expect(result.convention).toMatch(/^daily returns \(30Min bars resampled .*measured from the dates/);
    expectUserError(
      runCli(['risk', 'kelly'], home),
      /^error: --win-prob: give --win-prob and --odds \(a bet\) or --symbol/,
    );
  });
});
