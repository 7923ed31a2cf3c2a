import { ValidationError } from '../core/errors.js';

/**
 * Betting odds as exact rationals. Every format bookmakers quote is a ratio of integers: decimal "2.375"
 * is 2375/1000 = 19/8, fractional "11/8" is (11 + 8)/8 = 19/8, American +138 is 1 + 138/100 = 119/50 and
 * -150 is 1 + 100/150 = 5/3. Holding the ratio (not a float) keeps conversions exact where the formats are
 * exact, and lets the bet ledger compute payouts to the minor unit without float rounding.
 *
 * `Odds` always means the decimal ratio: the total return per unit staked, stake included (> 1).
 */
export type OddsFormat = 'decimal' | 'american' | 'fractional';
export const ODDS_FORMATS: readonly OddsFormat[] = ['decimal', 'american', 'fractional'];

export interface Odds {
  /** Decimal odds = numerator / denominator, reduced to lowest terms, numerator > denominator >= 1. */
  readonly numerator: number;
  readonly denominator: number;
  /** The same as a float, for analytics. */
  readonly decimal: number;
}

/** Most decimals accepted in decimal odds text (more is a typo or a float printed carelessly). */
const MAX_DECIMAL_PLACES = 9;

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/** Odds from an exact ratio (numerator / denominator as the decimal price); refused unless > 1. */
export function oddsFromRatio(numerator: number, denominator: number, field = 'odds'): Odds {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new ValidationError(`${field}: ${numerator}/${denominator} is not a ratio of whole numbers`, {
      field,
    });
  }
  if (numerator <= denominator) {
    throw new ValidationError(
      `${field}: odds must be more than 1 (decimal), got ${formatRatio(numerator, denominator)}`,
      {
        field,
        hint: 'decimal odds include the stake: evens is 2.0, a 50% chance is quoted at 2.0 or less',
      },
    );
  }
  const g = gcd(numerator, denominator);
  return { numerator: numerator / g, denominator: denominator / g, decimal: numerator / denominator };
}

function formatRatio(numerator: number, denominator: number): string {
  return denominator === 1 ? String(numerator) : String(numerator / denominator);
}

const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?$/;
const AMERICAN_TEXT = /^([+-])(\d+)(?:\.0+)?$/;
const FRACTIONAL_TEXT = /^(\d+)\s*\/\s*(\d+)$/;

/** Decimal odds from text such as "2.375" (exact) or a number (its shortest round-trip decimal text). */
export function parseDecimalOdds(input: string | number, field = 'odds'): Odds {
  if (typeof input === 'number' && !Number.isFinite(input)) {
    throw new ValidationError(`${field}: odds must be a finite number, got ${input}`, { field });
  }
  const text = String(input).trim();
  const m = DECIMAL_TEXT.exec(text);
  if (!m) {
    // Exponent notation, signs, blanks: not how anyone writes a price.
    const asNumber = Number(text);
    if (text !== '' && Number.isFinite(asNumber) && asNumber <= 1) {
      throw new ValidationError(`${field}: odds must be more than 1 (decimal), got ${text.slice(0, 40)}`, {
        field,
        hint: 'decimal odds include the stake: evens is 2.0',
      });
    }
    throw new ValidationError(`${field}: "${text.slice(0, 40)}" is not a decimal price`, {
      field,
      hint: 'write decimal odds like 2.5, American like +150 or -200, fractional like 3/2',
    });
  }
  const [, whole, fraction = ''] = m;
  const digits = fraction.replace(/0+$/, '');
  if (digits.length > MAX_DECIMAL_PLACES) {
    throw new ValidationError(`${field}: ${text} has more than ${MAX_DECIMAL_PLACES} decimals`, {
      field,
      hint: 'give the price as quoted (bookmakers quote 2-3 decimals)',
    });
  }
  const denominator = 10 ** digits.length;
  const numerator = Number(whole + digits);
  if (!Number.isSafeInteger(numerator))
    throw new ValidationError(`${field}: ${text} is too large`, { field });
  return oddsFromRatio(numerator, denominator, field);
}

/**
 * American (moneyline) odds: +150 wins 150 per 100 staked, -200 stakes 200 to win 100. Whole numbers with
 * magnitude >= 100 (+100 and -100 are both evens); anything in (-100, 100) is not an American price.
 */
export function parseAmericanOdds(input: string | number, field = 'odds'): Odds {
  let value: number;
  if (typeof input === 'number') {
    value = input;
  } else {
    const text = input.trim();
    const m = AMERICAN_TEXT.exec(text) ?? /^(\d+)$/.exec(text);
    if (!m) {
      throw new ValidationError(`${field}: "${text.slice(0, 40)}" is not an American price`, {
        field,
        hint: 'American odds are whole numbers such as +150 or -200',
      });
    }
    value = m.length === 3 ? Number(`${m[1]}${m[2]}`) : Number(m[1]);
  }
  if (!Number.isSafeInteger(value)) {
    throw new ValidationError(`${field}: American odds are whole numbers, got ${value}`, { field });
  }
  if (Math.abs(value) < 100) {
    throw new ValidationError(`${field}: American odds must be +100 or more, or -100 or less, got ${value}`, {
      field,
      hint: '+100 and -100 are evens (decimal 2.0); -110 is decimal 1.909',
    });
  }
  return value > 0 ? oddsFromRatio(value + 100, 100, field) : oddsFromRatio(-value + 100, -value, field);
}

/** Fractional (UK) odds "n/d": win n per d staked; decimal = (n + d) / d. "evens" is 1/1. */
export function parseFractionalOdds(input: string, field = 'odds'): Odds {
  const text = input.trim().toLowerCase();
  if (text === 'evens' || text === 'evs') return oddsFromRatio(2, 1, field);
  const m = FRACTIONAL_TEXT.exec(text);
  if (!m) {
    throw new ValidationError(`${field}: "${text.slice(0, 40)}" is not a fractional price`, {
      field,
      hint: 'fractional odds are two whole numbers such as 5/2 or 1/3',
    });
  }
  const n = Number(m[1]);
  const d = Number(m[2]);
  if (d === 0) throw new ValidationError(`${field}: ${text} divides by zero`, { field });
  if (n === 0) {
    throw new ValidationError(`${field}: ${text} pays nothing; odds must be more than 1 (decimal)`, {
      field,
    });
  }
  return oddsFromRatio(n + d, d, field);
}

/**
 * Odds in any format. With `format` given the input must be in it; without, the format is read from the
 * text: a leading + or - is American, a slash (or "evens") fractional, anything else decimal. Numbers are
 * decimal unless `format` says otherwise.
 */
export function parseOdds(input: string | number, format?: OddsFormat, field = 'odds'): Odds {
  if (format === 'american') return parseAmericanOdds(input, field);
  if (format === 'fractional') return parseFractionalOdds(String(input), field);
  if (format === 'decimal' || typeof input === 'number') return parseDecimalOdds(input, field);
  const text = input.trim();
  if (/^[+-]/.test(text)) return parseAmericanOdds(text, field);
  if (text.includes('/') || /^(evs|evens)$/i.test(text)) return parseFractionalOdds(text, field);
  return parseDecimalOdds(text, field);
}

/** Decimal odds from a float that arrived as a number (a feed, a computed fair price), checked > 1. */
export function decimalOddsValue(value: number, field = 'odds'): number {
  if (!Number.isFinite(value)) {
    throw new ValidationError(`${field}: odds must be a finite number, got ${value}`, { field });
  }
  if (!(value > 1)) {
    throw new ValidationError(`${field}: odds must be more than 1 (decimal), got ${value}`, {
      field,
      hint: 'decimal odds include the stake: evens is 2.0',
    });
  }
  return value;
}

/** A probability in [0, 1], refused with one line otherwise. */
export function probabilityValue(value: number, field = 'probability'): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ValidationError(`${field}: a probability must be between 0 and 1, got ${value}`, {
      field,
      hint: 'give probabilities as fractions, e.g. 0.45 for 45%',
    });
  }
  return value;
}

/** The bookmaker's implied probability 1 / decimal odds (margin included). */
export function impliedProbability(odds: Odds): number {
  return odds.denominator / odds.numerator;
}

/** True when the decimal expansion of the odds terminates (the denominator has only factors 2 and 5). */
export function isExactDecimal(odds: Odds): boolean {
  let d = odds.denominator;
  while (d % 2 === 0) d /= 2;
  while (d % 5 === 0) d /= 5;
  return d === 1;
}

/**
 * Decimal text: exact (shortest, no trailing zeros, at least two decimals as bookmakers print them)
 * when the expansion terminates, else rounded to `digits` decimals (default 4).
 */
export function formatDecimalOdds(odds: Odds, digits = 4): string {
  if (!isExactDecimal(odds)) return odds.decimal.toFixed(digits);
  const n = BigInt(odds.numerator);
  const d = BigInt(odds.denominator);
  const whole = n / d;
  let remainder = n % d;
  let fraction = '';
  while (remainder !== 0n) {
    remainder *= 10n;
    fraction += String(remainder / d);
    remainder %= d;
  }
  return `${whole}.${fraction.padEnd(2, '0')}`;
}

/** American odds as a number: exact when it is a whole number, otherwise the exact ratio as a float. */
export function toAmericanOdds(odds: Odds): number {
  const profit = odds.numerator - odds.denominator; // winnings per `denominator` staked
  return profit >= odds.denominator ? (100 * profit) / odds.denominator : (-100 * odds.denominator) / profit;
}

/** "+150" / "-200"; non-integer American prices are printed with two decimals ("-133.33"). */
export function formatAmericanOdds(odds: Odds): string {
  const value = toAmericanOdds(odds);
  const text = Number.isInteger(value) ? String(Math.abs(value)) : Math.abs(value).toFixed(2);
  return `${value > 0 ? '+' : '-'}${text}`;
}

/** Fractional odds "n/d" in lowest terms (always exact). */
export function formatFractionalOdds(odds: Odds): string {
  return `${odds.numerator - odds.denominator}/${odds.denominator}`;
}

export function formatOdds(odds: Odds, format: OddsFormat = 'decimal'): string {
  if (format === 'american') return formatAmericanOdds(odds);
  if (format === 'fractional') return formatFractionalOdds(odds);
  return formatDecimalOdds(odds);
}

/** The three formats and the implied probability of one price, as a converter shows them. */
export interface OddsConversion {
  decimal: string;
  american: string;
  fractional: string;
  impliedProbability: number;
  /** False when the decimal or American text had to be rounded (e.g. fractional 1/3 = 1.3333...). */
  exact: boolean;
}

export function convertOdds(odds: Odds): OddsConversion {
  const american = toAmericanOdds(odds);
  return {
    decimal: formatDecimalOdds(odds),
    american: formatAmericanOdds(odds),
    fractional: formatFractionalOdds(odds),
    impliedProbability: impliedProbability(odds),
    exact: isExactDecimal(odds) && Number.isInteger(american),
  };
}

/**
 * Return for `stake` minor units at `odds`, stake included, rounded DOWN to the minor unit (bookmakers
 * and exchanges never pay fractions of a cent; rounding down is their convention). Exact: integer
 * arithmetic in BigInt, so a 90-trillion-cent stake at 1000.001 is still right to the unit.
 */
export function grossReturn(stake: number, odds: Odds): number {
  return Number((BigInt(stake) * BigInt(odds.numerator)) / BigInt(odds.denominator));
}
