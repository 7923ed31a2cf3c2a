import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SampleProvider } from '../../src/data/sample.js';
import { type CliResult, expectUserError, runCliAsync, scratchDir, warningLines } from '../helpers/cli.js';

/**
 * The edge cases of issue #12, through the real CLI: every user error is one line and a non-zero exit;
 * every legitimate but degenerate run is one `warning:` line; the same input reads the same way on every
 * command (dates, symbol lists, parameters).
 */
const home = scratchDir('nt-edge-');
const cli = (...args: string[]) => runCliAsync(args, home);

function expectOneWarning(result: CliResult, pattern: RegExp): void {
  expect(result.code, result.stderr).toBe(0);
  const warnings = warningLines(result);
  expect(warnings, result.stderr).toHaveLength(1);
  expect(warnings[0]).toMatch(pattern);
}

describe('user errors: one line, non-zero exit', () => {
  it('optimize --range fast=5-50 is refused before any trial, not reported inside a table row', async () => {
    const r = await cli(
      'optimize',
      '--strategy',
      'sma-crossover',
      '--symbols',
      'SPX',
      '--start',
      '2010',
      '--end',
      '2011',
      '--range',
      'fast=5-50',
    );
    expectUserError(r, /^error: parameter space: fast: expected a number, got "5-50"$/);
    expect(r.stderr).toMatch(/hint: write a range as name=min:max:step \(e\.g\. fast=5:50:5\)/);
  });

  it('trade --bars 0 and --bars -1 are refused instead of running one bar', async () => {
    const [zero, negative, fraction] = await Promise.all([
      cli('trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '0'),
      cli('trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '-1'),
      cli('trade', '--strategy', 'momentum', '--symbols', 'AAPL', '--bars', '2.5'),
    ]);
    expectUserError(zero, /^error: --bars: must be at least 1, got 0$/);
    expectUserError(negative, /^error: --bars: must be at least 1, got -1$/);
    expectUserError(fraction, /^error: --bars: "2\.5" is not a decimal number|whole number/);
  });

  it('a report path under a file says which part is a file (not EEXIST)', async () => {
    const dir = join(home, 'report-case');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'README.md'), '# not a directory\n');
    const r = await runCliAsync(
      [
        'backtest',
        '--strategy',
        'sma-crossover',
        '--symbols',
        'SPX',
        '--start',
        '2010',
        '--report',
        'README.md/r.html',
      ],
      dir,
    );
    expectUserError(
      r,
      /^error: cannot write README\.md\/r\.html: .*README\.md is a file, not a directory \(ENOTDIR\)$/,
    );
    expect(r.stderr).not.toContain('EEXIST');
  });

  it('bare epoch-looking numbers as dates are refused; years, months and compact dates are read as dates', async () => {
    const [epoch, year, compact] = await Promise.all([
      cli('backtest', '--strategy', 'pairs', '--symbols', 'KO', 'PG', '--start', '1700000000', '--json'),
      cli(
        'backtest',
        '--strategy',
        'pairs',
        '--symbols',
        'KO',
        'PG',
        '--start',
        '1995',
        '--end',
        '1995',
        '--json',
      ),
      cli('market-data', '--symbol', 'SPX', '--start', '20190102', '--end', '20190104', '--json'),
    ]);
    expectUserError(
      epoch,
      /^error: start: "1700000000" is not a date \(bare numbers are not read as epoch timestamps\)$/,
    );
    expect(year.code, year.stderr).toBe(0);
    const result = JSON.parse(year.stdout);
    expect([result.start, result.end]).toEqual(['1995-01-03', '1995-12-29']);
    expect(JSON.parse(compact.stdout).bars.map((b: { date: string }) => b.date)).toEqual([
      '2019-01-02',
      '2019-01-03',
      '2019-01-04',
    ]);
  });

  it('an unknown ticker gets no unrelated suggestion (TSLA is not AA or BA); a typo gets the right one', async () => {
    const [tsla, typo] = await Promise.all([
      cli('backtest', '--strategy', 'sma-crossover', '--symbols', 'TSLA'),
      cli('market-data', '--symbol', 'appl'),
    ]);
    expectUserError(tsla, /^error: unknown sample symbol "TSLA"$/);
    expect(tsla.stderr).not.toMatch(/\bAA\b|\bBA\b/);
    expect(tsla.stderr).toMatch(/hint: .*npx neural-trader data list.*data import.*alpaca or polygon/);
    expectUserError(typo, /^error: unknown sample symbol "APPL"; did you mean AAPL\?$/);
  });

  it('hints name the keys to set without redaction artefacts (no ***)', async () => {
    const [alpaca, polygon, mcp] = await Promise.all([
      cli('market-data', '--provider', 'alpaca', '--symbol', 'AAPL', '--start', '2024-01-02'),
      cli('market-data', '--provider', 'polygon', '--symbol', 'AAPL', '--start', '2024-01-02'),
      cli('mcp', 'start', '--transport', 'http', '--host', '0.0.0.0', '--port', '0'),
    ]);
    expectUserError(alpaca, /^error: alpaca: ALPACA_API_KEY and ALPACA_SECRET_KEY are not set$/);
    expect(alpaca.stderr).toMatch(/hint: set ALPACA_API_KEY and ALPACA_SECRET_KEY in \.env/);
    expectUserError(polygon, /POLYGON_API_KEY/);
    expect(mcp.code).toBe(1);
    expect(mcp.stderr).toMatch(
      /^error: refusing to serve MCP on non-loopback address 0\.0\.0\.0 without a token/m,
    );
    for (const r of [alpaca, polygon, mcp]) expect(r.stderr).not.toContain('***');
  });
});

describe('degenerate runs: exit 0 and one warning line', () => {
  it('backtest --capital 10 makes no trade and says why', async () => {
    const r = await cli(
      'backtest',
      '--strategy',
      'sma-crossover',
      '--symbols',
      'SPX',
      '--start',
      '2010',
      '--end',
      '2012',
      '--capital',
      '10',
    );
    expectOneWarning(
      r,
      /^warning: no trades: capital 10 cannot buy one whole unit of SPX \(1132\.99 at the first bar\); raise the capital or allow fractional quantities$/,
    );
    expect(r.stdout).toMatch(/trades: 0 closed, 0 open lots, 0 fills/);
  });

  it('data import refuses to overwrite an earlier import without --force, and says when it ignores Adj Close', async () => {
    const dir = join(home, 'import-case');
    mkdirSync(dir, { recursive: true });
    const csv = join(dir, 'prices.csv');
    writeFileSync(
      csv,
      'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,10,11,9,10.5,10.2,100\n2020-01-03,10.5,11,10,10.8,10.5,200\n',
    );
    const env = { NEURAL_TRADER_HOME: join(dir, 'nt') };
    const first = await runCliAsync(['data', 'import', 'prices.csv', '--symbol', 'myco'], dir, env);
    expectOneWarning(
      first,
      /^warning: prices\.csv has an Adj Close column; stored the unadjusted Open\/High\/Low\/Close \(import with --adjusted/,
    );
    const stored = readFileSync(join(dir, 'nt', 'data', 'MYCO.csv'), 'utf8');
    writeFileSync(csv, 'Date,Close\n2021-01-04,20\n2021-01-05,21\n');
    const again = await runCliAsync(['data', 'import', 'prices.csv', '--symbol', 'MYCO'], dir, env);
    expectUserError(
      again,
      /^error: MYCO is already imported \(2 bars from .*prices\.csv, .*\); nothing was changed$/,
    );
    expect(again.stderr).toMatch(/hint: pass --force/);
    expect(readFileSync(join(dir, 'nt', 'data', 'MYCO.csv'), 'utf8')).toBe(stored);
    const forced = await runCliAsync(
      ['data', 'import', 'prices.csv', '--symbol', 'MYCO', '--force'],
      dir,
      env,
    );
    expectOneWarning(forced, /^warning: replaced the earlier import of MYCO \(2 bars from .*prices\.csv\)$/);
    expect(readFileSync(join(dir, 'nt', 'data', 'MYCO.csv'), 'utf8')).toContain('2021-01-04');
  });

  describe('a model evaluated off its training symbol', () => {
    const model = join(home, 'spx.bin');
    beforeAll(async () => {
      const train = await cli(
        'neural',
        'train',
        '--model',
        'nhits',
        '--symbol',
        'SPX',
        '--start',
        '2012',
        '--end',
        '2014',
        '--horizon',
        '2',
        '--input-size',
        '8',
        '--epochs',
        '1',
        '--output',
        model,
      );
      expect(train.code, train.stderr).toBe(0);
    }, 60_000);

    it('is labelled off-symbol with a warning, not "held-out"', async () => {
      const r = await cli('neural', 'evaluate', '--model-file', model, '--symbol', 'KO', '--stride', '20');
      expectOneWarning(r, /^warning: the model was trained on SPX and is evaluated on KO/);
      expect(r.stdout).toMatch(/off-symbol \(trained on SPX\) evaluation/);
      expect(r.stdout).not.toMatch(/held-out/);
    });
  });
});

describe('the same input means the same thing on every command', () => {
  it('--symbols KO PG, KO,PG and ko pg are one request for backtest, optimize and trade', async () => {
    const base = ['backtest', '--strategy', 'pairs', '--start', '1995', '--end', '1995', '--json'];
    const runs = await Promise.all([
      cli(...base, '--symbols', 'KO', 'PG'),
      cli(...base, '--symbols', 'KO,PG'),
      cli(...base, '--symbols', 'ko', 'pg'),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const equities = runs.map((r) => JSON.parse(r.stdout).finalEquity);
    expect(new Set(equities).size).toBe(1);
    const trades = await Promise.all(
      [
        cli('trade', '--strategy', 'pairs', '--symbols', 'ko', 'pg', '--bars', '40', '--json'),
        cli('trade', '--strategy', 'pairs', '--symbols', 'KO,PG', '--bars', '40', '--json'),
      ].map((p) => p),
    );
    for (const t of trades) {
      expect(t.code, t.stderr).toBe(0);
      expect(t.stderr).not.toMatch(/too many arguments/);
    }
    const opt = await cli(
      'optimize',
      '--strategy',
      'pairs',
      '--symbols',
      'ko,pg',
      '--start',
      '1995',
      '--end',
      '1995',
      '--range',
      'lookback=20,30',
      '--json',
    );
    expect(opt.code, opt.stderr).toBe(0);
    expect(JSON.parse(opt.stdout).symbols).toEqual(['KO', 'PG']);
  });

  it('ensemble members come from --param as JSON or from --params-file', async () => {
    const members = '[{"name":"sma-crossover","params":{"fast":5,"slow":20}},{"name":"momentum","weight":2}]';
    writeFileSync(
      join(home, 'ensemble.json'),
      JSON.stringify({ members: JSON.parse(members), threshold: 0.5 }),
    );
    const base = [
      'backtest',
      '--strategy',
      'ensemble',
      '--symbols',
      'SPX',
      '--start',
      '2010',
      '--end',
      '2012',
      '--json',
    ];
    const [flag, file, defaults] = await Promise.all([
      cli(...base, '--param', `members=${members}`, 'threshold=0.5'),
      cli(...base, '--params-file', 'ensemble.json'),
      cli(...base, '--param', 'threshold=0.5'),
    ]);
    for (const r of [flag, file, defaults]) expect(r.code, r.stderr).toBe(0);
    const [a, b, c] = [flag, file, defaults].map((r) => JSON.parse(r.stdout));
    expect(a.finalEquity).toBe(b.finalEquity);
    expect(a.metrics).toEqual(b.metrics);
    // The members were used: the default three-member vote trades differently.
    expect(a.finalEquity).not.toBe(c.finalEquity);
  });

  it('weekly bars: the CLI and the library agree on the first partial week', async () => {
    const r = await cli(
      'market-data',
      '--symbol',
      'SPX',
      '--start',
      '2019-01-01',
      '--end',
      '2019-02-28',
      '--timeframe',
      '1Week',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const cliBars = JSON.parse(r.stdout).bars;
    const library = await new SampleProvider().fetchBars('SPX', {
      start: '2019-01-01',
      end: '2019-02-28',
      timeframe: '1Week',
    });
    expect(cliBars).toEqual(library.toRecords());
    // The week of Tuesday 2019-01-01 is kept, stamped at its Monday, holding only Jan 2-4.
    expect(cliBars[0].date).toBe('2018-12-31');
  });
});
