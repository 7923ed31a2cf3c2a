import { type Currency, formatMoney } from '../core/money.js';
import type { EpochMs } from '../core/time.js';
import { tierFor } from './rules.js';
import type {
  AllocationRow,
  MemberBalances,
  MemberRow,
  ProposalRow,
  SyndicateState,
  WithdrawalRow,
} from './store.js';
import type { MemberStatus, Opportunity, ProposalStatus, Role, WithdrawalStatus } from './types.js';
import { PPM } from './withholding.js';

/** How rows are shown to callers: camelCase, money as exact decimal text, times as epoch ms. */
export interface MemberView {
  id: string;
  name: string;
  role: Role;
  status: MemberStatus;
  jurisdiction: string;
  joinedAt: EpochMs;
  firstDepositAt: EpochMs | null;
  tier: string;
  capital: string;
  profit: string;
  pendingWithdrawal: string;
  /** capital + profit + pending withdrawal. */
  equity: string;
}

export function memberView(s: SyndicateState, m: MemberRow, b: MemberBalances | undefined): MemberView {
  const balances = b ?? { capital: 0, profit: 0, pending: 0 };
  const f = (v: number) => formatMoney(v, s.ccy);
  return {
    id: m.id,
    name: m.name,
    role: m.role,
    status: m.status,
    jurisdiction: m.jurisdiction,
    joinedAt: m.joined_at,
    firstDepositAt: m.first_deposit_at,
    tier: tierFor(s.rules, balances.capital).name,
    capital: f(balances.capital),
    profit: f(balances.profit),
    pendingWithdrawal: f(balances.pending),
    equity: f(balances.capital + balances.profit + balances.pending),
  };
}

export interface AllocationView {
  id: string;
  status: 'open' | 'settled';
  kind: 'bet' | 'trade';
  reference: string | null;
  originator: string;
  opportunity: Opportunity;
  method: string;
  amount: string;
  boundBy: string;
  proposalId: string | null;
  openedAt: EpochMs;
  /** Unrealised P&L marked on an open allocation. */
  mark: string;
  settledAt: EpochMs | null;
  returned: string | null;
  fees: string | null;
  /** returned - fees - amount, once settled. */
  pnl: string | null;
}

export function allocationView(ccy: Currency, a: AllocationRow): AllocationView {
  const f = (v: number | null) => (v === null ? null : formatMoney(v, ccy));
  return {
    id: a.id,
    status: a.status,
    kind: a.kind,
    reference: a.reference,
    originator: a.originator,
    opportunity: JSON.parse(a.opportunity) as Opportunity,
    method: a.method,
    amount: formatMoney(a.amount, ccy),
    boundBy: a.bound_by,
    proposalId: a.proposal_id,
    openedAt: a.opened_at,
    mark: formatMoney(a.mark, ccy),
    settledAt: a.settled_at,
    returned: f(a.returned),
    fees: f(a.fees),
    pnl: f(a.pnl),
  };
}

export interface WithdrawalView {
  id: string;
  member: string;
  status: WithdrawalStatus;
  amount: string;
  emergency: boolean;
  /** Emergency penalty that goes to the other members when paid. */
  penalty: string;
  /** amount - penalty: what the member receives. */
  payout: string;
  requestedAt: EpochMs;
  /** Earliest time it can be paid (end of the notice period). */
  availableAt: EpochMs;
  decidedBy: string | null;
  decidedAt: EpochMs | null;
  paidAt: EpochMs | null;
}

export function withdrawalView(ccy: Currency, w: WithdrawalRow): WithdrawalView {
  return {
    id: w.id,
    member: w.member,
    status: w.status,
    amount: formatMoney(w.amount, ccy),
    emergency: w.emergency === 1,
    penalty: formatMoney(w.penalty, ccy),
    payout: formatMoney(w.amount - w.penalty, ccy),
    requestedAt: w.requested_at,
    availableAt: w.available_at,
    decidedBy: w.decided_by,
    decidedAt: w.decided_at,
    paidAt: w.paid_at,
  };
}

export interface ProposalView {
  id: string;
  kind: string;
  status: ProposalStatus;
  proposer: string;
  payload: unknown;
  weighting: string;
  quorum: number;
  threshold: number;
  createdAt: EpochMs;
  expiresAt: EpochMs;
  /** Weights are capital in minor units, attributed P&L in minor units, or 1 per member. */
  totalWeight: number;
  yes: number;
  no: number;
  abstain: number;
  outcome: string | null;
  decidedAt: EpochMs | null;
}

/** A proposal as stored; an open proposal past its expiry shows as expired. */
export function proposalView(p: ProposalRow, now: EpochMs): ProposalView {
  const status = (p.status === 'open' && now >= p.expires_at ? 'expired' : p.status) as ProposalStatus;
  return {
    id: p.id,
    kind: p.kind,
    status,
    proposer: p.proposer,
    payload: JSON.parse(p.payload),
    weighting: p.weighting,
    quorum: p.quorum,
    threshold: p.threshold,
    createdAt: p.created_at,
    expiresAt: p.expires_at,
    totalWeight: p.total_weight,
    yes: p.yes,
    no: p.no,
    abstain: p.abstain,
    outcome: p.outcome,
    decidedAt: p.decided_at,
  };
}

/** A rate in parts per million as a fraction (263750 -> 0.26375). */
export function rateFraction(ppm: number): number {
  return ppm / PPM;
}
