import { describe, expect, it } from 'vitest';
import {
  checkSelection,
  parseBetMarket,
  returnPerUnit,
  settleSelection,
} from '../../src/sports/settlement.js';

const settle = (market: string, selection: string, line: number | undefined, home: number, away: number) =>
  settleSelection(checkSelection({ market: parseBetMarket(market), selection, line }), home, away);

describe('settlement from the final score', () => {
  it('1X2, draw-no-bet, both teams to score, correct score', () => {
    expect(settle('1x2', 'home', undefined, 2, 1)).toBe('won');
    expect(settle('h2h', 'draw', undefined, 2, 1)).toBe('lost');
    expect(settle('dnb', 'away', undefined, 1, 1)).toBe('void');
    expect(settle('btts', 'yes', undefined, 1, 1)).toBe('won');
    expect(settle('btts', 'no', undefined, 3, 0)).toBe('won');
    expect(settle('correct-score', '2:1', undefined, 2, 1)).toBe('won');
    expect(settle('correct_score', '1-2', undefined, 2, 1)).toBe('lost');
  });

  it('Asian handicap quarter lines give half-won and half-lost', () => {
    expect(settle('ah', 'home', -0.25, 1, 1)).toBe('half-lost');
    expect(settle('ah', 'away', 0.25, 1, 1)).toBe('half-won');
    expect(settle('ah', 'home', -0.75, 2, 1)).toBe('half-won');
    expect(settle('ah', 'home', -0.75, 3, 1)).toBe('won');
    expect(settle('ah', 'home', -1, 2, 1)).toBe('void');
    expect(settle('ah', 'home', -1.25, 2, 1)).toBe('half-lost');
    expect(settle('ah', 'away', 1.5, 2, 1)).toBe('won');
  });

  it('totals on quarter lines', () => {
    expect(settle('totals', 'over', 2.25, 1, 1)).toBe('half-lost');
    expect(settle('totals', 'under', 2.25, 1, 1)).toBe('half-won');
    expect(settle('totals', 'over', 2.75, 2, 1)).toBe('half-won');
    expect(settle('totals', 'over', 3, 2, 1)).toBe('void');
    expect(settle('totals', 'under', 2.5, 2, 1)).toBe('lost');
  });

  it('returns per unit: won o, half-won (o + 1)/2, void 1, half-lost 1/2, lost 0', () => {
    expect(returnPerUnit('won', 1.9)).toBe(1.9);
    expect(returnPerUnit('half-won', 1.9)).toBeCloseTo(1.45, 15);
    expect(returnPerUnit('void', 1.9)).toBe(1);
    expect(returnPerUnit('half-lost', 1.9)).toBe(0.5);
    expect(returnPerUnit('lost', 1.9)).toBe(0);
  });

  it('refuses unknown markets, selections that do not fit the market and bad lines', () => {
    expect(() => parseBetMarket('corners')).toThrow(/market: unknown market "corners"/);
    expect(() => settle('1x2', 'over', undefined, 1, 0)).toThrow(/selection: "over" is not a h2h selection/);
    expect(() => settle('totals', 'over', undefined, 1, 0)).toThrow(/line: totals bets need a line/);
    expect(() => settle('totals', 'over', 2.3, 1, 0)).toThrow(/steps of 0.25/);
    expect(() => settle('totals', 'over', -1, 1, 0)).toThrow(/goal line must be above 0/);
    expect(() => settle('h2h', 'home', 0.5, 1, 0)).toThrow(/h2h bets have no line/);
    expect(() => settle('correct_score', 'two-one', undefined, 1, 0)).toThrow(/is not a score/);
    expect(() => settle('outrights', 'Arsenal', undefined, 1, 0)).toThrow(/settled by hand/);
  });
});
