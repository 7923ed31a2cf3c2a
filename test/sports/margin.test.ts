import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MARGIN_METHODS, overround, parseMarginMethod, removeMargin } from '../../src/sports/margin.js';
import { betValue } from '../../src/sports/reports.js';
import { closingLineValue, expectedValue, findValueBets } from '../../src/sports/value.js';

// The published example of the `shin` Python package (README): odds 2.6, 2.4, 4.3.
const SHIN_EXAMPLE = [2.6, 2.4, 4.3];

describe('margin removal (worked examples)', () => {
  it("Shin's z and probabilities match the shin package's published example", () => {
    const result = removeMargin(SHIN_EXAMPLE, 'shin');
    expect(result.parameter).toBeCloseTo(0.01694251276407055, 10);
    const published = [0.37299406033208965, 0.4047794109200184, 0.2222265287474275];
    for (const [i, p] of result.probabilities.entries()) expect(p).toBeCloseTo(published[i], 10);
  });

  it('multiplicative, additive, power and odds-ratio agree with an independent bisection solution', () => {
    // Reference values computed separately (Python, plain bisection on the defining equation of each method).
    const expected: Record<string, { p: number[]; parameter: number }> = {
      multiplicative: {
        p: [0.3720259552992069, 0.40302811824080753, 0.22494592645998557],
        parameter: 1.033840190816935,
      },
      additive: {
        p: [0.3733353210097396, 0.4053866030610217, 0.2212780759292387],
        parameter: 0.03384019081693501 / 3,
      },
      power: {
        p: [0.3729844040687095, 0.40510716745679765, 0.22190842847449296],
        parameter: 1.0321369539769223,
      },
      'odds-ratio': {
        p: [0.3724286508475988, 0.40413130433459665, 0.22344004481780472],
        parameter: 1.0531737886641692,
      },
    };
    for (const [method, want] of Object.entries(expected)) {
      const result = removeMargin(SHIN_EXAMPLE, parseMarginMethod(method));
      for (const [i, p] of result.probabilities.entries()) expect(p, method).toBeCloseTo(want.p[i], 10);
      expect(result.parameter, method).toBeCloseTo(want.parameter, 9);
      expect(result.overround).toBeCloseTo(0.03384019081693501, 14);
    }
    expect(overround(SHIN_EXAMPLE)).toBeCloseTo(0.03384019081693501, 14);
  });

  it('additive prices a long shot the margin would push below zero at 0 and re-spreads the rest', () => {
    const result = removeMargin([1.02, 20, 80], 'additive');
    expect(result.probabilities[2]).toBe(0);
    expect(result.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(result.fairOdds[2]).toBe(Number.POSITIVE_INFINITY);
  });

  it('favourite-longshot: power, Shin and odds-ratio take more margin off the long shot than multiplicative', () => {
    const odds = [1.3, 5.5, 11];
    const basic = removeMargin(odds, 'multiplicative').probabilities[2];
    for (const method of ['power', 'shin', 'odds-ratio'] as const) {
      expect(removeMargin(odds, method).probabilities[2], method).toBeLessThan(basic);
    }
  });

  it('refuses bad input with one line: odds <= 1, one outcome, an unknown method', () => {
    expect(() => removeMargin([2, 1], 'shin')).toThrow(/odds\[1\]: odds must be more than 1/);
    expect(() => removeMargin([2, Number.NaN])).toThrow(/odds\[1\]: odds must be a finite number/);
    expect(() => removeMargin([2])).toThrow(/at least two outcomes/);
    expect(() => parseMarginMethod('magic')).toThrow(/unknown margin method "magic"/);
    expect(parseMarginMethod('basic')).toBe('multiplicative');
  });
});

describe('de-margined probabilities (property)', () => {
  it('sum to 1 and lie in [0, 1] for every method, 2 to 8 outcomes, over- and under-round books', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1.01, max: 60, noNaN: true }), { minLength: 2, maxLength: 8 }),
        (odds) => {
          const underround = overround(odds) < 0;
          for (const method of MARGIN_METHODS) {
            if (method === 'shin' && underround) {
              expect(() => removeMargin(odds, method)).toThrow(/Shin's model needs a bookmaker margin/);
              continue;
            }
            const { probabilities } = removeMargin(odds, method);
            const sum = probabilities.reduce((a, b) => a + b, 0);
            expect(Math.abs(sum - 1), `${method} ${odds}`).toBeLessThan(1e-9);
            for (const p of probabilities) {
              expect(p).toBeGreaterThanOrEqual(0);
              expect(p).toBeLessThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('sum to 1 for every method on realistic books (fair probabilities plus a 0-20% margin)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 8 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        (weights, margin) => {
          const total = weights.reduce((a, b) => a + b, 0);
          const odds = weights.map((w) => total / w / (1 + margin));
          fc.pre(odds.every((o) => o > 1));
          for (const method of MARGIN_METHODS) {
            const sum = removeMargin(odds, method).probabilities.reduce((a, b) => a + b, 0);
            expect(Math.abs(sum - 1), method).toBeLessThan(1e-9);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('expected value, closing-line value, value bets', () => {
  it('EV per unit = p(o - 1)(1 - c) - (1 - p)', () => {
    expect(expectedValue(0.5, 2.2)).toBeCloseTo(0.1, 15);
    expect(expectedValue(0.5, 2.2, 0.05)).toBeCloseTo(0.5 * 1.2 * 0.95 - 0.5, 15);
    expect(() => expectedValue(1.2, 2)).toThrow(
      /probability: a probability must be between 0 and 1, got 1.2/,
    );
    expect(() => expectedValue(-0.1, 2)).toThrow(/between 0 and 1/);
    expect(() => expectedValue(0.5, 1)).toThrow(/odds: odds must be more than 1/);
  });

  it('one bet against its market: EV, fair price and Kelly after commission, de-margined market probability', () => {
    const v = betValue({ probability: 0.5, price: '6/5', commission: 0.05 });
    expect(v.decimalOdds).toBe(2.2);
    expect(v.impliedProbability).toBeCloseTo(1 / 2.2, 15);
    expect(v.expectedValue).toBeCloseTo(0.5 * 1.2 * 0.95 - 0.5, 15);
    expect(v.fairOdds).toBe(2);
    // Kelly at the price after commission, 1 + 1.2 x 0.95 = 2.14: (0.5 x 2.14 - 1) / 1.14.
    expect(v.kellyFraction).toBeCloseTo((0.5 * 2.14 - 1) / 1.14, 15);
    expect(v.marketProbability).toBeNull();
    expect(betValue({ probability: 0, price: 2 })).toMatchObject({ fairOdds: null, kellyFraction: 0 });
    const market = betValue({ probability: 0.4, price: 2.6, marketPrices: SHIN_EXAMPLE, selection: 0 });
    const shin = removeMargin(SHIN_EXAMPLE, 'shin').probabilities[0];
    expect(market.marketProbability).toBe(shin);
    expect(market.edge).toBe(0.4 - shin);
    expect(() => betValue({ probability: 0.4, price: 2.6, marketPrices: SHIN_EXAMPLE })).toThrow(
      /^selection: give the index \(0\.\.2\)/,
    );
    expect(() =>
      betValue({ probability: 0.4, price: 2.6, marketPrices: SHIN_EXAMPLE, selection: 3 }),
    ).toThrow(/^selection:/);
    expect(() => betValue({ probability: 0.4, price: 2.6, commission: 1 })).toThrow(/^commission:/);
  });

  it('CLV compares the price taken with the fair closing price', () => {
    const clv = closingLineValue(2.2, [2.0, 2.0], 0, 'multiplicative');
    expect(clv.closingProbability).toBeCloseTo(0.5, 15);
    expect(clv.clv).toBeCloseTo(0.1, 15);
    expect(clv.priceChange).toBeCloseTo(0.1, 15);
  });

  it('value bets: reports outcomes whose model EV beats the threshold, largest first', () => {
    const bets = findValueBets(
      [
        {
          eventId: 'e1',
          outcomes: [
            { name: 'home', odds: 2.1 },
            { name: 'draw', odds: 3.4 },
            { name: 'away', odds: 3.8 },
          ],
          probabilities: [0.52, 0.26, 0.22],
        },
      ],
      { minExpectedValue: 0.02 },
    );
    expect(bets.map((b) => b.outcome)).toEqual(['home']);
    expect(bets[0].expectedValue).toBeCloseTo(0.52 * 2.1 - 1, 15);
    expect(bets[0].kellyFraction).toBeCloseTo((0.52 * 2.1 - 1) / 1.1, 15);
  });
});
