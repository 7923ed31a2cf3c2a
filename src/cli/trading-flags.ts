import type { OrderSnapshot } from '../execution/order.js';

/**
 * Flags and JSON shapes shared by the trading commands (order, trade, portfolio, account): strict
 * numbers, the broker and account flags, ISO dates. Each parser comes from the library (src/core,
 * src/execution) so the CLI refuses exactly what the MCP tools and the library refuse.
 */

/**
 * A number flag in plain decimals (no hex, exponent, Infinity or blank: `0x10` and `1e-300` are
 * refused, not misread), checked against its range; undefined when the flag was not given.
 */
export async function numberFlag(
  name: string,
  value: string | undefined,
  range: { min?: number; exclusiveMin?: boolean; max?: number; integer?: boolean } = {},
): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const { parseStrictNumber } = await import('../core/inputs.js');
  return parseStrictNumber(value, `--${name}`, { ...range, allowExponent: false });
}

export async function brokerFlag(value: string | undefined): Promise<'paper' | 'alpaca'> {
  const broker = value ?? 'paper';
  if (broker !== 'paper' && broker !== 'alpaca') {
    const { ValidationError } = await import('../core/errors.js');
    throw new ValidationError(`--broker: expected paper or alpaca, got "${broker}"`, { field: 'broker' });
  }
  return broker;
}

/** `--account` as given (validated), else the broker's default account. */
export async function accountFlag(value: string | undefined, broker: string): Promise<string> {
  const { defaultAccountFor, parseAccountName } = await import('../execution/account-names.js');
  return value === undefined ? defaultAccountFor(broker) : parseAccountName(value, '--account');
}

/** A CLI JSON timestamp: ISO 8601 to the second, `YYYY-MM-DDTHH:mm:ssZ` (CONTRIBUTING). */
export function isoTime(ms: number | undefined): string | null {
  if (ms === undefined || !Number.isFinite(ms)) return null;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** An order for `--json`: camelCase, ISO dates, no NaN. */
export function orderJson(o: OrderSnapshot) {
  return {
    ...o,
    averageFillPrice: Number.isFinite(o.averageFillPrice) ? o.averageFillPrice : null,
    marketTime: isoTime(o.marketTime),
    createdAt: isoTime(o.createdAt),
    updatedAt: isoTime(o.updatedAt),
  };
}
