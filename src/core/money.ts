import { ValidationError } from './errors.js';

/**
 * Exact money for ledgers (bet ledger, syndicate funds, payouts): amounts are integer minor units
 * (cents for USD) held in ordinary numbers, which are exact up to Number.MAX_SAFE_INTEGER (about 90
 * trillion dollars in cents). Analytics (returns, Sharpe, VaR) stay float64; only what is owed to
 * somebody goes through here.
 *
 * Inputs are decimal text or numbers and are refused when they carry more decimals than the currency
 * has: "10.005" USD is an error, never silently rounded, because a ledger that rounds on entry cannot
 * balance against the statement it came from.
 */

/** Integer minor units of a currency (cents for USD). */
export type MinorUnits = number;

export interface Currency {
  /** ISO 4217 code, or a ticker for crypto units. */
  readonly code: string;
  /** Digits after the decimal point of one minor unit (USD 2, JPY 0, BTC 8). */
  readonly decimals: number;
}

const KNOWN: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  CAD: 2,
  AUD: 2,
  JPY: 0,
  USDC: 2,
  USDT: 2,
  BTC: 8,
  ETH: 8,
};

export const USD: Currency = { code: 'USD', decimals: 2 };

/** The currency for a code (case-insensitive); unknown codes are refused rather than guessed. */
export function currency(code: string): Currency {
  const upper = code.trim().toUpperCase();
  const decimals = KNOWN[upper];
  if (decimals === undefined) {
    throw new ValidationError(`currency: unknown currency "${code}"`, {
      field: 'currency',
      hint: `use one of ${Object.keys(KNOWN).join(', ')}`,
    });
  }
  return { code: upper, decimals };
}

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;

export interface ParseMoneyOptions {
  /** Name of the field, for the error message. */
  field?: string;
  /** Allow a negative amount (default false: most inputs are amounts paid in or out). */
  allowNegative?: boolean;
  /** Allow zero (default false). */
  allowZero?: boolean;
}

/**
 * Parse an amount in major units ("1234.5", 1234.5) to exact minor units for `ccy`. Refuses exponents,
 * hex, empty text, non-finite numbers, more decimals than the currency has, and (by default) zero and
 * negative amounts, each with one line naming the field.
 */
export function parseMoney(
  input: string | number,
  ccy: Currency = USD,
  options: ParseMoneyOptions = {},
): MinorUnits {
  const field = options.field ?? 'amount';
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input))
      throw new ValidationError(`${field}: must be a finite amount, got ${input}`, { field });
    // The shortest decimal that round-trips the double, e.g. 0.1 -> "0.1"; tiny or huge values use
    // exponent notation and are refused below as not an amount of money.
    text = String(input);
  } else {
    text = input.trim();
  }
  const m = DECIMAL.exec(text);
  if (!m) {
    throw new ValidationError(`${field}: "${truncate(String(input))}" is not a decimal amount`, {
      field,
      hint: `write it like 1234.56 (at most ${ccy.decimals} decimals for ${ccy.code})`,
    });
  }
  const [, sign, whole, fraction = ''] = m;
  const trimmed = fraction.replace(/0+$/, '');
  if (trimmed.length > ccy.decimals) {
    throw new ValidationError(
      `${field}: ${text} has more decimals than ${ccy.code} has (${ccy.decimals}); amounts are not rounded`,
      { field, hint: `give the amount to at most ${ccy.decimals} decimals` },
    );
  }
  const digits = whole + trimmed.padEnd(ccy.decimals, '0');
  const magnitude = Number(digits);
  if (!Number.isSafeInteger(magnitude)) {
    throw new ValidationError(`${field}: ${text} ${ccy.code} is too large to book exactly`, { field });
  }
  const minor = sign === '-' ? -magnitude : magnitude;
  if (minor === 0 && !options.allowZero) {
    throw new ValidationError(`${field}: must be more than zero`, { field });
  }
  if (minor < 0 && !options.allowNegative) {
    throw new ValidationError(`${field}: must be positive, got ${text}`, { field });
  }
  return minor === 0 ? 0 : minor;
}

/** Minor units as exact decimal text in major units: 123450 USD -> "1234.50", -5 -> "-0.05". */
export function formatMoney(minor: MinorUnits, ccy: Currency = USD): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`formatMoney: ${minor} is not an integer amount`);
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(ccy.decimals + 1, '0');
  const cut = digits.length - ccy.decimals;
  const text = ccy.decimals === 0 ? digits : `${digits.slice(0, cut)}.${digits.slice(cut)}`;
  return negative ? `-${text}` : text;
}

/** Minor units to a float in major units, for analytics (ROI, charts); never for booking. */
export function toMajor(minor: MinorUnits, ccy: Currency = USD): number {
  return minor / 10 ** ccy.decimals;
}

/**
 * Split `total` minor units in proportion to non-negative `weights` so the parts sum to `total`
 * exactly (largest-remainder method). Each part first gets the floor of its exact share; the units left
 * over go one each to the largest fractional remainders, ties to the lower index. The rule is
 * deterministic, so a distribution is reproducible to the cent.
 */
export function splitByWeights(total: MinorUnits, weights: readonly number[]): MinorUnits[] {
  if (!Number.isSafeInteger(total)) throw new RangeError(`splitByWeights: ${total} is not an integer amount`);
  const n = weights.length;
  if (n === 0) {
    if (total === 0) return [];
    throw new RangeError('splitByWeights: no weights to split an amount over');
  }
  let sum = 0;
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w))
      throw new RangeError(`splitByWeights: weight ${w} is not finite and >= 0`);
    sum += w;
  }
  if (sum === 0) throw new RangeError('splitByWeights: the weights sum to zero');
  const sign = total < 0 ? -1 : 1;
  const magnitude = Math.abs(total);
  const parts = new Array<number>(n);
  const remainders = new Array<number>(n);
  let assigned = 0;
  for (let i = 0; i < n; i++) {
    const exact = (magnitude * weights[i]) / sum;
    const floor = Math.floor(exact);
    parts[i] = floor;
    remainders[i] = exact - floor;
    assigned += floor;
  }
  let left = magnitude - assigned;
  // Float rounding can leave the floors one unit off in either direction; settle that first.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => remainders[b] - remainders[a] || a - b);
  for (let k = 0; left > 0; k = (k + 1) % n) {
    if (weights[order[k]] === 0) continue;
    parts[order[k]] += 1;
    left -= 1;
  }
  for (let k = n - 1; left < 0; k = (k - 1 + n) % n) {
    if (parts[order[k]] === 0) continue;
    parts[order[k]] -= 1;
    left += 1;
  }
  return sign < 0 ? parts.map((p) => (p === 0 ? 0 : -p)) : parts;
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
