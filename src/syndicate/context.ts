import { ValidationError } from '../core/errors.js';
import { formatMoney, type MinorUnits, type ParseMoneyOptions, parseMoney } from '../core/money.js';
import { type EpochMs, formatTimestamp, parseDate } from '../core/time.js';
import type { Poster } from './poster.js';
import type { LedgerStore, MemberRow, SyndicateState } from './store.js';
import type { MoneyInput, TimeInput } from './types.js';

/** What an operation works with once it has been authorised, inside its transaction. */
export interface OpContext {
  readonly store: LedgerStore;
  readonly syndicate: SyndicateState;
  readonly actor: MemberRow;
  /** The operation's timestamp (never before the syndicate's previous operation). */
  readonly at: EpochMs;
  /** The idempotency key: transfers and rows created by the operation carry it. */
  readonly key: string;
  readonly post: Poster;
  readonly warnings: string[];
}

/** A timestamp from epoch ms, a Date or text, refused with one line naming the field. */
export function parseTime(input: TimeInput, field = 'at'): EpochMs {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) {
      throw new ValidationError(`${field}: ${input} is not a timestamp in epoch milliseconds`, { field });
    }
    return input;
  }
  const ts = parseDate(input, field);
  if (!Number.isFinite(ts)) throw new ValidationError(`${field}: invalid date`, { field });
  return Math.round(ts);
}

/** Money in the syndicate's currency (refuses zero, negative and too many decimals unless told). */
export function money(
  ctx: { syndicate: SyndicateState },
  input: MoneyInput,
  field: string,
  options: Omit<ParseMoneyOptions, 'field'> = {},
): MinorUnits {
  if (input === undefined || input === null || (typeof input !== 'string' && typeof input !== 'number')) {
    throw new ValidationError(`${field}: an amount is required`, { field, hint: 'e.g. 1000 or 1000.50' });
  }
  return parseMoney(input, ctx.syndicate.ccy, { ...options, field });
}

/** Minor units as decimal text in the syndicate's currency. */
export function fmt(ctx: { syndicate: SyndicateState }, minor: MinorUnits): string {
  return formatMoney(minor, ctx.syndicate.ccy);
}

export function iso(ts: EpochMs): string {
  return formatTimestamp(ts);
}
