import { type Currency, formatMoney } from '../core/money.js';
import { type AccountClass, balanceOf, CASH } from './accounts.js';
import type { LedgerStore, SyndicateRow } from './store.js';

/**
 * An independent recomputation of a syndicate's ledger from its postings, for `audit verify`, tests and
 * anyone who doubts the cached balances: every transfer balances, every account's cached debits and
 * credits equal the sum of its postings, the syndicate's totals equal the recomputed ones, assets equal
 * members' equity, clearing accounts are zero, member accounts and cash are not negative, cash covers
 * pending withdrawals, the allocations account equals the open allocations at cost and the unrealised
 * account their marks, each member's pending account equals their outstanding requests, and every
 * operation has its audit entry.
 */
export interface LedgerVerification {
  ok: boolean;
  problems: string[];
  transfers: number;
  postings: number;
  totals: { debits: string; credits: string; assets: string; membersEquity: string };
}

export function verifyLedger(store: LedgerStore, row: SyndicateRow, ccy: Currency): LedgerVerification {
  const id = row.id;
  const problems: string[] = [];
  const f = (v: number) => formatMoney(v, ccy);
  const unbalanced = store
    .stmt(
      `SELECT transfer_id, SUM(debit) AS d, SUM(credit) AS c FROM postings WHERE syndicate_id = ?
       GROUP BY transfer_id HAVING SUM(debit) <> SUM(credit) LIMIT 5`,
    )
    .all(id) as { transfer_id: number; d: number; c: number }[];
  for (const u of unbalanced)
    problems.push(`transfer ${u.transfer_id} does not balance: debits ${f(u.d)}, credits ${f(u.c)}`);
  const counts = store
    .stmt(
      `SELECT (SELECT COUNT(*) FROM transfers WHERE syndicate_id = ?) AS transfers,
              (SELECT COUNT(*) FROM postings WHERE syndicate_id = ?) AS postings`,
    )
    .get(id, id) as { transfers: number; postings: number };
  const sums = new Map<string, { d: number; c: number }>();
  for (const p of store
    .stmt(
      'SELECT account, SUM(debit) AS d, SUM(credit) AS c FROM postings WHERE syndicate_id = ? GROUP BY account',
    )
    .all(id) as { account: string; d: number; c: number }[]) {
    sums.set(p.account, { d: p.d, c: p.c });
  }
  let debits = 0;
  let credits = 0;
  let assets = 0;
  let equity = 0;
  let pending = 0;
  let cash = 0;
  const byClass = new Map<AccountClass, number>();
  for (const a of store.accounts(id)) {
    const posted = sums.get(a.code) ?? { d: 0, c: 0 };
    sums.delete(a.code);
    if (posted.d !== a.debits || posted.c !== a.credits) {
      problems.push(
        `account ${a.code}: cached debits/credits ${f(a.debits)}/${f(a.credits)} differ from its postings ${f(posted.d)}/${f(posted.c)}`,
      );
    }
    debits += posted.d;
    credits += posted.c;
    const balance = balanceOf(a.class, posted.d, posted.c);
    byClass.set(a.class, (byClass.get(a.class) ?? 0) + balance);
    if (a.class === 'asset') assets += balance;
    else if (a.class !== 'clearing') equity += balance;
    if (a.class === 'pending') pending += balance;
    if (a.code === CASH) cash = balance;
    if ((a.class === 'capital' || a.class === 'profit' || a.class === 'pending') && balance < 0) {
      problems.push(`account ${a.code} is negative (${f(balance)})`);
    }
    if (a.class === 'clearing' && balance !== 0)
      problems.push(`clearing account ${a.code} holds ${f(balance)}`);
    if ((a.code === CASH || a.code === 'allocations') && balance < 0)
      problems.push(`${a.code} is negative (${f(balance)})`);
  }
  for (const account of sums.keys())
    problems.push(`postings to ${account}, which is not an account of ${id}`);
  if (debits !== credits) problems.push(`debits ${f(debits)} != credits ${f(credits)}`);
  if (assets !== equity) problems.push(`assets ${f(assets)} != members' equity ${f(equity)}`);
  if (cash < pending) problems.push(`cash ${f(cash)} does not cover pending withdrawals ${f(pending)}`);
  const cached = {
    debits: row.total_debits,
    credits: row.total_credits,
    assets: row.assets,
    equity: row.equity,
    pending: row.pending,
  };
  const recomputed = { debits, credits, assets, equity, pending };
  for (const k of Object.keys(cached) as (keyof typeof cached)[]) {
    if (cached[k] !== recomputed[k])
      problems.push(`syndicate total ${k}: cached ${f(cached[k])}, recomputed ${f(recomputed[k])}`);
  }
  const open = store
    .stmt(
      "SELECT COALESCE(SUM(amount), 0) AS cost, COALESCE(SUM(mark), 0) AS marks FROM allocations WHERE syndicate_id = ? AND status = 'open'",
    )
    .get(id) as { cost: number; marks: number };
  const allocationsBalance = store.balance(id, 'allocations');
  const unrealisedBalance = store.balance(id, 'unrealised');
  if (open.cost !== allocationsBalance) {
    problems.push(`allocations account ${f(allocationsBalance)} != open allocations at cost ${f(open.cost)}`);
  }
  if (open.marks !== unrealisedBalance)
    problems.push(`unrealised account ${f(unrealisedBalance)} != marks of open allocations ${f(open.marks)}`);
  const outstanding = new Map<string, number>();
  for (const w of store
    .stmt(
      `SELECT member, SUM(amount) AS amount FROM withdrawals WHERE syndicate_id = ? AND status IN ('requested', 'approved')
       GROUP BY member`,
    )
    .all(id) as { member: string; amount: number }[]) {
    outstanding.set(w.member, w.amount);
  }
  for (const [member, b] of store.memberBalances(id)) {
    if (b.pending !== (outstanding.get(member) ?? 0)) {
      problems.push(
        `member ${member}: pending ${f(b.pending)} != outstanding requests ${f(outstanding.get(member) ?? 0)}`,
      );
    }
  }
  const unaudited = store
    .stmt(
      `SELECT COUNT(*) AS n FROM operations o LEFT JOIN audit a ON a.syndicate_id = o.syndicate_id AND a.seq = o.audit_seq
       AND a.op_key = o.key WHERE o.syndicate_id = ? AND a.seq IS NULL`,
    )
    .get(id) as { n: number };
  if (unaudited.n > 0) problems.push(`${unaudited.n} operations have no matching audit entry`);
  return {
    ok: problems.length === 0,
    problems,
    transfers: counts.transfers,
    postings: counts.postings,
    totals: { debits: f(debits), credits: f(credits), assets: f(assets), membersEquity: f(equity) },
  };
}
