import { NeuralTraderError } from '../core/errors.js';
import { type Currency, formatMoney } from '../core/money.js';
import type { EpochMs } from '../core/time.js';
import {
  type AccountClass,
  ALLOCATIONS,
  accountClass,
  balanceOf,
  CASH,
  type PostingLine,
  UNREALISED,
} from './accounts.js';
import type { LedgerStore, SyndicateRow } from './store.js';

/**
 * A ledger invariant would break if this operation were committed. Valid input never gets here (each
 * operation checks its own preconditions first and says so in user terms); this is the last line that
 * keeps a bug from committing an unbalanced or negative ledger. Nothing is written.
 */
export class LedgerInvariantError extends NeuralTraderError {
  constructor(message: string) {
    super('VALIDATION', `ledger invariant: ${message}`, {
      hint: 'nothing was written; if the input was valid this is a bug, please report it',
    });
    this.name = 'LedgerInvariantError';
  }
}

interface Touched {
  cls: AccountClass;
  debits: number;
  credits: number;
}

/**
 * Posts the transfers of one operation and checks, before the operation commits, that the ledger it
 * leaves behind still holds every invariant (see accounts.ts). Each transfer must balance on its own;
 * the syndicate's running totals (all debits, all credits, assets, members' equity, clearing) are
 * updated from the same lines and compared; every account the operation touched is checked against
 * its floor.
 *
 * A transfer is the postings that share a transfer number (a per-syndicate sequence). Posting to a
 * capital account also advances its time-weighted integral (balance x time since the last change),
 * which distributions read instead of scanning the postings.
 */
export class Poster {
  private readonly touched = new Map<string, Touched>();
  private debits = 0;
  private credits = 0;
  private assets = 0;
  private equity = 0;
  private pending = 0;
  private capital = 0;
  private clearing = 0;
  private nextTransfer: number;
  /** The operation's postings as the journal stores them: [transfer, kind, account, debit, credit, memo, reverses]. */
  readonly lines: [number, string, string, number, number, string | null, number | null][] = [];
  transfers = 0;

  constructor(
    private readonly store: LedgerStore,
    /** The syndicate's row as this operation's transaction read it. */
    private readonly syndicate: Pick<
      SyndicateRow,
      | 'id'
      | 'next_transfer'
      | 'total_debits'
      | 'total_credits'
      | 'assets'
      | 'equity'
      | 'pending'
      | 'capital'
      | 'clearing'
    >,
    private readonly at: EpochMs,
    private readonly ccy: Currency,
  ) {
    this.nextTransfer = syndicate.next_transfer;
  }

  /** Book one balanced transfer; zero-amount lines are dropped. Returns its number (0 if empty). */
  transfer(
    kind: string,
    lines: readonly (PostingLine | undefined)[],
    memo?: string,
    reverses?: number,
  ): number {
    const real = lines.filter((l): l is PostingLine => l !== undefined && l.amount !== 0);
    if (real.length === 0) return 0;
    let debits = 0;
    let credits = 0;
    for (const line of real) {
      if (!Number.isSafeInteger(line.amount) || line.amount < 0) {
        throw new LedgerInvariantError(
          `${kind}: line amount ${line.amount} on ${line.account} is not a whole minor unit`,
        );
      }
      if (line.side === 'debit') debits += line.amount;
      else credits += line.amount;
    }
    if (debits !== credits) {
      throw new LedgerInvariantError(`${kind}: debits ${debits} do not equal credits ${credits}`);
    }
    const transfer = this.nextTransfer++;
    // SET expressions see the row as it was: the integral grows by the old balance times the time since
    // the last change of a capital account.
    const updateAccount = this.store.rawStmt(
      `UPDATE accounts SET
         tw_accum = CASE WHEN class = 'capital' THEN tw_accum + (credits - debits) * (? - tw_anchor) ELSE tw_accum END,
         tw_anchor = ?, debits = debits + ?, credits = credits + ?
       WHERE syndicate_id = ? AND code = ? RETURNING debits, credits`,
    );
    for (const line of real) {
      const d = line.side === 'debit' ? line.amount : 0;
      const c = line.amount - d;
      this.lines.push([transfer, kind, line.account, d, c, memo ?? null, reverses ?? null]);
      const after = updateAccount.get(this.at, this.at, d, c, this.syndicate.id, line.account) as
        | [debits: number, credits: number]
        | undefined;
      if (!after) throw new LedgerInvariantError(`${kind}: account ${line.account} does not exist`);
      const cls = accountClass(line.account);
      this.touched.set(line.account, { cls, debits: after[0], credits: after[1] });
      const change = balanceOf(cls, d, c);
      if (cls === 'asset') this.assets += change;
      else if (cls === 'clearing') this.clearing += change;
      else this.equity += change;
      if (cls === 'pending') this.pending += change;
      else if (cls === 'capital') this.capital += change;
    }
    this.debits += debits;
    this.credits += credits;
    this.transfers++;
    return transfer;
  }

  /** An account's balance after this operation's transfers so far. */
  balance(code: string): number {
    const account = this.touched.get(code);
    return account
      ? balanceOf(account.cls, account.debits, account.credits)
      : this.store.balance(this.syndicate.id, code);
  }

  /** The in-memory state, to restore after a savepoint is rolled back (a proposal that fails to apply). */
  snapshot(): () => void {
    const touched = new Map(this.touched);
    const { debits, credits, assets, equity, pending, capital, clearing, transfers, nextTransfer } = this;
    const lines = this.lines.length;
    return () => {
      this.touched.clear();
      for (const [k, v] of touched) this.touched.set(k, v);
      this.lines.length = lines;
      Object.assign(this, {
        debits,
        credits,
        assets,
        equity,
        pending,
        capital,
        clearing,
        transfers,
        nextTransfer,
      });
    };
  }

  /**
   * Write the operation's totals to the syndicate together with its clock and audit head (one UPDATE),
   * and check every invariant on the result; throws (so the transaction rolls back) if one breaks.
   */
  finish(record: { clock: EpochMs; auditSeq: number; auditHead: string }): void {
    const changed = this.store
      .stmt(
        `UPDATE syndicates SET total_debits = total_debits + ?, total_credits = total_credits + ?,
           assets = assets + ?, equity = equity + ?, pending = pending + ?, capital = capital + ?, clearing = clearing + ?,
           next_transfer = ?, clock = ?, audit_seq = ?, audit_head = ?
         WHERE id = ?`,
      )
      .run(
        this.debits,
        this.credits,
        this.assets,
        this.equity,
        this.pending,
        this.capital,
        this.clearing,
        this.nextTransfer,
        record.clock,
        record.auditSeq,
        record.auditHead,
        this.syndicate.id,
      ).changes;
    if (changed !== 1) throw new LedgerInvariantError(`syndicate ${this.syndicate.id} does not exist`);
    // The totals the UPDATE leaves: the row as this transaction read it (under the write lock, so nobody
    // else changed them) plus this operation's changes. Cheaper than RETURNING them, and the same numbers.
    const s = this.syndicate;
    const totals = {
      total_debits: s.total_debits + this.debits,
      total_credits: s.total_credits + this.credits,
      assets: s.assets + this.assets,
      equity: s.equity + this.equity,
      pending: s.pending + this.pending,
      capital: s.capital + this.capital,
      clearing: s.clearing + this.clearing,
    };
    this.store.syndicateWritten(s.id, {
      ...totals,
      next_transfer: this.nextTransfer,
      clock: record.clock,
      audit_seq: record.auditSeq,
      audit_head: record.auditHead,
    });
    if (this.transfers === 0) return;
    const money = (v: number) => formatMoney(v, this.ccy);
    if (totals.total_debits !== totals.total_credits) {
      throw new LedgerInvariantError(
        `debits ${money(totals.total_debits)} != credits ${money(totals.total_credits)}`,
      );
    }
    if (totals.assets !== totals.equity) {
      throw new LedgerInvariantError(
        `assets ${money(totals.assets)} != members' equity ${money(totals.equity)}`,
      );
    }
    if (totals.clearing !== 0)
      throw new LedgerInvariantError(`clearing accounts hold ${money(totals.clearing)}`);
    for (const [code, account] of this.touched) {
      const balance = balanceOf(account.cls, account.debits, account.credits);
      const floorBroken =
        account.cls === 'capital' || account.cls === 'profit' || account.cls === 'pending'
          ? balance < 0
          : account.cls === 'clearing'
            ? balance !== 0
            : account.cls === 'asset' && code !== UNREALISED && balance < 0;
      if (floorBroken) throw new LedgerInvariantError(`${code} would be ${money(balance)}`);
    }
    const cash = this.touched.get(CASH);
    if (cash || this.pending !== 0) {
      const cashBalance = cash
        ? balanceOf('asset', cash.debits, cash.credits)
        : this.store.balance(this.syndicate.id, CASH);
      if (cashBalance < totals.pending) {
        throw new LedgerInvariantError(
          `cash ${money(cashBalance)} would not cover pending withdrawals of ${money(totals.pending)}`,
        );
      }
    }
    const allocations = this.touched.get(ALLOCATIONS);
    const unrealised = this.touched.get(UNREALISED);
    if (allocations || unrealised) {
      const cost = allocations
        ? balanceOf('asset', allocations.debits, allocations.credits)
        : this.store.balance(this.syndicate.id, ALLOCATIONS);
      const marks = unrealised
        ? balanceOf('asset', unrealised.debits, unrealised.credits)
        : this.store.balance(this.syndicate.id, UNREALISED);
      if (cost + marks < 0)
        throw new LedgerInvariantError(`open allocations would be worth ${money(cost + marks)}`);
    }
  }
}
