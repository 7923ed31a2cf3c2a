import type { MinorUnits } from '../core/money.js';

/**
 * The chart of accounts. Per syndicate:
 *  - assets (debit-normal): `cash`, `allocations` (open allocations at cost), `unrealised` (marks of
 *    open allocations: may be negative, never below minus their cost);
 *  - `undistributed` (credit-normal): the pool's realised and marked result since the last
 *    distribution; it belongs to the members as a group until a distribution assigns it;
 *  - clearing accounts (credit-normal) `fees` and `tax_withheld`: money leaving the syndicate for a
 *    third party passes through them inside one operation, so their balance is zero at every committed
 *    state and their credits are the running total of fees paid and tax withheld.
 * Per member (credit-normal, never negative): `capital` (paid in), `profit` (distributed to the
 * member), `pending` (earmarked for an accepted withdrawal request, backed by cash).
 *
 * The invariants, checked before every commit and recomputed by verifyLedger:
 *   debits = credits;
 *   cash + allocations + unrealised = sum of member capital + profit + pending + undistributed;
 *   clearing accounts are zero; member accounts, cash and allocations are never negative;
 *   cash covers every pending withdrawal.
 */
export type AccountClass = 'asset' | 'capital' | 'profit' | 'pending' | 'pool' | 'clearing';

export const CASH = 'cash';
export const ALLOCATIONS = 'allocations';
export const UNREALISED = 'unrealised';
export const UNDISTRIBUTED = 'undistributed';
export const FEES = 'fees';
export const TAX_WITHHELD = 'tax_withheld';

export const SYNDICATE_ACCOUNTS: readonly [string, AccountClass][] = [
  [CASH, 'asset'],
  [ALLOCATIONS, 'asset'],
  [UNREALISED, 'asset'],
  [UNDISTRIBUTED, 'pool'],
  [FEES, 'clearing'],
  [TAX_WITHHELD, 'clearing'],
];

export type MemberAccountKind = 'capital' | 'profit' | 'pending';
export const MEMBER_ACCOUNT_KINDS: readonly MemberAccountKind[] = ['capital', 'profit', 'pending'];

export function memberAccount(member: string, kind: MemberAccountKind): string {
  return `member:${member}:${kind}`;
}

/** The class of an account from its code (member ids may contain ':', so the kind is the last part). */
export function accountClass(code: string): AccountClass {
  switch (code) {
    case CASH:
    case ALLOCATIONS:
    case UNREALISED:
      return 'asset';
    case UNDISTRIBUTED:
      return 'pool';
    case FEES:
    case TAX_WITHHELD:
      return 'clearing';
  }
  if (code.startsWith('member:')) {
    const kind = code.slice(code.lastIndexOf(':') + 1);
    if (kind === 'capital' || kind === 'profit' || kind === 'pending') return kind;
  }
  throw new Error(`unknown account code ${code}`);
}

/** Assets are debit-normal; every other class is credit-normal. */
export function balanceOf(cls: AccountClass, debits: MinorUnits, credits: MinorUnits): MinorUnits {
  return cls === 'asset' ? debits - credits : credits - debits;
}

/** One line of a transfer: `amount` minor units debited or credited to `account`. */
export interface PostingLine {
  account: string;
  side: 'debit' | 'credit';
  amount: MinorUnits;
}

export const debit = (account: string, amount: MinorUnits): PostingLine => ({
  account,
  side: 'debit',
  amount,
});
export const credit = (account: string, amount: MinorUnits): PostingLine => ({
  account,
  side: 'credit',
  amount,
});

/**
 * Lines that move `amount` into (`amount` > 0) or out of (< 0) a credit-normal account from a
 * debit-normal view: a signed change as the right debit or credit line.
 */
export function signedLine(account: string, change: MinorUnits, cls: AccountClass): PostingLine | undefined {
  if (change === 0) return undefined;
  const increase = change > 0;
  const magnitude = Math.abs(change);
  if (cls === 'asset') return increase ? debit(account, magnitude) : credit(account, magnitude);
  return increase ? credit(account, magnitude) : debit(account, magnitude);
}
