import { z } from 'zod';
import { NeuralTraderError } from '../core/errors.js';
import { normalizeSymbol, parseIdentifier } from '../core/inputs.js';
import { tryParseDateBound } from '../core/time.js';
import { TIMEFRAMES } from '../core/timeframe.js';
import { quoteInput } from './errors.js';

/**
 * Argument schemas shared by several tools. Names and meanings follow the old system's tools
 * (snake_case, dates as YYYY-MM-DD). The SDK validates arguments against these before a handler runs and
 * returns failures as tool errors naming the field, so the messages here say what is allowed. A message
 * quotes the caller's value through quoteInput (at most a few dozen characters), never all of it.
 */

/**
 * A date as people write it, read by the same parser as the CLI and the library (src/core/time.ts):
 * YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD or an ISO timestamp; bare epoch numbers are refused. The tool
 * passes the text on; the library reads a bare year or month as its first or last day.
 */
export function dateArg(description: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!Number.isNaN(tryParseDateBound(value))) return;
      // The caller's value is echoed bounded (quoteInput), like every argument error.
      const epoch = /^[+-]?\d+(\.\d+)?$/.test(value.trim())
        ? ' (bare numbers are not read as epoch timestamps)'
        : '';
      ctx.addIssue({
        code: 'custom',
        message: `expected a date YYYY-MM-DD, got ${quoteInput(value)}${epoch}; also accepted: YYYY, YYYY-MM, YYYYMMDD or an ISO 8601 timestamp`,
      });
    })
    .describe(description);
}

/** A ticker, normalised as every face does (trimmed, upper-cased, checked) by src/core/inputs.ts. */
export function symbolArg(description = 'Ticker symbol, e.g. AAPL, SPX, KO') {
  return z
    .string()
    .transform((value, ctx) => {
      try {
        return normalizeSymbol(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^symbol: /, '') });
        return z.NEVER;
      }
    })
    .describe(description);
}

export const timeframeArg = z
  .enum(TIMEFRAMES, {
    error: (issue) => `unknown timeframe ${quoteInput(issue.input)}; valid: ${TIMEFRAMES.join(', ')}`,
  })
  .describe('Bar timeframe (Alpaca spelling)');

export function enumArg<const Values extends readonly [string, ...string[]]>(
  values: Values,
  description: string,
) {
  return z
    .enum(values, {
      error: (issue) =>
        issue.input === undefined
          ? `required; one of ${values.join(', ')}`
          : `unknown ${quoteInput(issue.input)}; valid: ${values.join(', ')}`,
    })
    .describe(description);
}

export function positiveNumberArg(description: string) {
  return z
    .number({ error: (issue) => `expected a number, got ${quoteInput(issue.input)}` })
    .positive({ error: (issue) => `must be > 0, got ${quoteInput(issue.input)}` })
    .finite()
    .describe(description);
}

export function nonNegativeNumberArg(description: string) {
  return z
    .number({ error: (issue) => `expected a number, got ${quoteInput(issue.input)}` })
    .min(0, { error: (issue) => `must be >= 0, got ${quoteInput(issue.input)}` })
    .finite()
    .describe(description);
}

export function integerArg(description: string, min: number, max: number) {
  return z
    .number({ error: (issue) => `expected an integer, got ${quoteInput(issue.input)}` })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` })
    .describe(description);
}

/** Strategy parameters by name; the strategy library validates each (names, types and ranges). */
export const paramsArg = z
  .record(z.string().max(64), z.unknown())
  .refine((params) => Object.keys(params).length <= 64, { error: 'at most 64 parameters' })
  .describe('Strategy parameters by name, e.g. {"fast": 10, "slow": 30}; see get_strategy_info');

/**
 * An id the caller chooses (client order id, account name, idempotency key), checked by the same
 * parseIdentifier as every other face: a safe character set (no spaces, quotes or newlines) and a
 * bounded length.
 */
export function identifierArg(field: string, description: string, maxLength = 64) {
  return z
    .string({ error: (issue) => `expected an id (text), got ${quoteInput(issue.input)}` })
    .superRefine((value, context) => {
      try {
        parseIdentifier(value, field, { maxLength });
      } catch (error) {
        const message = error instanceof NeuralTraderError ? error.message : String(error);
        const hint = error instanceof NeuralTraderError && error.hint ? ` (${error.hint})` : '';
        // The parser's message starts with the field name; the SDK adds the path itself.
        context.addIssue({ code: 'custom', message: `${message.replace(`${field}: `, '')}${hint}` });
      }
    })
    .describe(description);
}

/** Client order ids: Alpaca accepts up to 128 characters. */
export function clientOrderIdArg(description: string) {
  return identifierArg('client_order_id', description, 128);
}

/** A registered name (strategy, model type): short text; the library says which names exist. */
export function nameArg(description: string, maxLength = 64) {
  return z
    .string({ error: (issue) => `expected a name (text), got ${quoteInput(issue.input)}` })
    .min(1, { error: 'required' })
    .max(maxLength, { error: `at most ${maxLength} characters` })
    .describe(description);
}
