import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_ACCOUNT } from '../core/defaults.js';
import { ValidationError } from '../core/errors.js';
import { parseIdentifier } from '../core/inputs.js';

/**
 * Account names and where an account's journal lives. Every account has its own journal file,
 * `{home}/accounts/<name>.sqlite`: its orders, fills, cash, clock and ownership lease, so a replayed
 * strategy run can never spend the default account's cash, and two accounts never wait for each
 * other's database lock.
 */

/** Longest account name (it is a file name and a table cell). */
export const MAX_ACCOUNT_NAME_LENGTH = 48;

/** The account Alpaca orders are booked in when none is named (one per configured key pair). */
export const ALPACA_ACCOUNT = 'alpaca';

// A subset of parseIdentifier's set that is also a portable file name (no ':' or '@').
const ACCOUNT_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * An account name as typed by a user or a client: trimmed, lower-cased (file systems that ignore case
 * would otherwise merge `Paper` and `paper`), letters, digits and . _ - only.
 */
export function parseAccountName(input: string | undefined, field = 'account'): string {
  if (input === undefined) return DEFAULT_ACCOUNT;
  const name = parseIdentifier(String(input).trim(), field, {
    maxLength: MAX_ACCOUNT_NAME_LENGTH,
  }).toLowerCase();
  if (!ACCOUNT_NAME.test(name) || name.includes('..')) {
    throw new ValidationError(`${field}: "${name}" is not an account name`, {
      field,
      hint: 'use letters, digits and . _ - (starting with a letter or digit), e.g. paper or swing-2024',
    });
  }
  return name;
}

/** The default account of a broker: `paper` for the paper broker, `alpaca` for Alpaca. */
export function defaultAccountFor(broker: string): string {
  return broker === 'alpaca' ? ALPACA_ACCOUNT : DEFAULT_ACCOUNT;
}

/** Directory holding every account's journal. */
export function accountsDirectory(home: string): string {
  return join(home, 'accounts');
}

/** The journal file of an account. */
export function accountJournalPath(home: string, account: string): string {
  return join(accountsDirectory(home), `${parseAccountName(account)}.sqlite`);
}

/**
 * A fresh name for the account of one replayed `trade` run: `replay-YYYYMMDD-HHMMSS-xxxx` (UTC wall
 * clock plus a random suffix, so two runs started in the same second get different accounts).
 */
export function replayAccountName(now: number = Date.now()): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `replay-${stamp}-${randomBytes(2).toString('hex')}`;
}
