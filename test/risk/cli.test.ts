import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMarketData } from '../../src/data/index.js';
import { calculateVaR } from '../../src/risk/index.js';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/neural-trader.js');
const examplePortfolio = join(root, 'examples/portfolio.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;

function cli(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      // cwd in a temp dir so no developer .env is read; fresh NEURAL_TRADER_HOME.
      { cwd: home, env: { PATH: process.env.PATH, NEURAL_TRADER_HOME: home }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('neural-trader risk (real CLI, bundled data)', () => {
  let runs: Record<string, Run>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'nt-risk-cli-'));
    const bad = join(home, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        cash: 1,
        positions: [{ symbol: 'KO', quantity: 'ten' }],
        history: { provider: 'sample' },
      }),
    );
    // Inline prices where C duplicates A: a singular covariance the CLI must repair and warn about.
    const a = Array.from({ length: 80 }, (_, i) => 100 * (1 + 0.01 * Math.sin(i * 1.7)) ** i);
    const b = Array.from({ length: 80 }, (_, i) => 50 * (1 + 0.012 * Math.cos(i * 0.9)) ** i);
    const inline = join(home, 'inline.json');
    writeFileSync(
      inline,
      JSON.stringify({
        cash: 1000,
        positions: [
          { symbol: 'A', quantity: 10 },
          { symbol: 'B', quantity: 20 },
          { symbol: 'C', quantity: 5 },
        ],
        prices: { A: a, B: b, C: a },
      }),
    );
    const entries = await Promise.all(
      Object.entries({
        mc: [
          'risk',
          'var',
          '--portfolio',
          examplePortfolio,
          '--method',
          'monte-carlo',
          '--simulations',
          '20000',
          '--seed',
          '7',
          '--json',
        ],
        historical: ['risk', 'var', '--portfolio', examplePortfolio, '--confidence', '0.99', '--json'],
        report: ['risk', 'report', '--portfolio', examplePortfolio, '--simulations', '5000', '--json'],
        stress: ['risk', 'stress', '--portfolio', examplePortfolio, '--json'],
        kelly: ['risk', 'kelly', '--win-prob', '0.55', '--odds', '2.0', '--fraction', '0.5', '--json'],
        kellyAmerican: ['risk', 'kelly', '--win-prob', '0.7', '--odds', '-200', '--json'],
        kellyFractional: [
          'risk',
          'kelly',
          '--win-prob',
          '0.5',
          '--odds',
          '3/2',
          '--bankroll',
          '1000',
          '--json',
        ],
        kellyBadOdds: ['risk', 'kelly', '--win-prob', '0.5', '--odds', '0.9'],
        kellyHexProbability: ['risk', 'kelly', '--win-prob', '0x1', '--odds', '2'],
        badFile: ['risk', 'var', '--portfolio', bad],
        singular: ['risk', 'var', '--portfolio', inline, '--method', 'parametric', '--json'],
        badConfidence: ['risk', 'var', '--portfolio', examplePortfolio, '--confidence', '1.5'],
      }).map(async ([name, args]) => [name, await cli(args)] as const),
    );
    runs = Object.fromEntries(entries);
  }, 120_000);

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('risk var --method monte-carlo prints VaR, CVaR and contributions that add up', () => {
    expect(runs.mc.stderr).toBe('');
    expect(runs.mc.code).toBe(0);
    const result = JSON.parse(runs.mc.stdout);
    expect(result).toMatchObject({
      method: 'monte-carlo',
      confidence: 0.95,
      horizonDays: 1,
      scenarios: 20000,
      seed: 7,
    });
    expect(result.var).toBeGreaterThan(0);
    expect(result.cvar).toBeGreaterThan(result.var);
    const sum = result.contributions.reduce((s: number, c: { var: number }) => s + c.var, 0);
    expect(sum).toBeCloseTo(result.var, 6);
    expect(result.contributions.map((c: { symbol: string }) => c.symbol)).toContain('KO');
  });

  it('risk var (historical) agrees with the library on the same bundled data', async () => {
    expect(runs.historical.code).toBe(0);
    const result = JSON.parse(runs.historical.stdout);
    const symbols = ['KO', 'PG', 'IBM', 'GE', 'JNJ', 'XOM', 'WMT', 'INTC'];
    const quantities = [200, 150, 100, 250, 100, 120, 200, 300];
    const series = await Promise.all(
      symbols.map((s) => fetchMarketData(s, '1996-01-01', '2000-12-29', 'sample')),
    );
    const expected = calculateVaR(
      {
        positions: symbols.map((symbol, i) => ({ symbol, quantity: quantities[i] })),
        prices: Object.fromEntries(symbols.map((s, i) => [s, series[i]])),
        cash: 10_000,
      },
      0.99,
      'historical',
    );
    expect(result.var).toBeCloseTo(expected.var, 8);
    expect(result.cvar).toBeCloseTo(expected.cvar, 8);
    expect(result.portfolioValue).toBeCloseTo(expected.portfolioValue, 8);
  });

  it('risk report has every measure and a limit check', () => {
    expect(runs.report.code).toBe(0);
    const report = JSON.parse(runs.report.stdout);
    expect(report.var.map((r: { method: string }) => r.method)).toEqual([
      'historical',
      'parametric',
      'cornish-fisher',
      'monte-carlo',
    ]);
    expect(report.beta.benchmark).toBe('DJIA');
    expect(report.beta.value).toBeGreaterThan(0.3);
    expect(report.beta.value).toBeLessThan(1.5);
    expect(report.annualVolatility).toBeGreaterThan(0.05);
    expect(report.maxDrawdown).toBeGreaterThan(0);
    expect(report.riskContributors).toHaveLength(8);
    expect(typeof report.limits.ok).toBe('boolean');
    expect(report.start).toBe('1996-01-02');
  });

  it('risk stress replays the bundled crises and the hypothetical shocks', () => {
    expect(runs.stress.code).toBe(0);
    const { scenarios } = JSON.parse(runs.stress.stdout);
    const byId = Object.fromEntries(scenarios.map((s: { id: string }) => [s.id, s]));
    for (const id of [
      'crash-1987',
      'ltcm-1998',
      'dotcom-2000',
      'gfc-2008',
      'equity-shock',
      'volatility-x2',
      'correlation-spike',
    ]) {
      expect(byId[id], id).toBeDefined();
      expect(byId[id].pnl, id).toBeLessThan(0);
    }
    // 1998: every Dow 30 position has its own history in the window; 2008: none (mapped via beta to SPX).
    expect(byId['ltcm-1998'].positions.every((p: { source: string }) => p.source === 'own')).toBe(true);
    expect(byId['gfc-2008'].positions.every((p: { source: string }) => p.source === 'proxy')).toBe(true);
    expect(byId['gfc-2008'].proxyReturn).toBeLessThan(-0.5);
  });

  it('risk kelly', () => {
    expect(runs.kelly.code).toBe(0);
    const out = JSON.parse(runs.kelly.stdout);
    expect(out.fullKelly).toBeCloseTo(0.1, 12);
    expect(out.stake).toBeCloseTo(0.05, 12);
  });

  it('risk kelly --odds takes American and fractional prices (the sports Kelly library, as MCP `odds`)', () => {
    const american = JSON.parse(runs.kellyAmerican.stdout);
    expect(american).toMatchObject({ decimalOdds: 1.5, netOdds: 0.5, fraction: 1 });
    expect(american.fullKelly).toBeCloseTo(0.1, 15);
    const fractional = JSON.parse(runs.kellyFractional.stdout);
    expect(fractional.decimalOdds).toBe(2.5);
    expect(fractional.impliedProbability).toBeCloseTo(0.4, 15);
    expect(fractional.fullKelly).toBeCloseTo(1 / 6, 15);
    expect(fractional.stakeAmount).toBeCloseTo(1000 / 6, 10);
    expect(runs.kellyBadOdds.code).toBe(1);
    expect(runs.kellyBadOdds.stderr).toMatch(/^error: --odds: odds must be more than 1/);
    expect(runs.kellyHexProbability.code).toBe(1);
    expect(runs.kellyHexProbability.stderr).toMatch(/^error: --win-prob: expected a probability/);
  });

  it('inline prices with a duplicated series: the covariance is repaired with a warning (stderr and JSON)', () => {
    expect(runs.singular.code).toBe(0);
    expect(runs.singular.stderr).toMatch(/^warning: covariance matrix of A, B, C is not positive definite/);
    expect(runs.singular.stderr.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(runs.singular.stdout);
    expect(result.warnings).toHaveLength(1);
    expect(result.var).toBeGreaterThan(0);
  });

  it('bad input is one clear error line naming the field, exit 1', () => {
    expect(runs.badFile.code).toBe(1);
    expect(runs.badFile.stderr).toMatch(/^error: .*bad\.json: positions\.0\.quantity: .*expected number/);
    expect(runs.badFile.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(runs.badConfidence.code).toBe(1);
    expect(runs.badConfidence.stderr).toMatch(/^error: --confidence: expected a number between 0 and 1/);
  });
});
