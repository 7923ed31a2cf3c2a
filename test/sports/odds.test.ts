import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  convertOdds,
  formatAmericanOdds,
  formatDecimalOdds,
  formatFractionalOdds,
  grossReturn,
  impliedProbability,
  parseAmericanOdds,
  parseDecimalOdds,
  parseFractionalOdds,
  parseOdds,
} from '../../src/sports/odds.js';

describe('odds conversions (worked examples)', () => {
  it('2.5 = +150 = 3/2 = 40%', () => {
    const odds = parseOdds('2.5');
    expect(odds).toMatchObject({ numerator: 5, denominator: 2 });
    expect(convertOdds(odds)).toEqual({
      decimal: '2.50',
      american: '+150',
      fractional: '3/2',
      impliedProbability: 0.4,
      exact: true,
    });
    expect(parseOdds('+150')).toEqual(odds);
    expect(parseOdds('3/2')).toEqual(odds);
  });

  it('-200 = 1.5 = 1/2; -110 = 21/11 (1.9091) = 10/11; evens = +100 = -100 = 2.0', () => {
    expect(convertOdds(parseOdds('-200'))).toMatchObject({ decimal: '1.50', fractional: '1/2' });
    const minus110 = parseAmericanOdds(-110);
    expect(minus110).toMatchObject({ numerator: 21, denominator: 11 });
    expect(formatFractionalOdds(minus110)).toBe('10/11');
    expect(formatDecimalOdds(minus110)).toBe('1.9091');
    expect(convertOdds(minus110).exact).toBe(false);
    expect(formatAmericanOdds(minus110)).toBe('-110');
    for (const evens of ['evens', 'EVS', '1/1', '+100', '-100', '2', '2.00']) {
      expect(parseOdds(evens), evens).toMatchObject({ numerator: 2, denominator: 1 });
    }
  });

  it('fractional 11/8 is exactly 2.375 and +137.5 (an American price that is not whole)', () => {
    const odds = parseFractionalOdds('11/8');
    expect(formatDecimalOdds(odds)).toBe('2.375');
    expect(formatAmericanOdds(odds)).toBe('+137.50');
    expect(impliedProbability(odds)).toBeCloseTo(8 / 19, 15);
  });

  it('1/3 and 4/6 have no finite decimal: the ratio is kept, the text rounded', () => {
    expect(formatDecimalOdds(parseOdds('1/3'))).toBe('1.3333');
    expect(formatAmericanOdds(parseOdds('4/6'))).toBe('-150');
    expect(parseOdds('4/6')).toMatchObject({ numerator: 5, denominator: 3 });
  });

  it('pays exact returns rounded down to the minor unit', () => {
    expect(grossReturn(1000, parseOdds('2.375'))).toBe(2375);
    expect(grossReturn(1001, parseOdds('1/3'))).toBe(1334); // 1334.67 rounded down
    expect(grossReturn(9_000_000_000_000_000 / 1000, parseOdds('1000.001'))).toBe(9_000_009_000_000_000);
  });

  it('refuses odds <= 1, non-finite and malformed prices with one line naming the field', () => {
    expect(() => parseOdds('1.0')).toThrow(/odds: odds must be more than 1/);
    expect(() => parseOdds(0.5)).toThrow(/more than 1/);
    expect(() => parseOdds('-2')).toThrow(/American odds must be \+100 or more/);
    expect(() => parseOdds('0.99')).toThrow(/more than 1/);
    expect(() => parseDecimalOdds(Number.NaN, 'price')).toThrow(/price: odds must be a finite number/);
    expect(() => parseDecimalOdds(Number.POSITIVE_INFINITY)).toThrow(/finite/);
    expect(() => parseOdds('+99')).toThrow(/American odds must be/);
    expect(() => parseOdds('+150.5')).toThrow(/not an American price/);
    expect(() => parseOdds('0/5')).toThrow(/pays nothing/);
    expect(() => parseOdds('3/0')).toThrow(/divides by zero/);
    expect(() => parseOdds('2.5.1')).toThrow(/not a decimal price/);
    expect(() => parseOdds('1e3')).toThrow(/not a decimal price/);
    expect(() => parseOdds('1.0000000001')).toThrow(/more than 9 decimals/);
  });
});

describe('odds round-trips (properties)', () => {
  it('exact decimal text survives parse -> format unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 999 }),
        fc.integer({ min: 1, max: 3 }),
        (whole, frac, places) => {
          const fraction = String(frac % 10 ** places).padStart(places, '0');
          const text = `${whole}.${fraction}`;
          fc.pre(Number(text) > 1);
          const trimmed = fraction.replace(/0+$/, '').padEnd(2, '0');
          expect(formatDecimalOdds(parseDecimalOdds(text))).toBe(`${whole}.${trimmed}`);
          // and the number form of the same price parses to the same ratio
          expect(parseDecimalOdds(Number(text))).toEqual(parseDecimalOdds(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('American and fractional prices convert through the exact ratio and back unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 100_000 }), fc.boolean(), (magnitude, positive) => {
        const american = positive ? magnitude : -magnitude;
        const odds = parseAmericanOdds(american);
        const back = formatAmericanOdds(odds);
        expect(back).toBe(magnitude === 100 ? `${back[0]}100` : `${positive ? '+' : '-'}${magnitude}`);
        expect(parseFractionalOdds(formatFractionalOdds(odds))).toEqual(odds);
      }),
      { numRuns: 500 },
    );
  });
});
