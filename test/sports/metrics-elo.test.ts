import { describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { EloRatings, fitOrderedLogit, orderedLogitProbabilities } from '../../src/sports/goals/elo.js';
import { brierScore, logLoss, rankedProbabilityScore, ScoreAccumulator } from '../../src/sports/metrics.js';

describe('forecast scores (known values)', () => {
  it('RPS: the cumulative squared error over the two thresholds, halved', () => {
    expect(rankedProbabilityScore([1, 0, 0], 0)).toBe(0);
    expect(rankedProbabilityScore([0.8, 0.1, 0.1], 0)).toBeCloseTo(0.025, 15); // (0.2^2 + 0.1^2) / 2
    expect(rankedProbabilityScore([0.5, 0.25, 0.25], 0)).toBeCloseTo(0.15625, 15);
    expect(rankedProbabilityScore([0.35, 0.3, 0.35], 1)).toBeCloseTo(0.1225, 15);
    // A draw forecast is closer to a home win than an away-win forecast is: RPS ranks, Brier does not.
    expect(rankedProbabilityScore([0, 1, 0], 0)).toBeLessThan(rankedProbabilityScore([0, 0, 1], 0));
    expect(brierScore([0, 1, 0], 0)).toBe(brierScore([0, 0, 1], 0));
  });

  it('Brier sums squared errors over outcomes; log loss is -ln p(result)', () => {
    expect(brierScore([0.8, 0.1, 0.1], 0)).toBeCloseTo(0.06, 15);
    expect(brierScore([0.2, 0.3, 0.5], 2)).toBeCloseTo(0.04 + 0.09 + 0.25, 15);
    expect(logLoss([0.8, 0.1, 0.1], 0)).toBeCloseTo(-Math.log(0.8), 15);
    const acc = new ScoreAccumulator();
    acc.add([0.8, 0.1, 0.1], 0);
    acc.add([0.2, 0.3, 0.5], 2);
    expect(acc.mean().brier).toBeCloseTo((0.06 + 0.38) / 2, 15);
    expect(() => logLoss([0.5, 1.5, 0], 0)).toThrow(
      /probabilities\[1\]: a probability must be between 0 and 1/,
    );
    expect(() => rankedProbabilityScore([0.5, 0.5, 0], 3)).toThrow(/outcome: 3 is not an outcome index/);
  });
});

describe('Elo baseline', () => {
  it('updates by K * G * (result - expected) with home advantage in the expectation', () => {
    const elo = new EloRatings({ k: 20, homeAdvantage: 60 });
    const expected = 1 / (1 + 10 ** (-60 / 400));
    expect(elo.expectedHomeScore('A', 'B')).toBeCloseTo(expected, 15);
    elo.update('A', 'B', 1, 0);
    expect(elo.rating('A')).toBeCloseTo(1500 + 20 * (1 - expected), 12);
    expect(elo.rating('B')).toBeCloseTo(1500 - 20 * (1 - expected), 12);
    elo.update('B', 'A', 4, 0); // margin 4: G = (11 + 4) / 8
    const e2 = 1 / (1 + 10 ** (-(elo.rating('B') + 60 - elo.rating('A')) / 400));
    expect(elo.table()[0].team).toBe('B');
    expect(e2).toBeGreaterThan(0);
  });

  it('the ordered logit fit recovers simulated cut points and slope', () => {
    const truth = { cut1: -1.1, cut2: 0.2, slope: 2.2 };
    const random = new Random(8);
    const diffs: number[] = [];
    const outcomes: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const d = 0.4 * random.normal() + 0.1;
      const p = orderedLogitProbabilities(truth, d);
      const u = random.next();
      diffs.push(d);
      outcomes.push(u < p.home ? 0 : u < p.home + p.draw ? 1 : 2);
    }
    const fitted = fitOrderedLogit(diffs, outcomes);
    expect(fitted.cut1).toBeCloseTo(truth.cut1, 1);
    expect(fitted.cut2).toBeCloseTo(truth.cut2, 1);
    expect(Math.abs(fitted.slope - truth.slope)).toBeLessThan(0.15);
    const p = orderedLogitProbabilities(fitted, 0.3);
    expect(p.home + p.draw + p.away).toBeCloseTo(1, 15);
  });
});
