import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const bin = resolve(root, 'bin/neural-trader.js');
const home = mkdtempSync(join(tmpdir(), 'nt-backtest-cli-'));

/** Run the real CLI from a temp cwd (no developer .env) with a fresh NEURAL_TRADER_HOME. */
function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: home,
    env: { PATH: process.env.PATH, NEURAL_TRADER_HOME: home },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, without blocking, so independent runs overlap. */
function cliAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: home,
      env: { PATH: process.env.PATH, NEURAL_TRADER_HOME: home },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const PAIRS = [
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
];

describe('neural-trader backtest (real CLI)', () => {
  it('prints a metrics table against buy-and-hold and the last trades; --output writes the full JSON', () => {
    const file = join(home, 'result.json');
    const { code, stdout, stderr } = cli(
      ...PAIRS,
      '--param',
      'lookback=20',
      'entryThreshold=2',
      '--output',
      file,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('pairs on KO, PG  1995-01-03 to 1995-12-29  (252 bars, 1Day)');
    expect(stdout).toMatch(/Total return\s+-?\d+\.\d\d%\s+-?\d+\.\d\d%/);
    expect(stdout).toMatch(/Sharpe\s+-?\d+\.\d\d\s+-?\d+\.\d\d/);
    expect(stdout).toMatch(/trades: \d+ closed/);
    expect(stdout).toContain('last 5 trades:');
    const result = JSON.parse(readFileSync(file, 'utf8'));
    expect(result.strategy).toBe('pairs');
    expect(result.symbols).toEqual(['KO', 'PG']);
    // Typed arrays are written as arrays.
    expect(Array.isArray(result.equity)).toBe(true);
    expect(result.equity).toHaveLength(252);
    expect(result.timestamps).toHaveLength(252);
    expect(result.drawdown).toHaveLength(252);
    expect(result.fills.length).toBeGreaterThan(0);
    expect(result.options.commission).toBe('percent(0.001)');
    expect(stdout).toContain(`trades: ${result.metrics.tradeCount} closed`);
    // The fills and the financing (a pairs book is short one leg: borrow fee) reconcile with the final cash.
    let cash = 100_000;
    for (const f of result.fills) cash -= (f.side === 'buy' ? 1 : -1) * f.quantity * f.price + f.commission;
    expect(result.metrics.borrowFees).toBeGreaterThan(0);
    expect(result.finalCash).toBeCloseTo(cash - result.metrics.financingCost, 6);
  });

  it('--json prints the full result; the peer-parity preset with the built-in sma-crossover', () => {
    const { code, stdout } = cli(
      'backtest',
      '--strategy',
      'sma-crossover',
      '--symbols',
      'KO',
      '--start',
      '1995-01-01',
      '--end',
      '1999-12-31',
      '--preset',
      'peer-parity',
      '--json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.options).toMatchObject({
      commission: 'percent(0.001)',
      sizeAtFill: true,
      allowShort: false,
    });
    for (const fill of result.fills) expect(Number.isInteger(fill.quantity)).toBe(true);
    expect(result.rejections).toEqual([]);
  });

  it('user mistakes: unknown strategy, bad parameter, empty range, bad flag', async () => {
    const [unknown, param, range, flag, capital, leverage] = await Promise.all([
      cliAsync('backtest', '--strategy', 'nope'),
      cliAsync(...PAIRS, '--param', 'lookback=1'),
      cliAsync(
        'backtest',
        '--strategy',
        'pairs',
        '--symbols',
        'KO',
        'PG',
        '--start',
        '2030-01-01',
        '--end',
        '2030-12-31',
      ),
      cliAsync(...PAIRS, '--commission', 'lots'),
      // A capital or leverage of 0 can trade nothing: refuse it instead of returning a flat "result".
      cliAsync(...PAIRS, '--capital', '0'),
      cliAsync(...PAIRS, '--leverage', '0'),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown strategy "nope"[\s\S]*pairs/);
    expect(param.code).toBe(1);
    expect(param.stderr).toMatch(/lookback.*2/);
    expect(range.code).toBe(1);
    expect(range.stderr).toMatch(/no bars for KO.*available: 1990/);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('--commission');
    expect(capital.code).toBe(1);
    expect(capital.stderr).toContain('--capital: must be more than 0, got 0');
    expect(leverage.code).toBe(1);
    expect(leverage.stderr).toContain('--leverage: must be more than 0, got 0');
    expect(`${unknown.stderr}${param.stderr}${range.stderr}${flag.stderr}`).not.toMatch(/\n\s+at /);
  });
});
