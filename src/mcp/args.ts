import { z } from 'zod';
import { TIMEFRAMES } from '../core/timeframe.js';

/**
 * Argument schemas shared by several tools. Names and meanings follow the old system's tools
 * (snake_case, dates as YYYY-MM-DD). The SDK validates arguments against these before a handler runs and
 * returns failures as tool errors naming the field, so the messages here say what is allowed.
 */

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

export function dateArg(description: string) {
  return z
    .string()
    .regex(DATE_PATTERN, {
      error: (issue) => `expected a date YYYY-MM-DD, got ${JSON.stringify(issue.input)}`,
    })
    .describe(description);
}

export function symbolArg(description = 'Ticker symbol, e.g. AAPL, SPX, KO') {
  return z
    .string()
    .trim()
    .min(1, { error: 'expected a ticker symbol such as AAPL' })
    .max(32)
    .transform((value) => value.toUpperCase())
    .describe(description);
}

export const timeframeArg = z
  .enum(TIMEFRAMES, {
    error: (issue) => `unknown timeframe ${JSON.stringify(issue.input)}; valid: ${TIMEFRAMES.join(', ')}`,
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
          : `unknown ${JSON.stringify(issue.input)}; valid: ${values.join(', ')}`,
    })
    .describe(description);
}

export function positiveNumberArg(description: string) {
  return z
    .number({ error: (issue) => `expected a number, got ${JSON.stringify(issue.input)}` })
    .positive({ error: (issue) => `must be > 0, got ${JSON.stringify(issue.input)}` })
    .finite()
    .describe(description);
}

export function nonNegativeNumberArg(description: string) {
  return z
    .number({ error: (issue) => `expected a number, got ${JSON.stringify(issue.input)}` })
    .min(0, { error: (issue) => `must be >= 0, got ${JSON.stringify(issue.input)}` })
    .finite()
    .describe(description);
}

export function integerArg(description: string, min: number, max: number) {
  return z
    .number({ error: (issue) => `expected an integer, got ${JSON.stringify(issue.input)}` })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` })
    .describe(description);
}

/** Strategy parameters by name; the strategy library validates each (names, types and ranges). */
export const paramsArg = z
  .record(z.string(), z.unknown())
  .describe('Strategy parameters by name, e.g. {"fast": 10, "slow": 30}; see get_strategy_info');
