import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectUserError, runCli, scratchDir } from '../helpers/cli.js';

describe('neural-trader backtest --report', () => {
  it('writes one self-contained HTML file with the run in it', () => {
    const home = scratchDir();
    const report = join(home, 'out', 'report.html');
    const result = runCli(
      [
        'backtest',
        '--strategy',
        'pairs',
        '--symbols',
        'KO',
        'PG',
        '--start',
        '1995-01-01',
        '--end',
        '1995-12-31',
        '--report',
        report,
      ],
      home,
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('report written to');
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<title>pairs on KO/PG 1995-01-03 to 1995-12-29</title>');
    expect(html).toContain('uPlot');
    const data = JSON.parse(html.match(/id="report-data">([\s\S]*?)<\/script>/)?.[1] ?? '{}');
    expect(data.times).toHaveLength(252);
    expect(data.prices.KO).toHaveLength(252);
    expect(data.fills.KO.buys.length + data.fills.KO.sells.length).toBeGreaterThan(0);
  });
});

describe('neural-trader optimize', () => {
  const home = scratchDir();

  it('ranks a grid on two workers and prints JSON', () => {
    const result = runCli(
      [
        'optimize',
        '--strategy',
        'sma-crossover',
        '--symbols',
        'KO',
        '--start',
        '1992-01-01',
        '--end',
        '1999-12-31',
        '--range',
        'fast=5:15:5',
        'slow=30,50',
        '--metric',
        'totalReturn',
        '--workers',
        '2',
        '--json',
      ],
      home,
    );
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(parsed.trials).toHaveLength(6);
    expect(parsed.workers).toBe(2);
    expect(parsed.best.params).toHaveProperty('fast');
    const scores = parsed.trials.map((t: { score: number }) => t.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('runs a walk-forward analysis and reports in- versus out-of-sample', () => {
    const output = join(home, 'wf.json');
    const result = runCli(
      [
        'optimize',
        '--strategy',
        'sma-crossover',
        '--symbols',
        'KO',
        '--start',
        '1992-01-01',
        '--end',
        '1999-12-31',
        '--range',
        'fast=5,10',
        'slow=30,50',
        '--walk-forward',
        '--in-sample',
        '504',
        '--out-of-sample',
        '252',
        '--workers',
        '1',
        '--output',
        output,
      ],
      home,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/stitched out-of-sample: total return/);
    expect(result.stdout).toMatch(/efficiency/);
    expect(existsSync(output)).toBe(true);
    expect(JSON.parse(readFileSync(output, 'utf8')).windows.length).toBeGreaterThanOrEqual(5);
  });

  it('names a bad metric, an unknown parameter and an unknown strategy', () => {
    const base = ['optimize', '--symbols', 'KO', '--start', '1995-01-01', '--end', '1995-12-31'];
    expectUserError(
      runCli([...base, '--strategy', 'sma-crossover', '--metric', 'luck'], home),
      /metric: unknown "luck"/,
    );
    expectUserError(
      runCli([...base, '--strategy', 'sma-crossover', '--range', 'lookback=5:10'], home),
      /sma-crossover has no parameter "lookback"/,
    );
    expectUserError(runCli([...base, '--strategy', 'nope'], home), /nope/);
  });

  it('refuses bad backtest and output flags before running any trial', () => {
    const base = ['optimize', '--symbols', 'KO', '--strategy', 'sma-crossover', '--workers', '1'];
    // These used to run the whole search: every trial failed (exit 0), or --top failed after the run.
    expectUserError(runCli([...base, '--capital', '0'], home), /--capital: expected a number > 0, got "0"/);
    expectUserError(
      runCli([...base, '--commission', '-1'], home),
      /--commission: expected a rate in \[0, 1\)/,
    );
    expectUserError(runCli([...base, '--slippage', '-5'], home), /--slippage: expected basis points/);
    const top = runCli([...base, '--top', 'abc'], home);
    expectUserError(top, /--top: expected a whole number >= 1, got "abc"/);
    expect(top.stderr).not.toMatch(/optimise \[/);
  });
});
