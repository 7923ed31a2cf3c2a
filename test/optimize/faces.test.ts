import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { callError, callOk, makeSandbox, runCli, stdioSessionForSuite } from '../mcp/helpers.js';

/**
 * The engine's user-facing rules on every face: a sweep in which every trial fails is an error (MCP
 * isError, CLI non-zero exit) carrying the first failure's message; a strategy needing a column the data
 * lacks fails before any trial; financing is its own line and the same number on every face.
 */
describe('optimise and backtest faces', () => {
  const session = stdioSessionForSuite();
  const sandbox = makeSandbox();
  const allFail = { fast: { min: 60, max: 70, step: 10 }, slow: { min: 20, max: 30, step: 10 } };

  it("MCP optimize_strategy: every trial failing is isError with the first failure's message", async () => {
    const text = await callError(session().client, 'optimize_strategy', {
      strategy: 'sma-crossover',
      symbols: ['KO'],
      start_date: '1995-01-01',
      end_date: '1995-12-31',
      param_space: allFail,
    });
    expect(text).toMatch(
      /all 4 trials failed; the first \(fast=60 slow=20\): .*fast: 60 must be less than slow \(20\)/,
    );
  });

  it('CLI optimize: every trial failing exits non-zero with one error line', async () => {
    const run = await runCli(sandbox, [
      'optimize',
      '--strategy',
      'sma-crossover',
      '--symbols',
      'KO',
      '--start',
      '1995-01-01',
      '--end',
      '1995-12-31',
      '--range',
      'fast=60:70:10',
      'slow=20:30:10',
      '--workers',
      '1',
    ]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/all 4 trials failed; the first \(fast=60 slow=20\)/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it('MCP optimize_strategy refuses a volume strategy on close-only data before any trial', async () => {
    const text = await callError(session().client, 'optimize_strategy', {
      strategy: 'enhanced-momentum',
      symbols: ['DJIA'],
      param_space: { lookback: { min: 10, max: 20, step: 10 } },
    });
    expect(text).toMatch(/enhanced-momentum needs volume .* but DJIA has none/);
  });

  it('financing: the same cost through the library, the CLI (its own table line) and MCP', async () => {
    const request = { symbols: ['KO', 'PG'], capitalFraction: 1 };
    const library = await backtest('pairs', request, '1995', '1996', { borrowFeeRate: 0.02 });
    expect(library.metrics.borrowFees).toBeGreaterThan(0);
    const mcp = await callOk(session().client, 'run_backtest', {
      strategy: 'pairs',
      symbols: ['KO', 'PG'],
      params: { capitalFraction: 1 },
      start_date: '1995',
      end_date: '1996',
      borrow_fee_rate: 0.02,
    });
    const metrics = mcp.metrics as Record<string, number>;
    expect(metrics.borrowFees ?? metrics.borrow_fees).toBe(library.metrics.borrowFees);
    expect(mcp.final_equity).toBe(library.finalEquity);
    const args = ['backtest', '--strategy', 'pairs', '--symbols', 'KO', 'PG', '--param', 'capitalFraction=1'];
    const dates = ['--start', '1995', '--end', '1996', '--borrow-fee', '0.02'];
    const json = await runCli(sandbox, [...args, ...dates, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).metrics.financingCost).toBe(library.metrics.financingCost);
    const table = await runCli(sandbox, [...args, ...dates]);
    expect(table.stdout).toMatch(
      new RegExp(
        `\nFinancing paid +${library.metrics.financingCost.toFixed(2)} *\n  margin interest +0.00 *\n  borrow fees +${library.metrics.borrowFees.toFixed(2)} *\n`,
      ),
    );
    expect(table.stdout).toMatch(
      /financing margin interest 6% a year on negative cash, borrow fee 2% a year/,
    );
  });
});
