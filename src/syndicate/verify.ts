import { type Currency, formatMoney } from '../core/money.js';
import { type AccountClass, balanceOf, CASH } from './accounts.js';
import type { LedgerStore, SyndicateRow } from './store.js';

/**
 * An independent recomputation of a syndicate's ledger from its postings, for `audit verify`, tests and
 * anyone who doubts the balances (the stored checkpoint with the later entries folded in, see store.ts): every transfer balances, every account's cached debits and
 * credits equal the sum of its postings, the syndicate's totals equal the recomputed ones, assets equal
 * members' equity, clearing accounts are zero, member accounts and cash are not negative, cash covers
 * pending withdrawals, the allocations account equals the open allocations at cost and the unrealised
 * account their marks, each member's pending account equals their outstanding requests, and each
 * capital account's time-weighted integral (used by distributions) matches its postings.
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
      `SELECT transfer, SUM(debit) AS d, SUM(credit) AS c FROM postings WHERE syndicate_id = ?
       GROUP BY transfer HAVING SUM(debit) <> SUM(credit) LIMIT 5`,
    )
    .all(id) as { transfer: number; d: number; c: number }[];
  for (const u of unbalanced)
    problems.push(`transfer ${u.transfer} does not balance: debits ${f(u.d)}, credits ${f(u.c)}`);
  const counts = store
    .stmt(
      'SELECT COUNT(DISTINCT transfer) AS transfers, COUNT(*) AS postings FROM postings WHERE syndicate_id = ?',
    )
    .get(id) as { transfers: number; postings: number };
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
    capital: row.capital,
  };
  const recomputed = { debits, credits, assets, equity, pending, capital: byClass.get('capital') ?? 0 };
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
  // The running exposures that sizing reads, against the allocations themselves.
  const exposures = new Map<string, number>();
  const add = (key: string, amount: number) => exposures.set(key, (exposures.get(key) ?? 0) + amount);
  for (const a of store
    .stmt('SELECT amount, status, opened_at, sport, market, symbol FROM allocations WHERE syndicate_id = ?')
    .iterate(id) as Iterable<{
    amount: number;
    status: string;
    opened_at: number;
    sport: string | null;
    market: string | null;
    symbol: string | null;
  }>) {
    add(`day:${Math.floor(a.opened_at / 86_400_000)}`, a.amount);
    if (a.status !== 'open') continue;
    if (a.sport) add(`sport:${a.sport}`, a.amount);
    if (a.market) add(`market:${a.market}`, a.amount);
    if (a.symbol) add(`symbol:${a.symbol}`, a.amount);
  }
  for (const e of store.stmt('SELECT key, amount FROM exposures WHERE syndicate_id = ?').all(id) as {
    key: string;
    amount: number;
  }[]) {
    const expected = exposures.get(e.key) ?? 0;
    exposures.delete(e.key);
    if (e.amount !== expected)
      problems.push(`exposure ${e.key}: recorded ${f(e.amount)}, allocations say ${f(expected)}`);
  }
  for (const [key, amount] of exposures)
    if (amount !== 0) problems.push(`exposure ${key}: not recorded (${f(amount)})`);
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
  // The time-weighted capital each capital account carries (for distributions), recomputed from postings:
  // the integral of the balance from the period start to the account's last change.
  const tw = new Map<string, number>();
  const anchors = new Map<string, { accum: number; anchor: number }>();
  for (const a of store.accounts(id)) {
    if (a.class !== 'capital') continue;
    anchors.set(a.code, { accum: a.twAccum, anchor: a.twAnchor });
    tw.set(a.code, 0);
  }
  for (const p of store
    .stmt(
      `SELECT p.account, p.credit - p.debit AS delta, p.at FROM postings p JOIN accounts a
         ON a.syndicate_id = p.syndicate_id AND a.code = p.account
       WHERE p.syndicate_id = ? AND a.class = 'capital'`,
    )
    .iterate(id) as Iterable<{ account: string; delta: number; at: number }>) {
    const a = anchors.get(p.account);
    if (a && p.at <= a.anchor)
      tw.set(p.account, (tw.get(p.account) ?? 0) + p.delta * (a.anchor - Math.max(p.at, row.period_start)));
  }
  for (const [code, a] of anchors) {
    const expected = tw.get(code) ?? 0;
    if (Math.abs(a.accum - expected) > 1e-9 * Math.max(1, Math.abs(expected))) {
      problems.push(
        `account ${code}: time-weighted capital ${a.accum} differs from its postings (${expected})`,
      );
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    transfers: counts.transfers,
    postings: counts.postings,
    totals: { debits: f(debits), credits: f(credits), assets: f(assets), membersEquity: f(equity) },
  };
}
