import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/neural-trader.js');

/** Run the real CLI in a scratch directory (no developer .env) with its own NEURAL_TRADER_HOME. */
function cli(args: string[], home: string, cwd = home) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: home, NEURAL_TRADER_HOME: join(home, 'nt') },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'nt-cli-data-'));
}

function expectUserError(
  result: { code: number | null; stdout: string; stderr: string },
  pattern: RegExp,
): void {
  expect(result.code).toBe(1);
  const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(result.stdout).toBe('');
}

describe('neural-trader market-data', () => {
  const home = scratch();

  it('prints a year of real AAPL bars as a table', () => {
    const r = cli(['market-data', '--symbol', 'AAPL', '--start', '2014-01-01', '--end', '2014-12-31'], home);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^date\s+open\s+high\s+low\s+close\s+volume$/);
    expect(lines).toHaveLength(2 + 252);
    // From data/samples/aapl_daily_ohlcv_2013_2018.csv: 2014-01-02,79.382858,79.575714,78.860001,79.018570,...
    expect(lines[2]).toMatch(/^2014-01-02\s+79\.382858\s+79\.575714\s+78\.860001\s+79\.018570\s+58671200$/);
    expect(lines.at(-1)).toMatch(/^2014-12-31\s/);
  });

  it('--json prints parseable bars', () => {
    const r = cli(
      ['market-data', '-s', 'KO', '--start', '1995-01-02', '--end', '1995-01-09', '--json'],
      home,
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ symbol: 'KO', timeframe: '1Day', provider: 'sample', closeOnly: true });
    expect(json.bars).toHaveLength(5);
    expect(json.bars[0].date).toBe('1995-01-03'); // 1995-01-02 was a market holiday
  });

  it('--output writes CSV or JSON atomically and summarises on stderr', () => {
    const csv = join(home, 'spx.csv');
    const r = cli(['market-data', '-s', 'SPX', '--start', '2020-04-01', '--output', csv], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/wrote 12 SPX 1Day bars, 2020-04-01 to 2020-04-17/);
    const text = readFileSync(csv, 'utf8').split('\n');
    expect(text[0]).toBe('date,open,high,low,close,volume');
    expect(text[1]).toBe('2020-04-01,2498.080078,2522.75,2447.48999,2470.5,5947900000');
    expect(readdirSync(home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const json = join(home, 'w.json');
    expect(
      cli(['market-data', '-s', 'AAPL', '--timeframe', '1Week', '--limit', '3', '-o', json], home).code,
    ).toBe(0);
    const parsed = JSON.parse(readFileSync(json, 'utf8'));
    expect(parsed.timeframe).toBe('1Week');
    expect(parsed.bars).toHaveLength(3);
  });

  it('synthetic provider is reproducible', () => {
    const args = [
      'market-data',
      '-s',
      'SYN',
      '-p',
      'synthetic',
      '--start',
      '2021-01-01',
      '--end',
      '2021-01-29',
      '--json',
    ];
    const a = cli(args, home);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(cli(args, home).stdout);
    expect(JSON.parse(a.stdout).bars).toHaveLength(21);
  });

  it.each([
    [['-s', 'APPL'], /^error: unknown sample symbol "APPL"; did you mean .*AAPL/],
    [
      ['-s', 'AAPL', '--start', '2015-01-01', '--end', '2014-01-01'],
      /^error: start \(2015-01-01\) is after end/,
    ],
    [['-s', 'AAPL', '--start', '2014-02-30'], /^error: start: cannot parse date "2014-02-30"/],
    [
      ['-s', 'AAPL', '--start', '2030-01-01'],
      /^error: no bars for AAPL .*available: 2013-05-13 to 2018-05-11/,
    ],
    [['-s', 'AAPL', '-p', 'yahoo'], /^error: --provider: unknown provider "yahoo"/],
    [['-s', 'AAPL', '--timeframe', '7Min'], /^error: timeframe: unknown value "7Min"/],
    [['-s', 'AAPL', '--output', 'bars.txt'], /^error: --output: cannot tell the format/],
  ])('bad input %j -> exit 1 with one error line', (args, pattern) => {
    expectUserError(cli(['market-data', ...args], home), pattern);
  });
});

describe('neural-trader data list / import', () => {
  it('lists bundled datasets (SPX, KO, USDCHF, DJ30:MSFT)', () => {
    const home = scratch();
    const r = cli(['data', 'list'], home);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^SPX\s+sample\s+1Day\s+2000-01-03\s+2020-04-17\s+5105\s+ohlcv/m);
    expect(r.stdout).toMatch(/^KO\s+sample\s+1Day\s+1990-12-31\s+2001-01-02\s+2529\s+close-only/m);
    expect(r.stdout).toMatch(/^DJ30:MSFT\s/m);
    expect(r.stdout).toMatch(/^USDCHF\s+sample\s+30Min/m);
    const json = JSON.parse(cli(['data', 'list', '--json'], home).stdout);
    expect(json.samples.map((s: { symbol: string }) => s.symbol)).toContain('GOLD');
    expect(json.imported).toEqual([]);
  });

  it('import then market-data --provider file', () => {
    const home = scratch();
    const file = join(home, 'mine.csv');
    writeFileSync(
      file,
      'Date,Open,High,Low,Close,Volume\n2024-01-03,10.5,10.9,10.1,10.8,2000\n2024-01-02,10,11,9.5,10.5,1000\n',
    );
    expectUserError(
      cli(['data', 'import', file, '--symbol', 'MINE'], home),
      /mine\.csv:3: timestamp 2024-01-02 is before/,
    );
    const imported = cli(['data', 'import', file, '--symbol', 'mine', '--sort'], home);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/imported 2 1Day bars of MINE \(2024-01-02 to 2024-01-03, ohlcv\)/);
    const r = cli(['market-data', '--provider', 'file', '--symbol', 'MINE', '--json'], home);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).bars.map((b: { close: number }) => b.close)).toEqual([10.5, 10.8]);
    expect(cli(['data', 'list'], home).stdout).toMatch(
      /^MINE\s+file\s+1Day\s+2024-01-02\s+2024-01-03\s+2\s+ohlcv/m,
    );
    // Asked of the default (sample) provider, an imported ticker points at the file provider.
    const sample = cli(['market-data', '--symbol', 'mine'], home);
    expectUserError(
      sample,
      /^error: "MINE" is not bundled sample data, but it was imported with `data import`/,
    );
    expect(sample.stderr).toMatch(/hint: read it with --provider file/);
    // --file reads a CSV directly.
    const direct = cli(['market-data', '--file', file, '--symbol', 'X', '--json'], home);
    expectUserError(direct, /mine\.csv:3: timestamp 2024-01-02 is before/);
  });

  it('a bad row: exit 1, one error line, nothing written', () => {
    const home = scratch();
    const file = join(home, 'bad.csv');
    writeFileSync(
      file,
      'Date,Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10.5,1\n2024-01-03,10,10.2,9,10.5,1\n',
    );
    expectUserError(
      cli(['data', 'import', file, '--symbol', 'BAD'], home),
      /bad\.csv:3: high 10\.2 is below close 10\.5/,
    );
    expect(existsSync(join(home, 'nt', 'data', 'BAD.csv'))).toBe(false);
    expectUserError(
      cli(['data', 'import', join(home, 'missing.csv'), '--symbol', 'M'], home),
      /file not found/,
    );
    expectUserError(
      cli(['market-data', '--provider', 'file', '--symbol', 'NOPE'], home),
      /^error: no CSV file for symbol NOPE/,
    );
  });
});
