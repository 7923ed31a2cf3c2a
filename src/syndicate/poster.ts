import { NeuralTraderError } from '../core/errors.js';
import { type Currency, formatMoney } from '../core/money.js';
import type { EpochMs } from '../core/time.js';
import { type AccountClass, ALLOCATIONS, balanceOf, CASH, type PostingLine, UNREALISED } from './accounts.js';
import type { AccountValues, LedgerStore, SyndicateRow } from './store.js';

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

interface Touched extends AccountValues {
  cls: AccountClass;
}

/**
 * Posts the transfers of one operation and checks, before the operation commits, that the ledger it
 * leaves behind still holds every invariant (see accounts.ts). Each transfer must balance on its own;
 * the syndicate's running totals (all debits, all credits, assets, members' equity, clearing) are
 * updated from the same lines and compared; every account the operation touched is checked against
 * its floor.
 *
 * The postings are written once, in the operation's journal entry; the Poster computes the accounts'
 * new values on the side and hands them to the store (`LedgerStore.applyOperation`) only after every
 * check passed, so a refused operation leaves the in-memory ledger as it was.
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
  private periodReset: EpochMs | undefined;

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
    const at = this.at;
    for (const line of real) {
      const d = line.side === 'debit' ? line.amount : 0;
      const c = line.amount - d;
      this.lines.push([transfer, kind, line.account, d, c, memo ?? null, reverses ?? null]);
      let account = this.touched.get(line.account);
      if (!account) {
        const stored = this.store.account(this.syndicate.id, line.account);
        if (!stored) throw new LedgerInvariantError(`${kind}: account ${line.account} does not exist`);
        account = {
          cls: stored.cls,
          debits: stored.debits,
          credits: stored.credits,
          twAccum: stored.twAccum,
          twAnchor: stored.twAnchor,
        };
        this.touched.set(line.account, account);
      }
      const cls = account.cls;
      // The integral grows by the balance before this line times the time since the last change.
      if (cls === 'capital') account.twAccum += (account.credits - account.debits) * (at - account.twAnchor);
      account.twAnchor = at;
      account.debits += d;
      account.credits += c;
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
    // Copies: transfers change the touched accounts in place.
    const touched = new Map([...this.touched].map(([k, v]) => [k, { ...v }]));
    const saved = {
      debits: this.debits,
      credits: this.credits,
      assets: this.assets,
      equity: this.equity,
      pending: this.pending,
      capital: this.capital,
      clearing: this.clearing,
      transfers: this.transfers,
      nextTransfer: this.nextTransfer,
      periodReset: this.periodReset,
    };
    const lines = this.lines.length;
    return () => {
      this.touched.clear();
      for (const [k, v] of touched) this.touched.set(k, { ...v });
      this.lines.length = lines;
      Object.assign(this, saved);
    };
  }

  /** The operation starts a new distribution period: capital integrals restart at its time. */
  resetPeriod(): void {
    this.periodReset = this.at;
  }

  /**
   * Check every invariant on the ledger the operation leaves behind, then apply it to the store's
   * in-memory ledger with its clock and audit head; throws (so the transaction rolls back and nothing
   * is applied) if an invariant breaks. `entryId` is the journal entry holding these postings.
   */
  finish(
    record: { key: string; clock: EpochMs; auditSeq: number; auditHead: string },
    entryId: number,
  ): void {
    // The totals after the operation: the row as this transaction read it (under the write lock, so
    // nobody else changed them) plus this operation's changes.
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
    this.check(totals);
    this.store.applyOperation(
      s.id,
      {
        key: record.key,
        accounts: this.touched,
        totals,
        nextTransfer: this.nextTransfer,
        clock: record.clock,
        auditSeq: record.auditSeq,
        auditHead: record.auditHead,
        periodReset: this.periodReset,
      },
      entryId,
    );
  }

  private check(totals: {
    total_debits: number;
    total_credits: number;
    assets: number;
    equity: number;
    pending: number;
    clearing: number;
  }): void {
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
