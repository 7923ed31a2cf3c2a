import { ValidationError } from '../core/errors.js';
import { formatMoney, type MinorUnits } from '../core/money.js';
import type { EpochMs } from '../core/time.js';
import { CASH, FEES, TAX_WITHHELD, UNDISTRIBUTED, UNREALISED } from './accounts.js';
import { type SizingView, sizingBook, sizingView } from './allocations.js';
import { ROUNDING_RULE, realisedUndistributed } from './distribute.js';
import { rulesJson } from './rules.js';
import { ceilUnits, floorUnits, sizeAllocation } from './sizing.js';
import type { AllocationRow, LedgerStore, ProposalRow, SyndicateState, WithdrawalRow } from './store.js';
import { ALLOCATION_METHODS, type AllocationMethod, type Opportunity } from './types.js';
import {
  type AllocationView,
  allocationView,
  type MemberView,
  memberView,
  type ProposalView,
  proposalView,
  rateFraction,
  type WithdrawalView,
  withdrawalView,
} from './views.js';
import { withholdingRatePpm, withholdingTax } from './withholding.js';

/** Conventions stated with every report. */
export function assumptions(s: SyndicateState): Record<string, string> {
  return {
    money: `exact decimal text in ${s.ccy.code} (integer minor units in the ledger, never rounded)`,
    bankroll: 'cash + open allocations at cost + marks of open allocations (= members\u2019 equity)',
    fractions: 'ratios are fractions (0.05 = 5%)',
    times: 'epoch milliseconds, UTC',
  };
}

export interface StatusView {
  syndicate: {
    id: string;
    name: string;
    currency: string;
    createdAt: EpochMs;
    lastOperationAt: EpochMs;
    /** Start of the current distribution period (the last distribution, or creation). */
    periodStartedAt: EpochMs;
  };
  balances: {
    bankroll: string;
    cash: string;
    freeCash: string;
    openAllocationsAtCost: string;
    unrealised: string;
    undistributed: string;
    realisedUndistributed: string;
    pendingWithdrawals: string;
    membersCapital: string;
    membersProfit: string;
    feesPaid: string;
    taxWithheld: string;
  };
  members: (MemberView & { share: number })[];
  counts: { members: number; openAllocations: number; openProposals: number; openWithdrawals: number };
  audit: { entries: number; head: string };
  rules: Record<string, unknown>;
  assumptions: Record<string, string>;
}

export function status(store: LedgerStore, s: SyndicateState): StatusView {
  const f = (v: MinorUnits) => formatMoney(v, s.ccy);
  const balances = store.memberBalances(s.id);
  const members = store.members(s.id).map((m) => {
    const b = balances.get(m.id) ?? { capital: 0, profit: 0, pending: 0 };
    const equity = b.capital + b.profit + b.pending;
    return { ...memberView(s, m, b), share: s.row.equity > 0 ? equity / s.row.equity : 0 };
  });
  let capital = 0;
  let profit = 0;
  for (const b of balances.values()) {
    capital += b.capital;
    profit += b.profit;
  }
  const cash = store.balance(s.id, CASH);
  const count = (sql: string) => (store.stmt(sql).get(s.id) as { n: number }).n;
  const credits = (code: string) => store.account(s.id, code)?.credits ?? 0;
  const now = s.row.clock;
  return {
    syndicate: {
      id: s.id,
      name: s.row.name,
      currency: s.ccy.code,
      createdAt: s.row.created_at,
      lastOperationAt: s.row.clock,
      periodStartedAt: s.row.period_start,
    },
    balances: {
      bankroll: f(s.row.equity),
      cash: f(cash),
      freeCash: f(cash - s.row.pending),
      openAllocationsAtCost: f(store.balance(s.id, 'allocations')),
      unrealised: f(store.balance(s.id, UNREALISED)),
      undistributed: f(store.balance(s.id, UNDISTRIBUTED)),
      realisedUndistributed: f(realisedUndistributed(store, s.id)),
      pendingWithdrawals: f(s.row.pending),
      membersCapital: f(capital),
      membersProfit: f(profit),
      feesPaid: f(credits(FEES)),
      taxWithheld: f(credits(TAX_WITHHELD)),
    },
    members,
    counts: {
      members: members.length,
      openAllocations: count(
        "SELECT COUNT(*) AS n FROM allocations WHERE syndicate_id = ? AND status = 'open'",
      ),
      openProposals: (
        store
          .stmt(
            "SELECT COUNT(*) AS n FROM proposals WHERE syndicate_id = ? AND status = 'open' AND expires_at > ?",
          )
          .get(s.id, now) as { n: number }
      ).n,
      openWithdrawals: count(
        "SELECT COUNT(*) AS n FROM withdrawals WHERE syndicate_id = ? AND status IN ('requested', 'approved')",
      ),
    },
    audit: { entries: s.row.audit_seq, head: s.row.audit_head },
    rules: rulesJson(s.rules, s.ccy),
    assumptions: assumptions(s),
  };
}

export interface DistributionSummary {
  id: string;
  distributedAt: EpochMs;
  kind: 'profit' | 'loss';
  method: string;
  amount: string;
  tax: string;
  period: { start: EpochMs; end: EpochMs };
  members: number;
}

function distributions(store: LedgerStore, s: SyndicateState): DistributionSummary[] {
  const rows = store
    .stmt(
      `SELECT d.*, (SELECT COUNT(*) FROM distribution_lines l WHERE l.syndicate_id = d.syndicate_id
         AND l.distribution_id = d.id) AS members
       FROM distributions d WHERE d.syndicate_id = ? ORDER BY d.at, d.id`,
    )
    .all(s.id) as {
    id: string;
    at: number;
    kind: 'profit' | 'loss';
    method: string;
    amount: number;
    tax: number;
    period_start: number;
    period_end: number;
    members: number;
  }[];
  return rows.map((d) => ({
    id: d.id,
    distributedAt: d.at,
    kind: d.kind,
    method: d.method,
    amount: formatMoney(d.amount, s.ccy),
    tax: formatMoney(d.tax, s.ccy),
    period: { start: d.period_start, end: d.period_end },
    members: d.members,
  }));
}

export interface ReportView extends StatusView {
  allocations: AllocationView[];
  withdrawals: WithdrawalView[];
  proposals: ProposalView[];
  distributions: DistributionSummary[];
}

/** Everything: status plus every allocation, withdrawal, proposal and distribution. */
export function report(store: LedgerStore, s: SyndicateState): ReportView {
  const all = <T>(table: string, order: string) =>
    store.stmt(`SELECT * FROM ${table} WHERE syndicate_id = ? ORDER BY ${order}`).all(s.id) as T[];
  return {
    ...status(store, s),
    allocations: all<AllocationRow>('allocations', 'opened_at, id').map((a) => allocationView(s.ccy, a)),
    withdrawals: all<WithdrawalRow>('withdrawals', 'requested_at, id').map((w) => withdrawalView(s.ccy, w)),
    proposals: all<ProposalRow>('proposals', 'created_at, id').map((p) => proposalView(p, s.row.clock)),
    distributions: distributions(store, s),
  };
}

export interface MemberPerformance {
  member: string;
  role: string;
  status: string;
  tier: string;
  deposited: string;
  withdrawn: string;
  profitReceived: string;
  taxWithheld: string;
  lossesCharged: string;
  equity: string;
  /** (equity + withdrawn - deposited) / deposited; null before any deposit. */
  returnOnDeposits: number | null;
  allocationsOriginated: number;
  staked: string;
  realisedPnl: string;
  /** realised P&L / staked on the allocations the member originated; null when none settled. */
  roi: number | null;
}

/** Per-member money in and out, results received and the record of the allocations they originated. */
export function memberPerformance(
  store: LedgerStore,
  s: SyndicateState,
  memberId?: string,
): MemberPerformance[] {
  const f = (v: MinorUnits) => formatMoney(v, s.ccy);
  const byMember = <T extends { member: string }>(sql: string) => {
    const map = new Map<string, T>();
    for (const row of store.stmt(sql).all(s.id) as T[]) map.set(row.member, row);
    return map;
  };
  const deposits = byMember<{ member: string; total: number }>(
    `SELECT a.member_id AS member, SUM(p.credit) AS total FROM postings p
     JOIN accounts a ON a.syndicate_id = p.syndicate_id AND a.code = p.account
     WHERE p.syndicate_id = ? AND p.kind = 'deposit' AND a.class = 'capital' GROUP BY a.member_id`,
  );
  const withdrawn = byMember<{ member: string; total: number }>(
    "SELECT member, SUM(amount - penalty) AS total FROM withdrawals WHERE syndicate_id = ? AND status = 'paid' GROUP BY member",
  );
  const lines = byMember<{ member: string; gross: number; tax: number; losses: number }>(
    `SELECT member, COALESCE(SUM(CASE WHEN gross > 0 THEN gross END), 0) AS gross, SUM(tax) AS tax,
       COALESCE(-SUM(CASE WHEN gross < 0 THEN gross END), 0) AS losses
     FROM distribution_lines WHERE syndicate_id = ? GROUP BY member`,
  );
  const originated = new Map<string, { n: number; staked: number; settledStake: number; pnl: number }>();
  for (const row of store
    .stmt(
      `SELECT originator AS member, COUNT(*) AS n, SUM(amount) AS staked,
         COALESCE(SUM(CASE WHEN status = 'settled' THEN amount END), 0) AS settled_stake, COALESCE(SUM(pnl), 0) AS pnl
       FROM allocations WHERE syndicate_id = ? GROUP BY originator`,
    )
    .all(s.id) as { member: string; n: number; staked: number; settled_stake: number; pnl: number }[]) {
    originated.set(row.member, {
      n: row.n,
      staked: row.staked,
      settledStake: row.settled_stake,
      pnl: row.pnl,
    });
  }
  const balances = store.memberBalances(s.id);
  const members = memberId === undefined ? store.members(s.id) : [store.member(s.id, memberId)];
  return members.map((m) => {
    const b = balances.get(m.id) ?? { capital: 0, profit: 0, pending: 0 };
    const deposited = deposits.get(m.id)?.total ?? 0;
    const out = withdrawn.get(m.id)?.total ?? 0;
    const equity = b.capital + b.profit + b.pending;
    const o = originated.get(m.id) ?? { n: 0, staked: 0, settledStake: 0, pnl: 0 };
    const l = lines.get(m.id) ?? { gross: 0, tax: 0, losses: 0 };
    return {
      member: m.id,
      role: m.role,
      status: m.status,
      tier: memberView(s, m, b).tier,
      deposited: f(deposited),
      withdrawn: f(out),
      profitReceived: f(l.gross),
      taxWithheld: f(l.tax),
      lossesCharged: f(l.losses),
      equity: f(equity),
      returnOnDeposits: deposited > 0 ? (equity + out - deposited) / deposited : null,
      allocationsOriginated: o.n,
      staked: f(o.staked),
      realisedPnl: f(o.pnl),
      roi: o.settledStake > 0 ? o.pnl / o.settledStake : null,
    };
  });
}

export interface ProfitHistory {
  distributions: DistributionSummary[];
  settlements: {
    allocationId: string;
    settledAt: EpochMs;
    originator: string;
    amount: string;
    returned: string;
    fees: string;
    pnl: string;
  }[];
  totals: {
    realisedPnl: string;
    profitDistributed: string;
    lossesCharged: string;
    taxWithheld: string;
    undistributed: string;
  };
  roundingRule: string;
  assumptions: Record<string, string>;
}

export function profitHistory(store: LedgerStore, s: SyndicateState): ProfitHistory {
  const f = (v: MinorUnits) => formatMoney(v, s.ccy);
  const settled = store
    .stmt("SELECT * FROM allocations WHERE syndicate_id = ? AND status = 'settled' ORDER BY settled_at, id")
    .all(s.id) as AllocationRow[];
  const totals = store
    .stmt(
      `SELECT COALESCE(SUM(CASE WHEN kind = 'profit' THEN amount END), 0) AS profit,
         COALESCE(SUM(CASE WHEN kind = 'loss' THEN amount END), 0) AS loss, COALESCE(SUM(tax), 0) AS tax
       FROM distributions WHERE syndicate_id = ?`,
    )
    .get(s.id) as { profit: number; loss: number; tax: number };
  return {
    distributions: distributions(store, s),
    settlements: settled.map((a) => ({
      allocationId: a.id,
      settledAt: a.settled_at as number,
      originator: a.originator,
      amount: f(a.amount),
      returned: f(a.returned as number),
      fees: f(a.fees as number),
      pnl: f(a.pnl as number),
    })),
    totals: {
      realisedPnl: f(settled.reduce((sum, a) => sum + (a.pnl as number), 0)),
      profitDistributed: f(totals.profit),
      lossesCharged: f(totals.loss),
      taxWithheld: f(totals.tax),
      undistributed: f(store.balance(s.id, UNDISTRIBUTED)),
    },
    roundingRule: ROUNDING_RULE,
    assumptions: assumptions(s),
  };
}

export interface TaxLiability {
  year: number | null;
  members: {
    member: string;
    jurisdiction: string;
    rate: number;
    grossProfit: string;
    withheld: string;
    estimatedTax: string;
    /** estimatedTax - withheld: what the member may still owe at this rate (negative: over-withheld). */
    outstanding: string;
  }[];
  totals: { grossProfit: string; withheld: string; estimatedTax: string; outstanding: string };
  disclaimer: string;
}

/**
 * Estimated tax on the profit distributed to each member (in a calendar year, or ever) at their
 * jurisdiction's rate, against what was withheld. Illustrative rates; not tax advice.
 */
export function taxLiability(
  store: LedgerStore,
  s: SyndicateState,
  options: { memberId?: string; year?: number },
): TaxLiability {
  const f = (v: MinorUnits) => formatMoney(v, s.ccy);
  let from = Number.MIN_SAFE_INTEGER;
  let to = Number.MAX_SAFE_INTEGER;
  if (options.year !== undefined) {
    if (!Number.isInteger(options.year) || options.year < 1970 || options.year > 9999) {
      throw new ValidationError(`year: expected a calendar year such as 2025, got ${options.year}`, {
        field: 'year',
      });
    }
    from = Date.UTC(options.year, 0, 1);
    to = Date.UTC(options.year + 1, 0, 1);
  }
  const rows = new Map<string, { gross: number; tax: number }>();
  for (const row of store
    .stmt(
      `SELECT l.member, SUM(l.gross) AS gross, SUM(l.tax) AS tax FROM distribution_lines l
       JOIN distributions d ON d.syndicate_id = l.syndicate_id AND d.id = l.distribution_id
       WHERE l.syndicate_id = ? AND d.kind = 'profit' AND d.at >= ? AND d.at < ? GROUP BY l.member`,
    )
    .all(s.id, from, to) as { member: string; gross: number; tax: number }[]) {
    rows.set(row.member, { gross: row.gross, tax: row.tax });
  }
  const members =
    options.memberId === undefined ? store.members(s.id) : [store.member(s.id, options.memberId)];
  const totals = { gross: 0, tax: 0, estimated: 0 };
  const lines = members.map((m) => {
    const r = rows.get(m.id) ?? { gross: 0, tax: 0 };
    const ppm = withholdingRatePpm(m.jurisdiction, s.rules.withholdingRates);
    const estimated = withholdingTax(r.gross, ppm);
    totals.gross += r.gross;
    totals.tax += r.tax;
    totals.estimated += estimated;
    return {
      member: m.id,
      jurisdiction: m.jurisdiction,
      rate: rateFraction(ppm),
      grossProfit: f(r.gross),
      withheld: f(r.tax),
      estimatedTax: f(estimated),
      outstanding: f(estimated - r.tax),
    };
  });
  return {
    year: options.year ?? null,
    members: lines,
    totals: {
      grossProfit: f(totals.gross),
      withheld: f(totals.tax),
      estimatedTax: f(totals.estimated),
      outstanding: f(totals.estimated - totals.tax),
    },
    disclaimer:
      "ILLUSTRATIVE: rates come from the syndicate's withholdingRates rule or a small built-in table of round example rates; this is not tax advice",
  };
}

export interface AllocationLimits {
  bankroll: string;
  freeCash: string;
  cashReserveRequired: string;
  maxPerAllocation: string;
  voteAbove: string;
  dailyExposureLimit: string;
  allocatedToday: string;
  concentrationLimit: string;
  openConcentrations: { key: string; open: string; headroom: string }[];
  stopLoss: { triggered: boolean; undistributed: string; triggerAt: string };
  /** The sizing of a given opportunity under the default method, when one was given. */
  opportunity: SizingView | null;
  rules: Record<string, unknown>;
  assumptions: Record<string, string>;
}

export function allocationLimits(
  store: LedgerStore,
  s: SyndicateState,
  at: EpochMs,
  o?: Opportunity,
): AllocationLimits {
  const f = (v: MinorUnits) => formatMoney(v, s.ccy);
  const r = s.rules;
  const bankroll = Math.max(0, s.row.equity);
  const book = sizingBook(store, s, o ?? { kind: 'trade' }, at);
  const concentration = floorUnits(r.maxConcentrationFraction * bankroll);
  const open: { key: string; open: string; headroom: string }[] = [];
  for (const column of ['sport', 'market', 'symbol'] as const) {
    for (const row of store
      .stmt(
        `SELECT ${column} AS value, SUM(amount) AS total FROM allocations
         WHERE syndicate_id = ? AND status = 'open' AND ${column} IS NOT NULL GROUP BY ${column} ORDER BY total DESC`,
      )
      .all(s.id) as { value: string; total: number }[]) {
      open.push({
        key: `${column}:${row.value}`,
        open: f(row.total),
        headroom: f(Math.max(0, concentration - row.total)),
      });
    }
  }
  const triggerAt = -floorUnits(r.stopLossFraction * book.capital);
  return {
    bankroll: f(bankroll),
    freeCash: f(book.freeCash),
    cashReserveRequired: f(ceilUnits(r.cashReserveFraction * bankroll)),
    maxPerAllocation: f(floorUnits(r.maxAllocationFraction * bankroll)),
    voteAbove: f(floorUnits(r.voteAboveFraction * bankroll)),
    dailyExposureLimit: f(floorUnits(r.dailyExposureFraction * bankroll)),
    allocatedToday: f(book.allocatedToday),
    concentrationLimit: f(concentration),
    openConcentrations: open,
    stopLoss: {
      triggered: book.capital > 0 && book.undistributed <= -r.stopLossFraction * book.capital,
      undistributed: f(book.undistributed),
      triggerAt: f(triggerAt),
    },
    opportunity: o ? sizingView(s, sizeAllocation(o, r.allocationMethod, r, book, s.ccy)) : null,
    rules: rulesJson(r, s.ccy),
    assumptions: { ...assumptions(s), day: 'daily exposure counts allocations opened on the same UTC day' },
  };
}

export interface AllocationSimulation {
  opportunity: Opportunity;
  /** The method asked for (default: the syndicate's allocationMethod). */
  chosen: SizingView;
  /** Every sizing method side by side, under the same rules and book. */
  byMethod: SizingView[];
  /** When an amount was given: whether `allocate` would accept it, and why not. */
  requested: { amount: string; accepted: boolean; reason: string | null } | null;
  assumptions: Record<string, string>;
}

/** What `allocate` would do, without writing anything. */
export function simulateAllocation(
  store: LedgerStore,
  s: SyndicateState,
  at: EpochMs,
  o: Opportunity,
  method: AllocationMethod,
  amount?: MinorUnits,
): AllocationSimulation {
  const book = sizingBook(store, s, o, at);
  const chosen = sizeAllocation(o, method, s.rules, book, s.ccy);
  const byMethod = ALLOCATION_METHODS.filter((m) => m !== 'confidence' || o.confidence !== undefined).map(
    (m) => sizingView(s, sizeAllocation(o, m, s.rules, book, s.ccy)),
  );
  let requested: AllocationSimulation['requested'] = null;
  if (amount !== undefined) {
    const f = (v: MinorUnits) => formatMoney(v, s.ccy);
    let reason: string | null = null;
    if (chosen.stopLoss) reason = 'refused by the stop-loss rule';
    else if (amount > chosen.limit)
      reason = `above what the rules allow now, ${f(chosen.limit)} (bound by ${chosen.limitRule})`;
    else if (amount > chosen.voteAbove)
      reason = `above the vote threshold of ${f(chosen.voteAbove)}: needs a large_allocation vote`;
    requested = { amount: f(amount), accepted: reason === null, reason };
  }
  return {
    opportunity: o,
    chosen: sizingView(s, chosen),
    byMethod,
    requested,
    assumptions: { ...assumptions(s), rounding: 'amounts are rounded down to whole minor units' },
  };
}
