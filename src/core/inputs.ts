import { ValidationError } from './errors.js';

/**
 * Parsers for the inputs every face shares (symbols, symbol lists, numbers, identifiers). The CLI, the
 * MCP tools and the library all call these, so `aapl`, `KO,PG` or `0x10` mean the same thing (or are
 * refused with the same line) whichever face they arrive through.
 */

/** Longest symbol accepted anywhere (Alpaca's longest crypto pairs and `DATASET:COLUMN` names fit). */
export const MAX_SYMBOL_LENGTH = 32;

// Letters and digits, then the separators real tickers use: BRK.B, BTC/USD, DJ30:MSFT, ES-2024, RDS_A.
const SYMBOL = /^[A-Z0-9][A-Z0-9./:_-]*$/;

/** Trim and upper-case a symbol, refusing empty, over-long or odd-character input with one line. */
export function normalizeSymbol(input: string, field = 'symbol'): string {
  const symbol = String(input).trim().toUpperCase();
  if (symbol.length === 0) {
    throw new ValidationError(`${field}: a symbol is required`, { field, hint: 'e.g. AAPL, SPX or KO' });
  }
  if (symbol.length > MAX_SYMBOL_LENGTH) {
    throw new ValidationError(`${field}: symbol is longer than ${MAX_SYMBOL_LENGTH} characters`, { field });
  }
  if (!SYMBOL.test(symbol)) {
    throw new ValidationError(`${field}: "${symbol.slice(0, MAX_SYMBOL_LENGTH)}" is not a symbol`, {
      field,
      hint: 'symbols are letters and digits with . / : _ - inside, e.g. AAPL, BRK.B, BTC/USD, DJ30:MSFT',
    });
  }
  return symbol;
}

/**
 * A list of symbols as users type them: `KO PG`, `KO,PG`, `KO, PG` or an array of any of those.
 * Normalised, order kept, duplicates refused (a pair of the same symbol is a typo, not a request).
 */
export function parseSymbolList(input: string | readonly string[], field = 'symbols'): string[] {
  const parts = (typeof input === 'string' ? [input] : input)
    .flatMap((item) => String(item).split(/[\s,]+/))
    .filter((item) => item.length > 0);
  if (parts.length === 0) {
    throw new ValidationError(`${field}: give at least one symbol`, { field, hint: 'e.g. KO,PG or KO PG' });
  }
  const symbols = parts.map((part) => normalizeSymbol(part, field));
  const seen = new Set<string>();
  for (const symbol of symbols) {
    if (seen.has(symbol)) throw new ValidationError(`${field}: ${symbol} is listed twice`, { field });
    seen.add(symbol);
  }
  return symbols;
}

export interface StrictNumberOptions {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  min?: number;
  exclusiveMin?: boolean;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** Accept exponent notation such as 1e-3 (default true; quantities and prices turn it off). */
  allowExponent?: boolean;
}

const PLAIN_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const DECIMAL_WITH_EXPONENT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A number written in decimal (never hex, octal, binary, `Infinity`, blank or trailing junk, which
 * JavaScript's Number() would accept or misread: Number('0x10') is 16, Number('') is 0), checked
 * against its range. Numbers that arrive as numbers (JSON, library calls) get the same range checks.
 */
export function parseStrictNumber(
  input: string | number,
  field: string,
  options: StrictNumberOptions = {},
): number {
  let value: number;
  if (typeof input === 'number') {
    value = input;
  } else {
    const text = String(input).trim();
    const pattern = options.allowExponent === false ? PLAIN_DECIMAL : DECIMAL_WITH_EXPONENT;
    if (!pattern.test(text)) {
      throw new ValidationError(`${field}: "${text.slice(0, 40)}" is not a decimal number`, {
        field,
        hint:
          options.allowExponent === false
            ? 'write it in plain decimals, e.g. 10 or 0.5'
            : 'e.g. 10, 0.5 or 1e-3',
      });
    }
    value = Number(text);
  }
  if (!Number.isFinite(value))
    throw new ValidationError(`${field}: must be a finite number, got ${input}`, { field });
  if (options.integer && !Number.isInteger(value)) {
    throw new ValidationError(`${field}: must be a whole number, got ${value}`, { field });
  }
  if (options.min !== undefined) {
    const below = options.exclusiveMin ? value <= options.min : value < options.min;
    if (below) {
      throw new ValidationError(
        `${field}: must be ${options.exclusiveMin ? 'more than' : 'at least'} ${options.min}, got ${value}`,
        {
          field,
        },
      );
    }
  }
  if (options.max !== undefined && value > options.max) {
    throw new ValidationError(`${field}: must be at most ${options.max}, got ${value}`, { field });
  }
  return value === 0 ? 0 : value;
}

export interface IdentifierOptions {
  /** Longest accepted id (default 64). */
  maxLength?: number;
}

// Printable, shell- and log-safe: no whitespace, quotes, control characters or newlines.
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/**
 * An id a user or a client chooses (client order id, account name, syndicate or member id, idempotency
 * key): 1..maxLength characters from a safe set, so it can be logged, printed in a table and stored
 * without escaping.
 */
export function parseIdentifier(input: string, field: string, options: IdentifierOptions = {}): string {
  const maxLength = options.maxLength ?? 64;
  const id = String(input);
  if (id.length === 0) throw new ValidationError(`${field}: must not be empty`, { field });
  if (id.length > maxLength) {
    throw new ValidationError(`${field}: longer than ${maxLength} characters (${id.length})`, { field });
  }
  if (!IDENTIFIER.test(id)) {
    throw new ValidationError(
      `${field}: "${id.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}" has characters ids may not use`,
      {
        field,
        hint: 'use letters, digits and . _ : @ - (starting with a letter or digit), no spaces',
      },
    );
  }
  return id;
}
