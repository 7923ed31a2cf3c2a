import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { betKelly, kellyReport } from '../../src/sports/reports.js';
import {
  growthExclusive,
  kellyFraction,
  kellyIndependent,
  kellyMutuallyExclusive,
  planStakes,
} from '../../src/sports/staking.js';

const LIMITS = {
  kellyMultiplier: 1,
  maxBetFraction: 1,
  maxEventFraction: 1,
  maxDayFraction: 1,
  stopBelowFraction: 0,
};

describe('Kelly closed forms', () => {
  it('one bet: f = (p o - 1) / (o - 1); no edge, no bet', () => {
    expect(kellyFraction(0.6, 2)).toBeCloseTo(0.2, 15);
    expect(kellyFraction(0.5, 3)).toBeCloseTo(0.25, 15);
    expect(kellyFraction(0.4, 2.5)).toBe(0);
    expect(kellyFraction(0.3, 2.5)).toBe(0);
    expect(() => kellyFraction(1.5, 2)).toThrow(/bet.probability: a probability must be between 0 and 1/);
    expect(() => kellyFraction(0.5, 0.9)).toThrow(/bet.odds: odds must be more than 1/);
  });

  it('one bet at a price in any format (betKelly): the closed form, and the Kelly report to the last digit', () => {
    for (const price of ['+150', '3/2', 2.5, '2.5']) {
      const bet = betKelly({ probability: 0.5, price, fraction: 0.5 });
      expect(bet.decimalOdds).toBe(2.5);
      expect(bet.impliedProbability).toBeCloseTo(0.4, 15);
      expect(bet.expectedValue).toBeCloseTo(0.25, 15);
      expect(bet.fullKelly).toBeCloseTo(1 / 6, 15);
      expect(bet.stake).toBe(bet.fullKelly / 2);
      expect(bet.growthRate).toBe(growthExclusive([{ probability: 0.5, odds: 2.5 }], [bet.stake]));
    }
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 101, max: 5000 }).map((hundredths) => hundredths / 100),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (p, o, fraction) => {
          const bet = betKelly({ probability: p, price: o, fraction });
          const [row] = kellyReport({
            prices: [o],
            probabilities: [p],
            limits: { ...LIMITS, kellyMultiplier: fraction },
          }).rows;
          expect(bet.fullKelly).toBe(row.fullKelly);
          expect(bet.stake).toBe(row.fraction);
          expect(bet.fullKelly).toBeCloseTo(kellyFraction(p, o), 12);
        },
      ),
    );
    expect(() => betKelly({ probability: 0.5, price: '+150', fraction: 0 })).toThrow(/^fraction: must be/);
    expect(() => betKelly({ probability: 0.5, price: 'x', priceField: '--odds' })).toThrow(/^--odds:/);
  });

  it('exclusive outcomes: Smoczynski-Tomkins bets the favourite and hedges with a negative-EV outcome', () => {
    // p = 0.5/0.3/0.2 at 2.5/3.0/3.5: R = 0.75, f = 0.5 - 0.75/2.5 = 0.2, f = 0.3 - 0.75/3 = 0.05, 0.
    // A 0.0025 grid search over all three fractions finds the same optimum (growth 0.0224272...).
    const result = kellyMutuallyExclusive([
      { probability: 0.5, odds: 2.5 },
      { probability: 0.3, odds: 3 },
      { probability: 0.2, odds: 3.5 },
    ]);
    expect(result.reserveRate).toBeCloseTo(0.75, 15);
    expect(result.fractions[0]).toBeCloseTo(0.2, 15);
    expect(result.fractions[1]).toBeCloseTo(0.05, 15);
    expect(result.fractions[2]).toBe(0);
    expect(result.growthRate).toBeCloseTo(0.02242720646940083, 12);
  });

  it('exclusive outcomes reduce to the single-bet formula for one outcome', () => {
    const single = kellyMutuallyExclusive([{ probability: 0.6, odds: 2 }]);
    expect(single.fractions[0]).toBeCloseTo(0.2, 15);
  });

  it('exclusive outcomes satisfy the optimality (KKT) conditions on random markets', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            w: fc.integer({ min: 1, max: 50 }),
            price: fc.double({ min: 1.05, max: 20, noNaN: true }),
          }),
          {
            minLength: 2,
            maxLength: 6,
          },
        ),
        (rows) => {
          const total = rows.reduce((a, r) => a + r.w, 0);
          const outcomes = rows.map((r) => ({ probability: r.w / total, odds: r.price }));
          const { fractions } = kellyMutuallyExclusive(outcomes);
          const staked = fractions.reduce((a, b) => a + b, 0);
          fc.pre(staked < 0.999);
          // d/df_k E[log W] = p_k o_k / W_k - sum_j p_j / W_j: zero where f_k > 0, <= 0 where f_k = 0.
          const wealth = outcomes.map((o, j) => 1 - staked + fractions[j] * o.odds);
          const common = outcomes.reduce((a, o, j) => a + o.probability / wealth[j], 0);
          outcomes.forEach((o, k) => {
            const derivative = (o.probability * o.odds) / wealth[k] - common;
            if (fractions[k] > 1e-12) expect(Math.abs(derivative)).toBeLessThan(1e-9);
            else expect(derivative).toBeLessThan(1e-9);
          });
          expect(growthExclusive(outcomes, fractions)).toBeGreaterThanOrEqual(-1e-15);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('independent events: one bet is the single Kelly; two equal coin flips stake less than each alone', () => {
    expect(kellyIndependent([{ probability: 0.6, odds: 2 }]).fractions[0]).toBeCloseTo(0.2, 9);
    // Two independent even-money bets at p = 0.6: E log W over the four joint results is maximised at
    // f = 0.19736... each (closed form for symmetric pairs: derivative 0.36/(1+2f) - 0.16/(1-2f) = 0 ... ).
    const pair = kellyIndependent([
      { probability: 0.6, odds: 2 },
      { probability: 0.6, odds: 2 },
    ]);
    // d/df: 0.36*2/(1+2f) - 0.16*2/(1-2f) = 0 -> 0.36(1-2f) = 0.16(1+2f) -> f = 0.2/1.04
    expect(pair.fractions[0]).toBeCloseTo(0.2 / 1.04, 9);
    expect(pair.fractions[1]).toBeCloseTo(0.2 / 1.04, 9);
    const withLoser = kellyIndependent([
      { probability: 0.6, odds: 2 },
      { probability: 0.3, odds: 2 },
    ]);
    expect(withLoser.fractions[1]).toBe(0);
  });
});

describe('staking plans: fractional Kelly, caps, bankroll stop', () => {
  const events = [
    { eventId: 'e1', day: 'd1', outcomes: [{ name: 'home', probability: 0.6, odds: 2 }] },
    { eventId: 'e2', day: 'd1', outcomes: [{ name: 'away', probability: 0.5, odds: 3 }] },
    { eventId: 'e3', day: 'd2', outcomes: [{ name: 'draw', probability: 0.2, odds: 3 }] },
  ];

  it('quarter Kelly is a quarter of full Kelly; no edge, no stake', () => {
    const plan = planStakes(1000, events, { ...LIMITS, kellyMultiplier: 0.25 });
    expect(plan.stakes.map((s) => s.eventId)).toEqual(['e1', 'e2']);
    expect(plan.stakes[0].fraction).toBeCloseTo(0.05, 15);
    expect(plan.stakes[1].fraction).toBeCloseTo(0.0625, 15);
    expect(plan.stakes[0].stake).toBeCloseTo(50, 12);
  });

  it('caps per bet, per event and per day bind in that order', () => {
    const perBet = planStakes(1000, events, { ...LIMITS, maxBetFraction: 0.1 });
    expect(perBet.stakes.map((s) => s.fraction)).toEqual([0.1, 0.1]);
    expect(perBet.notes[0]).toMatch(/per-bet cap/);
    const perDay = planStakes(1000, events, { ...LIMITS, maxDayFraction: 0.3 });
    const day1 = perDay.stakes.filter((s) => s.day === 'd1').reduce((a, s) => a + s.fraction, 0);
    expect(day1).toBeCloseTo(0.3, 15);
    expect(perDay.stakes[0].fraction / perDay.stakes[1].fraction).toBeCloseTo(0.2 / 0.25, 12);
    const exclusive = planStakes(
      1000,
      [
        {
          eventId: 'race',
          outcomes: [
            { name: 'a', probability: 0.5, odds: 2.5 },
            { name: 'b', probability: 0.3, odds: 3 },
          ],
        },
      ],
      { ...LIMITS, maxEventFraction: 0.125 },
    );
    expect(exclusive.stakes.reduce((a, s) => a + s.fraction, 0)).toBeCloseTo(0.125, 15);
  });

  it('bankroll stop: nothing is staked below the stop level', () => {
    const plan = planStakes(190, events, { ...LIMITS, stopBelowFraction: 0.2 }, 1000);
    expect(plan.stopped).toBe(true);
    expect(plan.stakes).toEqual([]);
    expect(plan.notes[0]).toMatch(/bankroll stop/);
    expect(() => planStakes(100, events, { ...LIMITS, kellyMultiplier: 0 })).toThrow(
      /kellyMultiplier: must be a fraction in \(0, 1\]/,
    );
    expect(() => planStakes(Number.NaN, events, LIMITS)).toThrow(/bankroll: must be a finite amount/);
  });
});
