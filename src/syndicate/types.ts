import type { EpochMs } from '../core/time.js';

/**
 * The vocabulary of a syndicate: a group that pools money into one ledger, allocates it to bets or
 * trades, shares the result and decides together. Money in results is exact decimal text in major
 * units of the syndicate's currency ("1234.50"); inputs accept decimal text or a number with no more
 * decimals than the currency has.
 */

/** Money as the library accepts it: decimal text ("1234.50") or a number (1234.5). */
export type MoneyInput = string | number;

/** A time as the library accepts it: epoch milliseconds, a Date or ISO 8601 text. */
export type TimeInput = EpochMs | Date | string;

export const ROLES = ['lead', 'senior_analyst', 'junior_analyst', 'contributing_member', 'observer'] as const;
/** What a member may do is decided by their role (see PERMISSION_TABLE in permissions.ts). */
export type Role = (typeof ROLES)[number];

export const MEMBER_STATUSES = ['active', 'suspended', 'removed'] as const;
/** Suspended members keep their money but may do nothing except read; removed members are paid out. */
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const ALLOCATION_METHODS = ['kelly', 'fixed', 'confidence', 'risk_parity'] as const;
/** How an allocation is sized before the bankroll rules cap it. */
export type AllocationMethod = (typeof ALLOCATION_METHODS)[number];

export const DISTRIBUTION_METHODS = ['capital', 'performance', 'tiered', 'hybrid', 'equal'] as const;
/** How distributed profit is shared between members. */
export type DistributionMethod = (typeof DISTRIBUTION_METHODS)[number];

export const VOTE_WEIGHTINGS = ['capital', 'performance', 'equal'] as const;
/** How much each vote counts: capital held, performance attributed, or one member one vote. */
export type VoteWeighting = (typeof VOTE_WEIGHTINGS)[number];

export const PROPOSAL_KINDS = [
  'strategy_change',
  'large_allocation',
  'add_member',
  'remove_member',
  'change_rules',
] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

export const VOTE_CHOICES = ['yes', 'no', 'abstain'] as const;
export type VoteChoice = (typeof VOTE_CHOICES)[number];

export type ProposalStatus = 'open' | 'executed' | 'failed' | 'rejected' | 'expired';

export type WithdrawalStatus = 'requested' | 'approved' | 'paid' | 'cancelled' | 'rejected';

/**
 * What money is being allocated to. The syndicate does not know the bet ledger or the execution
 * account: it sizes and books an opportunity described by its odds and win probability (a bet) or its
 * expected return and volatility (a trade), and is told the outcome through `settle`. `reference` is
 * the seam: the id of the bet in the bet ledger (src/sports) or of the order in an execution account,
 * stored with the allocation so the two books can be reconciled.
 */
export interface Opportunity {
  kind: 'bet' | 'trade';
  /** Id of the bet or order this allocation funds, in the system that places it. */
  reference?: string;
  description?: string;
  /** Bets: the sport (concentration rule per sport), e.g. "football". */
  sport?: string;
  /** Bets: the market (concentration rule per market), e.g. "EPL:ARS-CHE:1X2". */
  market?: string;
  /** Trades: the symbol (concentration rule per symbol). */
  symbol?: string;
  /** Bets: decimal odds (total return per unit staked, stake included), > 1. */
  decimalOdds?: number;
  /** Bets: estimated probability of winning, in (0, 1). */
  winProbability?: number;
  /** Trades: expected return over the holding period, as a fraction (0.02 = 2%). */
  expectedReturn?: number;
  /** Trades: volatility of the return over the holding period, as a fraction, > 0. */
  volatility?: number;
  /** Confidence in the estimate, in [0, 1] (used by the confidence-tier method). */
  confidence?: number;
}

/** What every write operation takes besides its own fields. */
export interface OperationInput {
  /** The syndicate the operation applies to. */
  syndicateId: string;
  /** Client-chosen idempotency key: the same key with the same content is applied once. */
  key: string;
  /** The member acting; checked against the permission table. */
  actor: string;
  /** When the operation happens (default: now). Never earlier than the syndicate's latest operation. */
  at?: TimeInput;
}

/** Every write returns its result plus this record of the operation. */
export interface OperationRecord {
  key: string;
  kind: string;
  actor: string;
  /** Time booked for the operation (epoch ms). */
  appliedAt: EpochMs;
  /** Position in the syndicate's audit log. */
  auditSeq: number;
  /** True when this call was a retry of an operation already applied with the same key. */
  replayed: boolean;
}

export type OperationResult<T> = T & { operation: OperationRecord; warnings: string[] };
