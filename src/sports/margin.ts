import { type NeuralTraderError, ValidationError } from '../core/errors.js';
import { decimalOddsValue } from './odds.js';
import { solveBracketed } from './root.js';

/**
 * Removing the bookmaker's margin. A book's inverse odds sum to more than 1 (the overround); each method
 * below is a different assumption about how the bookmaker spread that excess over the outcomes, and
 * returns probabilities that sum to exactly 1 (to float precision):
 *
 *  - multiplicative ("basic", "normalisation"): proportional to the inverse odds;
 *  - additive: the same amount taken off every outcome (outcomes driven below 0 are set to 0 and the
 *    excess re-spread over the rest);
 *  - power: p_i = (1/o_i)^k with one exponent k (Clarke et al., "logarithmic" in Buchdahl's terms);
 *  - shin: Shin (1992/1993), a bookmaker facing a share z of insiders; z solved numerically;
 *  - odds-ratio: Cheung (2015), one odds ratio c between the implied and the true odds of every outcome.
 *
 * The last three put more of the margin on long shots, which matches the favourite-longshot bias seen in
 * football and racing markets.
 */
export const MARGIN_METHODS = ['multiplicative', 'additive', 'power', 'shin', 'odds-ratio'] as const;
export type MarginMethod = (typeof MARGIN_METHODS)[number];

export interface DemarginedMarket {
  method: MarginMethod;
  /** Fair probabilities, one per outcome, summing to 1. */
  probabilities: number[];
  /** Fair (zero-margin) decimal odds 1/p; Infinity for an outcome given probability 0. */
  fairOdds: number[];
  /** Sum of inverse odds minus 1 (0.05 = a 5% book; negative = an arbitrage across the prices). */
  overround: number;
  /**
   * The method's fitted parameter: Shin's insider share z, the power exponent k, the odds ratio c; the
   * amount taken off each outcome for additive; the divisor (1 + overround) for multiplicative.
   */
  parameter: number;
}

/** Sum of inverse decimal odds minus one: the bookmaker's margin on a complete market. */
export function overround(odds: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < odds.length; i++) total += 1 / decimalOddsValue(odds[i], `odds[${i}]`);
  return total - 1;
}

function checkMarket(odds: readonly number[]): number[] {
  if (!Array.isArray(odds) || odds.length < 2) {
    throw new ValidationError('odds: a market needs the prices of at least two outcomes', {
      field: 'odds',
      hint: 'give every outcome of the market, e.g. home, draw and away',
    });
  }
  return odds.map((o, i) => 1 / decimalOddsValue(o, `odds[${i}]`));
}

export function parseMarginMethod(input: string, field = 'method'): MarginMethod {
  const value = input.trim().toLowerCase();
  const alias: Record<string, MarginMethod> = {
    basic: 'multiplicative',
    normalisation: 'multiplicative',
    normalization: 'multiplicative',
    proportional: 'multiplicative',
    odds_ratio: 'odds-ratio',
    or: 'odds-ratio',
    logarithmic: 'power',
  };
  const method = (alias[value] ?? value) as MarginMethod;
  if (!MARGIN_METHODS.includes(method)) {
    throw new ValidationError(`${field}: unknown margin method "${input}"`, {
      field,
      hint: `use one of ${MARGIN_METHODS.join(', ')}`,
    });
  }
  return method;
}

function unsolved(method: MarginMethod, odds: readonly number[]): NeuralTraderError {
  return new ValidationError(`odds: the ${method} method has no solution for prices ${odds.join(', ')}`, {
    field: 'odds',
    hint: 'check the prices belong to one complete market; try method multiplicative',
  });
}

/** Fair probabilities of a complete market (every outcome priced) by one of MARGIN_METHODS. */
export function removeMargin(
  odds: readonly number[],
  method: MarginMethod = 'multiplicative',
): DemarginedMarket {
  const implied = checkMarket(odds);
  const booksum = implied.reduce((a, b) => a + b, 0);
  let probabilities: number[];
  let parameter: number;
  switch (method) {
    case 'multiplicative':
      probabilities = implied.map((p) => p / booksum);
      parameter = booksum;
      break;
    case 'additive':
      ({ probabilities, parameter } = additive(implied, booksum));
      break;
    case 'power': {
      // sum p_i^k = 1; k > 1 for an overround book, < 1 for an underround one.
      const solved = solveBracketed(
        (k) => {
          let value = -1;
          let slope = 0;
          for (const p of implied) {
            const pk = p ** k;
            value += pk;
            slope += pk * Math.log(p);
          }
          return [value, slope];
        },
        1e-3,
        1e3,
      );
      if (!solved) throw unsolved(method, odds);
      parameter = solved.root;
      probabilities = implied.map((p) => p ** parameter);
      break;
    }
    case 'shin': {
      if (booksum < 1 - 1e-12) {
        throw new ValidationError(
          `odds: the prices sum to ${booksum.toFixed(6)} < 1 in implied probability (an arbitrage); Shin's model needs a bookmaker margin`,
          { field: 'odds', hint: 'use method power or odds-ratio for under-round prices' },
        );
      }
      const solved = shinZ(implied, booksum);
      if (solved === undefined) throw unsolved(method, odds);
      parameter = solved;
      probabilities = implied.map((p) => shinProbability(p, booksum, parameter));
      break;
    }
    case 'odds-ratio': {
      // p_i / (1 - p_i) = (pi_i / (1 - pi_i)) / c  <=>  p_i = pi_i / (c (1 - pi_i) + pi_i).
      const solved = solveBracketed(
        (c) => {
          let value = -1;
          let slope = 0;
          for (const p of implied) {
            const denominator = c * (1 - p) + p;
            value += p / denominator;
            slope -= (p * (1 - p)) / (denominator * denominator);
          }
          return [value, slope];
        },
        1e-9,
        1e9,
      );
      if (!solved) throw unsolved(method, odds);
      parameter = solved.root;
      probabilities = implied.map((p) => p / (parameter * (1 - p) + p));
      break;
    }
    default:
      throw new ValidationError(`method: unknown margin method "${String(method)}"`, { field: 'method' });
  }
  return {
    method,
    probabilities,
    fairOdds: probabilities.map((p) => (p > 0 ? 1 / p : Number.POSITIVE_INFINITY)),
    overround: booksum - 1,
    parameter,
  };
}

/** Equal deduction from every outcome; outcomes that would go negative are priced at 0 instead. */
function additive(
  implied: readonly number[],
  booksum: number,
): { probabilities: number[]; parameter: number } {
  const active = implied.map(() => true);
  let deduction = (booksum - 1) / implied.length;
  for (let round = 0; round < implied.length; round++) {
    let count = 0;
    let sum = 0;
    for (let i = 0; i < implied.length; i++) {
      if (active[i]) {
        count++;
        sum += implied[i];
      }
    }
    deduction = (sum - 1) / count;
    let dropped = false;
    for (let i = 0; i < implied.length; i++) {
      if (active[i] && implied[i] - deduction < 0) {
        active[i] = false;
        dropped = true;
      }
    }
    if (!dropped) break;
  }
  return { probabilities: implied.map((p, i) => (active[i] ? p - deduction : 0)), parameter: deduction };
}

/** Shin's fair probability of an outcome with implied probability `p` in a book summing to `booksum`. */
export function shinProbability(p: number, booksum: number, z: number): number {
  return (Math.sqrt(z * z + (4 * (1 - z) * p * p) / booksum) - z) / (2 * (1 - z));
}

/**
 * Shin's z: the insider share in [0, 1) for which the fair probabilities sum to 1 (Jullien and Salanié's
 * form of Shin's model). An under-round book has no such z and is refused before this is called.
 */
function shinZ(implied: readonly number[], booksum: number): number | undefined {
  const solved = solveBracketed(
    (z) => {
      let value = -1;
      let slope = 0;
      const d = 2 * (1 - z);
      for (const p of implied) {
        const q = (p * p) / booksum;
        const s = Math.sqrt(z * z + 4 * (1 - z) * q);
        const numerator = s - z;
        value += numerator / d;
        const dNumerator = (z - 2 * q) / s - 1;
        slope += (dNumerator * d + 2 * numerator) / (d * d);
      }
      return [value, slope];
    },
    0,
    0.999,
  );
  return solved?.root;
}
