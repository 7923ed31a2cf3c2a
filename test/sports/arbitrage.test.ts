import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitrageStakes, exactEffectiveOdds, findArbitrage } from '../../src/sports/arbitrage.js';
import {
  effectiveBackOdds,
  effectiveLayOdds,
  hedgeBackWithLay,
  layLiability,
} from '../../src/sports/exchange.js';
import { parseDecimalOdds } from '../../src/sports/odds.js';

describe('arbitrage (worked example)', () => {
  // Two bookmakers disagree on a tennis match: 2.10 on A at one, 2.05 on B at another.
  const events = [
    {
      eventId: 'match-1',
      outcomes: ['A', 'B'],
      quotes: [
        { bookmaker: 'pinnacle', prices: [2.1, 1.7] },
        { bookmaker: 'betfair_ex_uk', prices: [1.8, 2.05] },
        { bookmaker: 'williamhill', prices: [1.9, 1.9] },
      ],
    },
    { eventId: 'no-arb', outcomes: ['A', 'B'], quotes: [{ bookmaker: 'pinnacle', prices: [1.9, 1.9] }] },
  ];

  it('finds the sure bet, its margin and stakes for 1,000.00 that pay the same on both outcomes', () => {
    const [arb, ...rest] = findArbitrage(events, { bankroll: 100_000 });
    expect(rest).toHaveLength(0);
    expect(arb.legs.map((l) => [l.outcome, l.bookmaker, l.odds])).toEqual([
      ['A', 'pinnacle', 2.1],
      ['B', 'betfair_ex_uk', 2.05],
    ]);
    expect(arb.impliedSum).toBeCloseTo(1 / 2.1 + 1 / 2.05, 15);
    expect(arb.profitMargin).toBeCloseTo(1 / (1 / 2.1 + 1 / 2.05) - 1, 15);
    // 493.97 on A returns 1037.33, 506.02 on B returns 1037.34: 37.34 guaranteed on 999.99 staked, which is
    // also the best any pair of whole-cent stakes within 1,000.00 can guarantee (brute force over all pairs).
    expect(arb.stakes).toMatchObject({
      stakes: [49_397, 50_602],
      payouts: [103_733, 103_734],
      totalStake: 99_999,
      guaranteedProfit: 3_734,
      payoutSpread: 1,
    });
    // Rounded to whole dollars the guarantee drops to 37.30.
    const dollars = arbitrageStakes(
      arb.legs.map((l) => parseDecimalOdds(l.odds)),
      100_000,
      100,
    );
    expect(dollars).toMatchObject({ stakes: [49_400, 50_600], guaranteedProfit: 3_730 });
  });

  it('counts exchange prices after commission', () => {
    const event = (commission: number) => ({
      eventId: 'x',
      outcomes: ['A', 'B'],
      quotes: [
        { bookmaker: 'pinnacle', prices: [1.95, 1.8] },
        { bookmaker: 'betfair_ex_uk', prices: [1.8, 2.08], commission },
      ],
    });
    // 1/1.95 + 1/2.08 = 0.9936: a sure bet before commission; 2.08 at 5% is 2.026 and the sum 1.0064.
    expect(findArbitrage([event(0)])).toHaveLength(1);
    expect(findArbitrage([event(0.05)])).toHaveLength(0);
    expect(exactEffectiveOdds(2.08, 0.05)).toMatchObject({ numerator: 1013, denominator: 500 });
  });

  it('refuses odds <= 1 naming the event, bookmaker and outcome; 0 means not offered', () => {
    expect(() =>
      findArbitrage([{ eventId: 'e', outcomes: ['A', 'B'], quotes: [{ bookmaker: 'x', prices: [1, 2] }] }]),
    ).toThrow(/prices: event e, x, A: odds must be more than 1, got 1/);
    expect(
      findArbitrage([{ eventId: 'e', outcomes: ['A', 'B'], quotes: [{ bookmaker: 'x', prices: [0, 5] }] }]),
    ).toEqual([]);
    expect(() => arbitrageStakes([parseDecimalOdds(2)], 0)).toThrow(/bankroll: must be a positive amount/);
  });
});

describe('arbitrage stakes (property)', () => {
  it('pay the same on every outcome within the rounding and never spend more than the bankroll', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 5, max: 100 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 10_000, max: 100_000_000 }),
        fc.constantFrom(1, 5, 100, 1000),
        (weights, marginBps, bankroll, increment) => {
          // Fair probabilities from the weights, priced 0.01%-0.8% better than fair: a sure bet.
          const total = weights.reduce((a, b) => a + b, 0);
          const odds = weights.map((w) =>
            parseDecimalOdds(Number(((total / w) * (1 + marginBps / 10_000)).toFixed(3))),
          );
          const inverse = odds.reduce((a, o) => a + o.denominator / o.numerator, 0);
          fc.pre(inverse < 1);
          // Rounding can only be bounded when an increment is small next to the smallest ideal stake.
          const maxOddsForPre = Math.max(...odds.map((o) => o.decimal));
          fc.pre(bankroll / increment >= 2 * maxOddsForPre);
          const result = arbitrageStakes(odds, bankroll, increment);
          expect(result.totalStake).toBeLessThanOrEqual(bankroll);
          const maxOdds = Math.max(...odds.map((o) => o.decimal));
          // Each stake is within one increment of its ideal, so each payout is within increment * odds (+1
          // for rounding the payout down) of the common ideal payout.
          expect(result.payoutSpread).toBeLessThanOrEqual(2 * (increment * maxOdds + 1));
          for (const s of result.stakes) expect(s % increment).toBe(0);
          const idealProfit = bankroll / inverse - bankroll;
          expect(result.guaranteedProfit).toBeGreaterThanOrEqual(
            idealProfit - odds.length * increment * maxOdds - 1,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('exchange back/lay with commission', () => {
  it('effective prices and the hedging lay stake', () => {
    expect(effectiveBackOdds(3, 0.05)).toBeCloseTo(2.9, 15);
    expect(effectiveLayOdds(3, 0.05)).toBeCloseTo(1.475, 15);
    expect(layLiability(10, 3.5)).toBeCloseTo(25, 15);
    const hedge = hedgeBackWithLay(100, 3.0, 2.8, 0.02);
    expect(hedge.layStake).toBeCloseTo(300 / 2.78, 12);
    expect(hedge.profitIfWins).toBeCloseTo(hedge.profitIfLoses, 10);
    expect(hedge.profitIfWins).toBeGreaterThan(0); // back 3.0, lay 2.8 at 2%: a small sure profit
    expect(() => hedgeBackWithLay(0, 3, 2.8)).toThrow(/backStake: a stake must be a finite amount above 0/);
    expect(() => hedgeBackWithLay(10, 3, 2.8, 1)).toThrow(/commission: must be a fraction in \[0, 1\)/);
  });
});
