import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { parseIdentifier, parseStrictNumber } from '../core/inputs.js';
import { MS_PER_DAY } from '../core/time.js';
import { CASH, credit, debit, memberAccount } from './accounts.js';
import { allocate } from './allocations.js';
import { canonicalJson } from './canonical.js';
import { fmt, iso, money, type OpContext, parseTime } from './context.js';
import { insertMember, keepsALead, type MemberInput, type NewMember, parseMemberInput } from './members.js';
import { roleAllows } from './permissions.js';
import { applyRuleChanges } from './rules.js';
import { parseAllocationMethod, parseOpportunity } from './sizing.js';
import type { LedgerStore, ProposalRow, SyndicateState } from './store.js';
import {
  type AllocationMethod,
  type MoneyInput,
  type Opportunity,
  PROPOSAL_KINDS,
  type ProposalKind,
  type TimeInput,
  VOTE_CHOICES,
  VOTE_WEIGHTINGS,
  type VoteChoice,
  type VoteWeighting,
} from './types.js';
import { type ProposalView, proposalView } from './views.js';

/**
 * Governance: a member proposes a change, eligible members vote, and the change is applied in the
 * same transaction as the vote that passes it.
 *
 * The electorate and each voter's weight are fixed when the proposal is made (capital held, positive
 * realised P&L of the allocations a member originated, or one member one vote), so nobody can buy
 * votes by depositing mid-vote. Decisions are taken against the whole electorate's weight W, so they
 * never depend on who has not voted yet:
 *   passed   when yes > threshold x W and votes cast (yes + no + abstain) >= quorum x W;
 *   rejected when it can no longer pass: W - no - abstain <= threshold x W;
 *   expired  when neither happened before expiresAt (votes after it are refused).
 * A passed proposal whose change can no longer be applied (an allocation the rules now refuse, a
 * removal without the cash to pay out) is recorded as failed, with the reason.
 */
export interface ProposalInput {
  kind: ProposalKind | string;
  /** strategy_change / change_rules: the rule changes (strategy_change: sizing and distribution rules only). */
  changes?: Record<string, unknown>;
  /** large_allocation: the opportunity, the amount and the sizing method. */
  opportunity?: unknown;
  amount?: MoneyInput;
  method?: string;
  /** add_member: the member to add. */
  member?: MemberInput;
  /** remove_member: the member to remove (their equity is earmarked for payout). */
  memberId?: string;
  description?: string;
  weighting?: string;
  quorum?: number;
  threshold?: number;
  /** Default: now + the proposalTtlDays rule. */
  expiresAt?: TimeInput;
}

const STRATEGY_RULES = [
  'allocationMethod',
  'kellyFraction',
  'fixedFraction',
  'confidenceTiers',
  'riskBudget',
  'distributionMethod',
  'hybridWeights',
];

type Payload =
  | { kind: 'strategy_change' | 'change_rules'; changes: Record<string, unknown>; description?: string }
  | {
      kind: 'large_allocation';
      opportunity: Opportunity;
      amount: number;
      method: AllocationMethod;
      description?: string;
    }
  | { kind: 'add_member'; member: NewMember; description?: string }
  | { kind: 'remove_member'; memberId: string; description?: string };

export interface NormalisedProposal {
  payload: Payload;
  weighting: VoteWeighting;
  quorum: number;
  threshold: number;
  expiresAt: number | undefined;
}

/** Check a proposal's content now (so a bad one is refused before anyone votes on it). */
export function parseProposal(s: SyndicateState, input: ProposalInput): NormalisedProposal {
  const kind = String(input.kind ?? '')
    .trim()
    .toLowerCase()
    .replace(/-/g, '_');
  if (!(PROPOSAL_KINDS as readonly string[]).includes(kind)) {
    throw new ValidationError(`kind: unknown proposal kind "${String(input.kind).slice(0, 40)}"`, {
      field: 'kind',
      hint: `use one of ${PROPOSAL_KINDS.join(', ')}`,
    });
  }
  const description = input.description === undefined ? undefined : String(input.description).slice(0, 500);
  let payload: Payload;
  switch (kind as ProposalKind) {
    case 'strategy_change':
    case 'change_rules': {
      const changes = input.changes;
      if (!changes || typeof changes !== 'object' || Object.keys(changes).length === 0) {
        throw new ValidationError('changes: give the rules to change, e.g. {"kellyFraction": 0.5}', {
          field: 'changes',
        });
      }
      if (kind === 'strategy_change') {
        const other = Object.keys(changes).find((k) => !STRATEGY_RULES.includes(k));
        if (other) {
          throw new ValidationError(
            `changes.${other}: a strategy change covers ${STRATEGY_RULES.join(', ')}`,
            {
              field: `changes.${other}`,
              hint: 'propose other rules as change_rules',
            },
          );
        }
      }
      applyRuleChanges(s.rules, changes, s.ccy, 'changes');
      payload = { kind: kind as 'strategy_change' | 'change_rules', changes, description };
      break;
    }
    case 'large_allocation':
      payload = {
        kind: 'large_allocation',
        opportunity: parseOpportunity(input.opportunity),
        amount: money({ syndicate: s }, input.amount as MoneyInput, 'amount'),
        method: input.method === undefined ? s.rules.allocationMethod : parseAllocationMethod(input.method),
        description,
      };
      break;
    case 'add_member':
      payload = { kind: 'add_member', member: parseMemberInput(input.member as MemberInput), description };
      break;
    case 'remove_member':
      payload = {
        kind: 'remove_member',
        memberId: parseIdentifier(input.memberId as string, 'memberId'),
        description,
      };
      break;
  }
  const weighting = (input.weighting ?? s.rules.voteWeighting) as VoteWeighting;
  if (!VOTE_WEIGHTINGS.includes(weighting)) {
    throw new ValidationError(`weighting: unknown vote weighting "${String(input.weighting).slice(0, 40)}"`, {
      field: 'weighting',
      hint: `use one of ${VOTE_WEIGHTINGS.join(', ')}`,
    });
  }
  const quorum = parseStrictNumber(input.quorum ?? s.rules.quorum, 'quorum', { min: 0, max: 1 });
  const threshold = parseStrictNumber(input.threshold ?? s.rules.threshold, 'threshold', {
    min: 0.5,
    max: 0.999999,
  });
  return {
    payload,
    weighting,
    quorum,
    threshold,
    expiresAt: input.expiresAt === undefined ? undefined : parseTime(input.expiresAt, 'expiresAt'),
  };
}

/** Voting weight of each eligible member (active, allowed to vote, weight above zero). */
function electorate(store: LedgerStore, s: SyndicateState, weighting: VoteWeighting): Map<string, number> {
  const balances = store.memberBalances(s.id);
  const performance = new Map<string, number>();
  if (weighting === 'performance') {
    const rows = store
      .stmt(
        "SELECT originator, SUM(pnl) AS pnl FROM allocations WHERE syndicate_id = ? AND status = 'settled' GROUP BY originator",
      )
      .all(s.id) as { originator: string; pnl: number }[];
    for (const row of rows) performance.set(row.originator, row.pnl);
  }
  const weights = new Map<string, number>();
  for (const m of store.members(s.id)) {
    if (m.status !== 'active' || !roleAllows(m.role, 'vote')) continue;
    const weight =
      weighting === 'equal'
        ? 1
        : weighting === 'capital'
          ? (balances.get(m.id)?.capital ?? 0)
          : Math.max(0, performance.get(m.id) ?? 0);
    if (weight > 0) weights.set(m.id, weight);
  }
  return weights;
}

function preflight(ctx: OpContext, payload: Payload): void {
  // Checks that depend on the syndicate as it is now; repeated at execution, when it may have changed.
  if (payload.kind === 'add_member' && ctx.store.memberRow(ctx.syndicate.id, payload.member.id)) {
    throw new ValidationError(`member.id: "${payload.member.id}" is already a member`, {
      field: 'member.id',
    });
  }
  if (payload.kind === 'remove_member') {
    const m = ctx.store.member(ctx.syndicate.id, payload.memberId, 'memberId');
    if (m.status === 'removed') {
      throw new ValidationError(`memberId: "${m.id}" was already removed`, { field: 'memberId' });
    }
  }
}

export interface ProposeResult {
  proposal: ProposalView;
  electorate: { member: string; weight: number }[];
}

export function propose(ctx: OpContext, p: NormalisedProposal): ProposeResult {
  const { store, syndicate: s, at } = ctx;
  preflight(ctx, p.payload);
  const expiresAt = p.expiresAt ?? at + Math.round(s.rules.proposalTtlDays * MS_PER_DAY);
  if (expiresAt <= at) {
    throw new ValidationError(`expiresAt: ${iso(expiresAt)} is not after the proposal's time ${iso(at)}`, {
      field: 'expiresAt',
    });
  }
  const weights = electorate(store, s, p.weighting);
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  if (total === 0) {
    throw new ValidationError(
      `weighting: no eligible member has any ${p.weighting} weight, so nobody could vote`,
      {
        field: 'weighting',
        hint: 'use another weighting (e.g. equal)',
      },
    );
  }
  const id = `P${store.nextId(s.id, 'proposal')}`;
  store
    .stmt(
      `INSERT INTO proposals (syndicate_id, id, kind, payload, proposer, weighting, quorum, threshold, created_at,
         expires_at, status, total_weight) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
    )
    .run(
      s.id,
      id,
      p.payload.kind,
      canonicalJson(p.payload),
      ctx.actor.id,
      p.weighting,
      p.quorum,
      p.threshold,
      at,
      expiresAt,
      total,
    );
  const insert = store.stmt(
    'INSERT INTO electorate (syndicate_id, proposal_id, member, weight) VALUES (?, ?, ?, ?)',
  );
  for (const [member, weight] of weights) insert.run(s.id, id, member, weight);
  return {
    proposal: proposalView(store.proposal(s.id, id), at),
    electorate: [...weights].map(([member, weight]) => ({ member, weight })),
  };
}

export interface VoteResult {
  proposal: ProposalView;
  vote: { member: string; choice: VoteChoice; weight: number };
  /** What executing the proposal did, when this vote passed it. */
  execution: Record<string, unknown> | null;
}

export function parseVoteChoice(input: string): VoteChoice {
  const choice = String(input).trim().toLowerCase();
  if (!(VOTE_CHOICES as readonly string[]).includes(choice)) {
    throw new ValidationError(`choice: expected yes, no or abstain, got "${String(input).slice(0, 20)}"`, {
      field: 'choice',
    });
  }
  return choice as VoteChoice;
}

export function castVote(ctx: OpContext, proposalId: string, choice: VoteChoice): VoteResult {
  const { store, syndicate: s, actor, at } = ctx;
  const p = store.proposal(s.id, proposalId);
  if (p.status !== 'open') {
    throw new ValidationError(`proposal: ${p.id} is already ${p.status}; votes are closed`, {
      field: 'proposalId',
    });
  }
  if (at >= p.expires_at) {
    throw new ValidationError(
      `proposal: ${p.id} expired at ${iso(p.expires_at)}; votes after expiry are refused`,
      {
        field: 'proposalId',
        hint: 'propose it again if it is still wanted',
      },
    );
  }
  const voter = store
    .stmt('SELECT weight FROM electorate WHERE syndicate_id = ? AND proposal_id = ? AND member = ?')
    .get(s.id, p.id, actor.id) as { weight: number } | undefined;
  if (!voter) {
    throw new NeuralTraderError('AUTH', `member "${actor.id}" is not in the electorate of ${p.id}`, {
      field: 'actor',
      hint: `voters and their ${p.weighting} weights were fixed when ${p.id} was proposed`,
    });
  }
  const previous = store
    .stmt('SELECT choice FROM votes WHERE syndicate_id = ? AND proposal_id = ? AND member = ?')
    .get(s.id, p.id, actor.id) as { choice: string } | undefined;
  if (previous) {
    throw new ValidationError(
      `vote: ${actor.id} already voted ${previous.choice} on ${p.id}; a vote cannot be cast twice`,
      {
        field: 'proposalId',
      },
    );
  }
  store
    .stmt(
      'INSERT INTO votes (syndicate_id, proposal_id, member, choice, weight, at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(s.id, p.id, actor.id, choice, voter.weight, at);
  const tally = { yes: p.yes, no: p.no, abstain: p.abstain };
  tally[choice] += voter.weight;
  const w = p.total_weight;
  let status = 'open';
  let outcome: string | null = null;
  let execution: Record<string, unknown> | null = null;
  if (tally.yes > p.threshold * w && tally.yes + tally.no + tally.abstain >= p.quorum * w) {
    const restore = ctx.post.snapshot();
    try {
      execution = store.db.transaction(() => execute(ctx, p))();
      status = 'executed';
      outcome = 'applied';
    } catch (error) {
      if (!(error instanceof NeuralTraderError)) throw error;
      restore();
      // The savepoint rolled back: what it wrote may be in the cache, so drop it (reads come from the file).
      store.invalidate();
      status = 'failed';
      outcome = error.message;
      ctx.warnings.push(`${p.id} passed but could not be applied: ${error.message}`);
    }
  } else if (w - tally.no - tally.abstain <= p.threshold * w) {
    status = 'rejected';
    outcome = 'can no longer reach the threshold';
  }
  store
    .stmt(
      `UPDATE proposals SET yes = ?, no = ?, abstain = ?, status = ?, outcome = ?, decided_at = ?
       WHERE syndicate_id = ? AND id = ?`,
    )
    .run(tally.yes, tally.no, tally.abstain, status, outcome, status === 'open' ? null : at, s.id, p.id);
  return {
    proposal: proposalView(store.proposal(s.id, p.id), at),
    vote: { member: actor.id, choice, weight: voter.weight },
    execution,
  };
}

/** Apply a passed proposal's change (inside the vote's transaction, in a savepoint). */
function execute(ctx: OpContext, p: ProposalRow): Record<string, unknown> {
  const payload = JSON.parse(p.payload) as Payload;
  preflight(ctx, payload);
  const s = ctx.syndicate;
  switch (payload.kind) {
    case 'strategy_change':
    case 'change_rules': {
      const rules = applyRuleChanges(s.rules, payload.changes, s.ccy, 'changes');
      ctx.store
        .stmt('UPDATE syndicates SET rules = ?, rules_rev = rules_rev + 1 WHERE id = ?')
        .run(JSON.stringify(rules), s.id);
      ctx.store.forgetSyndicate(s.id);
      return { rulesChanged: Object.keys(payload.changes) };
    }
    case 'large_allocation': {
      const result = allocate(
        ctx,
        { opportunity: payload.opportunity, method: payload.method, amount: payload.amount },
        p.proposer,
        p.id,
      );
      return { allocation: result.allocation, sizing: result.sizing };
    }
    case 'add_member': {
      const row = insertMember(ctx.store, s.id, payload.member, ctx.at);
      return { memberAdded: row.id, role: row.role };
    }
    case 'remove_member':
      return removeMember(ctx, payload.memberId, p.id);
  }
}

/** Remove a member: their whole equity is earmarked for payout (an approved withdrawal, no notice). */
function removeMember(ctx: OpContext, memberId: string, proposalId: string): Record<string, unknown> {
  const { store, syndicate: s, at } = ctx;
  const m = store.member(s.id, memberId, 'memberId');
  keepsALead(ctx, m);
  const b = store.memberBalance(s.id, memberId);
  const amount = b.capital + b.profit;
  const freeCash = store.balance(s.id, CASH) - s.row.pending;
  if (amount > freeCash) {
    throw new ValidationError(
      `remove_member: paying out ${memberId}'s ${fmt(ctx, amount)} needs that much free cash; the syndicate has ${fmt(ctx, freeCash)}`,
      { field: 'memberId', hint: 'settle open allocations first, then propose the removal again' },
    );
  }
  let withdrawal: string | null = null;
  if (amount > 0) {
    const transfer = ctx.post.transfer(
      'withdrawal_request',
      [
        debit(memberAccount(memberId, 'profit'), b.profit),
        debit(memberAccount(memberId, 'capital'), b.capital),
        credit(memberAccount(memberId, 'pending'), amount),
      ],
      `removal of ${memberId} by ${proposalId}`,
    );
    withdrawal = `W${store.nextId(s.id, 'withdrawal')}`;
    store
      .stmt(
        `INSERT INTO withdrawals (syndicate_id, id, member, amount, from_profit, from_capital, emergency, penalty,
           earmark_transfer, status, requested_at, available_at, decided_by, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, 'approved', ?, ?, ?, ?)`,
      )
      .run(s.id, withdrawal, memberId, amount, b.profit, b.capital, transfer, at, at, proposalId, at);
  }
  store.stmt("UPDATE members SET status = 'removed' WHERE syndicate_id = ? AND id = ?").run(s.id, memberId);
  store.forgetMember(s.id, memberId);
  return { memberRemoved: memberId, payout: fmt(ctx, amount), withdrawal };
}
