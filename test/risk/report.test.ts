import { describe, expect, it } from 'vitest';
import { NeuralTraderError } from '../../src/core/errors.js';
import { setLogSink } from '../../src/core/log.js';
import { parsePortfolioFile, resolvePortfolioFile, riskReport } from '../../src/risk/index.js';
import { correlatedCloses } from './helpers.js';

const [a, b, c, m] = correlatedCloses(260, [0.01, 0.012, 0.02, 0.008], 0.5, 21);

describe('portfolio file', () => {
  it('validates and names the offending field', () => {
    const fieldOf = (data: unknown) => {
      try {
        parsePortfolioFile(data, 'p.json');
      } catch (e) {
        expect(e).toBeInstanceOf(NeuralTraderError);
        return (e as NeuralTraderError).field;
      }
      return undefined;
    };
    expect(fieldOf({ positions: [{ symbol: 'KO', quantity: 'x' }], prices: {} })).toBe(
      'positions.0.quantity',
    );
    expect(fieldOf({ positions: [], prices: {} })).toBe('positions');
    expect(fieldOf({ positions: [{ symbol: 'KO', quantity: 1 }] })).toBe('history');
    expect(fieldOf({ positions: [{ symbol: 'KO', quantity: 1 }], prices: { KO: [1, -2] } })).toBe(
      'prices.KO.1',
    );
    expect(
      fieldOf({ positions: [{ symbol: 'KO', quantity: 1 }], prices: {}, limits: { maxLeverage: 2 } }),
    ).toBe('limits');
    expect(
      fieldOf({ positions: [{ symbol: 'KO', quantity: 1 }], prices: { KO: [1, 2] }, cash: 5 }),
    ).toBeUndefined();
  });

  it('resolves inline prices and a benchmark among them', async () => {
    const file = parsePortfolioFile({
      cash: 500,
      positions: [{ symbol: 'A', quantity: 10 }],
      prices: { A: Array.from(a), M: Array.from(m) },
      benchmark: 'M',
    });
    const resolved = await resolvePortfolioFile(file);
    expect(resolved.benchmark?.symbol).toBe('M');
    expect(resolved.portfolio.cash).toBe(500);
    await expect(
      resolvePortfolioFile(
        parsePortfolioFile({
          positions: [{ symbol: 'A', quantity: 1 }],
          prices: { A: [1, 2] },
          benchmark: 'X',
        }),
      ),
    ).rejects.toThrow(/benchmark X has no entry/);
  });
});

describe('riskReport', () => {
  it('a book whose value is at or below zero reports drawdown as n/a (NaN) with a warning, not 0%', () => {
    // Short A with no cash: the value history is negative, so "no drawdown" would hide every loss.
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    let report: ReturnType<typeof riskReport>;
    try {
      report = riskReport({ positions: { A: -100 }, prices: { A: a } }, { simulations: 1000 });
    } finally {
      setLogSink(previous);
    }
    // Returned, not logged: the CLI prints each warning as one `warning:` line, MCP returns them.
    expect(lines).toEqual([]);
    expect(report.portfolioValue).toBeLessThan(0);
    for (const r of report.var) {
      expect(r.var).toBeGreaterThan(0);
      expect(r.varFraction).toBeNaN();
      expect(r.cvarFraction).toBeNaN();
    }
    expect(report.maxDrawdown).toBeNaN();
    expect(report.currentDrawdown).toBeNaN();
    expect(report.warnings.filter((w) => /at or below zero.*drawdown/.test(w))).toHaveLength(1);
    const long = riskReport({ positions: { A: 100 }, prices: { A: a } }, { simulations: 1000 });
    expect(long.maxDrawdown).toBeGreaterThan(0);
    expect(long.warnings.join(' ')).not.toMatch(/at or below zero/);
  });

  it('gathers every measure consistently', () => {
    const report = riskReport(
      { positions: { A: 100, B: 50, C: -30 }, prices: { A: a, B: b, C: c }, cash: 2000 },
      { benchmark: { symbol: 'M', prices: m }, limits: { maxPositionWeight: 0.1 }, simulations: 5000 },
    );
    expect(report.var.map((r) => r.method)).toEqual([
      'historical',
      'parametric',
      'cornish-fisher',
      'monte-carlo',
    ]);
    for (const r of report.var) expect(r.cvar).toBeGreaterThanOrEqual(r.var * 0.99);
    expect(report.annualVolatility).toBeCloseTo(report.dailyVolatility * Math.sqrt(252), 12);
    expect(report.beta?.benchmark).toBe('M');
    expect(report.beta?.value).toBeGreaterThan(0);
    expect(report.riskContributors.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 10);
    expect(report.riskContributors[0].contribution).toBeGreaterThanOrEqual(
      report.riskContributors[1].contribution,
    );
    expect(report.correlation.max!.value).toBeGreaterThanOrEqual(report.correlation.min!.value);
    expect(report.maxDrawdown).toBeGreaterThanOrEqual(report.currentDrawdown);
    expect(report.limits.ok).toBe(false);
    expect(report.limits.violations.every((v) => v.limit === 'maxPositionWeight')).toBe(true);
  });
});
