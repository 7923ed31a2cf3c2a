import { z } from 'zod';
import { NeuralTraderError } from '../../core/errors.js';
import type { SyndicateLedger } from '../../syndicate/index.js';
import { enumArg } from '../args.js';
import {
  type AnyToolSpec,
  defineTool,
  type McpRuntime,
  READ_ONLY,
  type ToolData,
  type ToolHints,
  type ToolSpec,
} from '../tool.js';

/**
 * The `syndicate` toolset: pooled funds in the exact double-entry ledger of src/syndicate, in
 * NEURAL_TRADER_HOME/syndicate.sqlite (shared with the CLI). Every tool acts as an identified member
 * (`acting_member`), checked against the syndicate's permission table; every write carries an
 * `idempotency_key`, so a retried call is applied once and returns the original result. Money is exact
 * decimal text in the syndicate's currency ("1234.50"); amounts may be given as text or numbers with
 * no more decimals than the currency has.
 */

/** One ledger per server process, opened on first use and closed with the server. */
function ledger(runtime: McpRuntime): Promise<SyndicateLedger> {
  return runtime.service('syndicate-ledger', async () => {
    const { SyndicateLedger } = await import('../../syndicate/index.js');
    return SyndicateLedger.open(runtime.config.home);
  });
}

const snake = (key: string) =>
  /^[a-z][A-Za-z0-9]*$/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key;
const camel = (key: string) =>
  /^[a-z][a-z0-9_]*$/.test(key) ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key;

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, rename));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[rename(key)] = mapKeys(inner, rename);
    return out;
  }
  return value;
}

/** Library result -> tool data (registration turns it into snake_case with ISO dates, as every tool). */
function out(value: object): ToolData {
  return value as ToolData;
}

const ARGUMENT_NAMES: Readonly<Record<string, string>> = { actor: 'acting_member', key: 'idempotency_key' };

/**
 * A library error as the tool's caller needs it: named by the tool's argument (acting_member, not the
 * library's actor; kelly_fraction, not kellyFraction), once.
 */
function asToolError(error: unknown): unknown {
  if (!(error instanceof NeuralTraderError)) return error;
  const argument = (name: string) => ARGUMENT_NAMES[name] ?? name.split('.').map(snake).join('.');
  const prefix = /^([A-Za-z][\w.]*): /.exec(error.message);
  const message = prefix
    ? `${argument(prefix[1])}${error.message.slice(prefix[1].length)}`
    : error.field
      ? `${argument(error.field)}: ${error.message}`
      : error.message;
  return new NeuralTraderError(error.code, message, { hint: error.hint, cause: error });
}

/** defineTool for this toolset: library errors are renamed to the tool's arguments. */
function syndicateTool<Input extends z.ZodRawShape>(spec: ToolSpec<Input>): AnyToolSpec {
  return defineTool({
    ...spec,
    async run(args, context) {
      try {
        return await spec.run(args, context);
      } catch (error) {
        throw asToolError(error);
      }
    },
  });
}

/** Tool arguments (snake_case) -> library input (camelCase), for nested objects such as rules. */
function toLibrary<T>(value: unknown): T {
  return mapKeys(value, camel) as T;
}

const syndicateId = z.string().describe('Syndicate id, e.g. "weekend-club"');
const actingMember = z
  .string()
  .describe('Id of the member acting; the call is refused if their role may not do it');
const idempotencyKey = z
  .string()
  .describe('Client-chosen key for this operation; retrying with the same key and arguments is applied once');
const at = z
  .string()
  .optional()
  .describe('When it happens, ISO 8601 (default now; never before the latest operation)');
const moneyArg = (description: string) => z.union([z.string(), z.number()]).describe(description);
const jsonObject = z.record(z.string(), z.unknown());

const opportunityArg = z
  .strictObject({
    kind: z.enum(['bet', 'trade']).describe('bet or trade'),
    sport: z.string().optional().describe('Bet: sport (concentration rule per sport)'),
    market: z.string().optional().describe('Bet: market, e.g. "EPL:ARS-CHE:1X2"'),
    decimal_odds: z.number().optional().describe('Bet: decimal odds (stake included), > 1'),
    win_probability: z.number().optional().describe('Bet: estimated win probability, in (0, 1)'),
    symbol: z.string().optional().describe('Trade: symbol'),
    expected_return: z
      .number()
      .optional()
      .describe('Trade: expected return over the holding period (0.02 = 2%)'),
    volatility: z.number().optional().describe('Trade: volatility over the holding period, > 0'),
    confidence: z.number().optional().describe('Confidence in [0, 1] (confidence-tier method)'),
    reference: z.string().optional().describe('Id of the bet or order in the system that places it'),
    description: z.string().optional(),
  })
  .describe(
    'What the money goes to: a bet (market, decimal_odds, win_probability) or a trade (symbol, expected_return, volatility)',
  );

const methodArg = z
  .enum(['kelly', 'fixed', 'confidence', 'risk_parity'])
  .optional()
  .describe('Sizing method (default: the syndicate rule allocationMethod)');

const operationShape = z
  .object({
    key: z.string(),
    kind: z.string(),
    actor: z.string(),
    applied_at: z.string(),
    audit_seq: z.number(),
    replayed: z
      .boolean()
      .describe('true when this call repeated an operation already applied with the same key'),
  })
  .describe('The operation as recorded in the ledger and the audit log');
const record = z.record(z.string(), z.unknown());
const writeOutput = { operation: operationShape, warnings: z.array(z.string()) };

const WRITE: ToolHints = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
/** Moves pooled money (allocations, payouts): clients should confirm. Idempotent by key. */
const MOVES_MONEY: ToolHints = { ...WRITE, destructiveHint: true };

const base = (args: {
  syndicate_id: string;
  acting_member: string;
  idempotency_key: string;
  at?: string;
}) => ({
  syndicateId: args.syndicate_id,
  actor: args.acting_member,
  key: args.idempotency_key,
  at: args.at,
});

const reader = (args: { syndicate_id: string; acting_member: string }) => ({
  syndicateId: args.syndicate_id,
  actor: args.acting_member,
});

const createSyndicate = syndicateTool({
  name: 'create_syndicate',
  title: 'Create a syndicate',
  description:
    'Create a syndicate (pooled funds with an exact double-entry ledger); the acting member becomes its lead. ' +
    'Rules override the defaults (sizing, bankroll limits, distributions, withdrawals, votes), in snake_case, ' +
    'e.g. {"kelly_fraction": 0.5, "lockup_days": 0}.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember.describe('Id of the founding lead'),
    idempotency_key: idempotencyKey,
    name: z.string().optional().describe('Display name'),
    currency: z.string().optional().describe('ISO currency code of the ledger (default USD)'),
    jurisdiction: z.string().optional().describe("The lead's tax jurisdiction (default NONE)"),
    rules: jsonObject.optional().describe('Overrides of the default rules'),
    at,
  },
  output: { syndicate: record, lead: record, ...writeOutput },
  hints: WRITE,
  async run(args, { runtime }) {
    const l = await ledger(runtime);
    return out(
      l.createSyndicate({
        ...base(args),
        name: args.name,
        currency: args.currency,
        jurisdiction: args.jurisdiction,
        rules: args.rules === undefined ? undefined : toLibrary(args.rules),
      }),
    );
  },
});

const addSyndicateMember = syndicateTool({
  name: 'add_syndicate_member',
  title: 'Add a syndicate member',
  description:
    'Add a member with a role (lead, senior_analyst, junior_analyst, contributing_member, observer) and an optional ' +
    'initial contribution booked to their capital. A lead may add any role, a senior analyst only roles below their own.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    idempotency_key: idempotencyKey,
    member_id: z.string().describe('Id of the new member'),
    name: z.string().optional(),
    role: z.string().optional().describe('Default contributing_member'),
    jurisdiction: z
      .string()
      .optional()
      .describe('Tax jurisdiction code for withholding, e.g. US, GB (default NONE)'),
    initial_contribution: moneyArg('First deposit, e.g. "1000.00"').optional(),
    at,
  },
  output: { member: record, initial_contribution: z.string().nullable(), ...writeOutput },
  hints: WRITE,
  async run(args, { runtime }) {
    const l = await ledger(runtime);
    return out(
      l.addMember({
        ...base(args),
        member: { id: args.member_id, name: args.name, role: args.role, jurisdiction: args.jurisdiction },
        initialContribution: args.initial_contribution,
      }),
    );
  },
});

const depositSyndicateFunds = syndicateTool({
  name: 'deposit_syndicate_funds',
  title: 'Deposit into a syndicate',
  description: "Pay money into the acting member's capital.",
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    idempotency_key: idempotencyKey,
    amount: moneyArg('Amount, e.g. "1000.00"'),
    at,
  },
  output: { member: z.string(), amount: z.string(), capital: z.string(), ...writeOutput },
  hints: WRITE,
  async run(args, { runtime }) {
    return out((await ledger(runtime)).deposit({ ...base(args), amount: args.amount }));
  },
});

const getSyndicateStatus = syndicateTool({
  name: 'get_syndicate_status',
  title: 'Syndicate status',
  description:
    'Balances (bankroll, cash, free cash, open allocations, undistributed result, pending withdrawals, fees, tax withheld), ' +
    'members with role, tier, capital, profit and share, the audit head and the rules.',
  toolset: 'syndicate',
  input: { syndicate_id: syndicateId, acting_member: actingMember },
  output: {
    syndicate: record,
    balances: record,
    members: z.array(record),
    counts: record,
    audit: record,
    rules: record,
    assumptions: record,
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    return out((await ledger(runtime)).status(reader(args)));
  },
});

const allocateSyndicateFunds = syndicateTool({
  name: 'allocate_syndicate_funds',
  title: 'Allocate syndicate funds',
  description:
    'Size an opportunity (fractional Kelly, fixed, confidence tiers or risk parity) within the bankroll rules (max per ' +
    'allocation, daily exposure, concentration per sport/market/symbol, cash reserve, stop-loss) and book it. Returns ' +
    'the amount, the rule that bound it and warnings. With amount, that amount is booked only if the rules allow it; ' +
    'above the vote threshold it needs a large_allocation vote (create_syndicate_vote). Simulate first with ' +
    'simulate_syndicate_allocation.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    idempotency_key: idempotencyKey,
    opportunity: opportunityArg,
    method: methodArg,
    amount: moneyArg('Allocate exactly this (must be within the rules)').optional(),
    at,
  },
  output: { allocation: record, sizing: record, ...writeOutput },
  hints: MOVES_MONEY,
  async run(args, { runtime }) {
    return out(
      (await ledger(runtime)).allocate({
        ...base(args),
        opportunity: toLibrary(args.opportunity),
        method: args.method,
        amount: args.amount,
      }),
    );
  },
});

const settleSyndicateAllocation = syndicateTool({
  name: 'settle_syndicate_allocation',
  title: 'Settle a syndicate allocation',
  description:
    'Book the outcome of an open allocation: returned = everything paid back, stake included (0 for a lost bet), fees = ' +
    'what the bookmaker or broker charged. The result goes to the undistributed pool.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    idempotency_key: idempotencyKey,
    allocation_id: z.string().describe('e.g. "A1"'),
    returned: moneyArg('Paid back, stake included'),
    fees: moneyArg('Fees charged (default 0)').optional(),
    at,
  },
  output: { allocation: record, ...writeOutput },
  hints: MOVES_MONEY,
  async run(args, { runtime }) {
    return out(
      (await ledger(runtime)).settleAllocation({
        ...base(args),
        allocationId: args.allocation_id,
        returned: args.returned,
        fees: args.fees,
      }),
    );
  },
});

const distributeSyndicateProfits = syndicateTool({
  name: 'distribute_syndicate_profits',
  title: 'Distribute syndicate profits',
  description:
    'Distribute the realised result since the last distribution to members: by time-weighted capital, performance ' +
    '(P&L of allocations they originated), contribution tier, equally, or hybrid (default 50% capital / 30% performance / ' +
    '20% equal). Totals are exact to the minor unit (largest remainder, ties to the member who joined first). Optional tax ' +
    'withholding by member jurisdiction (illustrative rates). A loss is charged to members by equity.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    idempotency_key: idempotencyKey,
    method: z.enum(['capital', 'performance', 'tiered', 'hybrid', 'equal']).optional(),
    amount: moneyArg('Distribute only part of a profit (default all of it)').optional(),
    withhold: z.boolean().optional().describe('Withhold tax by jurisdiction (default: the syndicate rule)'),
    at,
  },
  output: { distribution: record, ...writeOutput },
  hints: MOVES_MONEY,
  async run(args, { runtime }) {
    return out(
      (await ledger(runtime)).distribute({
        ...base(args),
        method: args.method,
        amount: args.amount,
        withhold: args.withhold,
      }),
    );
  },
});

const processSyndicateWithdrawal = syndicateTool({
  name: 'process_syndicate_withdrawal',
  title: 'Syndicate withdrawal',
  description:
    'Withdrawal flow. request: earmark amount from your balance (lock-up and notice period apply; emergency skips them ' +
    'with a penalty shared by the other members). approve/reject: a lead or senior analyst other than the requester. ' +
    'cancel: the requester. process: pay an approved request after its notice period.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    idempotency_key: idempotencyKey,
    action: enumArg(['request', 'approve', 'reject', 'cancel', 'process'] as const, 'What to do'),
    amount: moneyArg('request: the amount').optional(),
    emergency: z.boolean().optional().describe('request: emergency withdrawal (penalty applies)'),
    withdrawal_id: z.string().optional().describe('approve/reject/cancel/process: the request, e.g. "W1"'),
    at,
  },
  output: { withdrawal: record, ...writeOutput },
  hints: MOVES_MONEY,
  async run(args, { runtime }) {
    const l = await ledger(runtime);
    const { ValidationError } = await import('../../core/errors.js');
    if (args.action === 'request') {
      if (args.amount === undefined)
        throw new ValidationError('amount: required to request a withdrawal', { field: 'amount' });
      return out(l.requestWithdrawal({ ...base(args), amount: args.amount, emergency: args.emergency }));
    }
    if (args.withdrawal_id === undefined) {
      throw new ValidationError(`withdrawal_id: required to ${args.action} a withdrawal`, {
        field: 'withdrawal_id',
      });
    }
    const input = { ...base(args), withdrawalId: args.withdrawal_id };
    switch (args.action) {
      case 'approve':
        return out(l.approveWithdrawal(input));
      case 'reject':
        return out(l.rejectWithdrawal(input));
      case 'cancel':
        return out(l.cancelWithdrawal(input));
      default:
        return out(l.processWithdrawal(input));
    }
  },
});

const getSyndicateMemberPerformance = syndicateTool({
  name: 'get_syndicate_member_performance',
  title: 'Syndicate member performance',
  description:
    'Per member: deposited, withdrawn, profit received, tax withheld, losses charged, equity, return on deposits, and the ' +
    'record (count, staked, realised P&L, ROI) of the allocations they originated.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    member_id: z.string().optional().describe('One member (default all)'),
  },
  output: { members: z.array(record) },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    return out({
      members: (await ledger(runtime)).memberPerformance({ ...reader(args), member: args.member_id }),
    });
  },
});

const createSyndicateVote = syndicateTool({
  name: 'create_syndicate_vote',
  title: 'Propose a syndicate vote',
  description:
    'Propose a change: strategy_change / change_rules (changes: rules in snake_case), large_allocation (opportunity, ' +
    'amount, method), add_member (member), remove_member (member_id: their equity is earmarked for payout). Votes are ' +
    'weighted by capital, performance or one member one vote; the electorate is fixed now. It passes when yes weight ' +
    'exceeds threshold x electorate weight (with quorum), and is then applied in the same transaction as that vote.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    idempotency_key: idempotencyKey,
    kind: enumArg(
      ['strategy_change', 'large_allocation', 'add_member', 'remove_member', 'change_rules'] as const,
      'Proposal kind',
    ),
    changes: jsonObject
      .optional()
      .describe('strategy_change/change_rules: rules to change, e.g. {"kelly_fraction": 0.5}'),
    opportunity: opportunityArg.optional(),
    amount: moneyArg('large_allocation: the amount').optional(),
    method: methodArg,
    member: z
      .strictObject({
        id: z.string(),
        name: z.string().optional(),
        role: z.string().optional(),
        jurisdiction: z.string().optional(),
      })
      .optional()
      .describe('add_member: the member to add'),
    member_id: z.string().optional().describe('remove_member: the member to remove'),
    weighting: z.enum(['capital', 'performance', 'equal']).optional(),
    quorum: z
      .number()
      .optional()
      .describe('Share of the electorate weight that must vote (default: the rules)'),
    threshold: z
      .number()
      .optional()
      .describe('Yes weight needed as a share of the electorate weight, >= 0.5'),
    expires_at: z
      .string()
      .optional()
      .describe('When voting closes, ISO 8601 (default now + the proposal TTL)'),
    description: z.string().optional(),
    at,
  },
  output: { proposal: record, electorate: z.array(record), ...writeOutput },
  hints: WRITE,
  async run(args, { runtime }) {
    return out(
      (await ledger(runtime)).propose({
        ...base(args),
        kind: args.kind,
        changes: args.changes === undefined ? undefined : toLibrary(args.changes),
        opportunity: args.opportunity === undefined ? undefined : toLibrary(args.opportunity),
        amount: args.amount,
        method: args.method,
        member: args.member,
        memberId: args.member_id,
        weighting: args.weighting,
        quorum: args.quorum,
        threshold: args.threshold,
        expiresAt: args.expires_at,
        description: args.description,
      }),
    );
  },
});

const castSyndicateVote = syndicateTool({
  name: 'cast_syndicate_vote',
  title: 'Vote on a syndicate proposal',
  description:
    'Vote yes, no or abstain on an open proposal (once per member, before it expires). The vote that passes a proposal ' +
    'also applies it; the result says what was executed.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    idempotency_key: idempotencyKey,
    proposal_id: z.string().describe('e.g. "P1"'),
    choice: enumArg(['yes', 'no', 'abstain'] as const, 'The vote'),
    at,
  },
  output: { proposal: record, vote: record, execution: record.nullable(), ...writeOutput },
  hints: MOVES_MONEY,
  async run(args, { runtime }) {
    return out(
      (await ledger(runtime)).vote({ ...base(args), proposalId: args.proposal_id, choice: args.choice }),
    );
  },
});

const getSyndicateAllocationLimits = syndicateTool({
  name: 'get_syndicate_allocation_limits',
  title: 'Syndicate allocation limits',
  description:
    'The bankroll rules as amounts now: bankroll, free cash, cash reserve, max per allocation, vote threshold, daily ' +
    'exposure used and left, open concentrations per sport/market/symbol, stop-loss state; with an opportunity, its sizing.',
  toolset: 'syndicate',
  input: { syndicate_id: syndicateId, acting_member: actingMember, opportunity: opportunityArg.optional() },
  output: {
    bankroll: z.string(),
    free_cash: z.string(),
    max_per_allocation: z.string(),
    vote_above: z.string(),
    open_concentrations: z.array(record),
    stop_loss: record,
    opportunity: record.nullable(),
    rules: record,
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    return out(
      (await ledger(runtime)).allocationLimits({
        ...reader(args),
        opportunity: args.opportunity === undefined ? undefined : toLibrary(args.opportunity),
      }),
    );
  },
});

const simulateSyndicateAllocation = syndicateTool({
  name: 'simulate_syndicate_allocation',
  title: 'Simulate a syndicate allocation',
  description:
    'What allocate_syndicate_funds would do, without writing: the sizing under every method side by side, every limit ' +
    'with its headroom, the rule that binds, and whether a given amount would be accepted (and why not).',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    opportunity: opportunityArg,
    method: methodArg,
    amount: moneyArg('Check this amount against the rules').optional(),
  },
  output: { opportunity: record, chosen: record, by_method: z.array(record), requested: record.nullable() },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    return out(
      (await ledger(runtime)).simulateAllocation({
        ...reader(args),
        opportunity: toLibrary(args.opportunity),
        method: args.method,
        amount: args.amount,
      }),
    );
  },
});

const getSyndicateProfitHistory = syndicateTool({
  name: 'get_syndicate_profit_history',
  title: 'Syndicate profit history',
  description:
    'Every distribution (profit or loss, method, amount, tax, period) and every settled allocation with its P&L.',
  toolset: 'syndicate',
  input: { syndicate_id: syndicateId, acting_member: actingMember },
  output: { distributions: z.array(record), settlements: z.array(record), totals: record },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    return out((await ledger(runtime)).profitHistory(reader(args)));
  },
});

const calculateSyndicateTaxLiability = syndicateTool({
  name: 'calculate_syndicate_tax_liability',
  title: 'Syndicate tax liability',
  description:
    "Estimated tax on each member's distributed profit (in a calendar year, or ever) at their jurisdiction's rate, " +
    'against what was withheld. ILLUSTRATIVE rates (the syndicate may set its own), not tax advice.',
  toolset: 'syndicate',
  input: {
    syndicate_id: syndicateId,
    acting_member: actingMember,
    member_id: z.string().optional(),
    year: z.number().int().optional().describe('Calendar year, e.g. 2025 (default: all time)'),
  },
  output: { year: z.number().nullable(), members: z.array(record), totals: record, disclaimer: z.string() },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    return out(
      (await ledger(runtime)).taxLiability({ ...reader(args), member: args.member_id, year: args.year }),
    );
  },
});

const verifySyndicateAudit = syndicateTool({
  name: 'verify_syndicate_audit',
  title: 'Verify a syndicate audit log',
  description:
    "Check the audit log's hash chain (SHA-256, each entry over the previous hash) and recompute the ledger from its " +
    'postings (balances, debits = credits, assets = members\u2019 equity). Names the first entry that fails.',
  toolset: 'syndicate',
  input: { syndicate_id: syndicateId },
  output: { ok: z.boolean(), syndicate_id: z.string(), audit: record, ledger: record },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    return out((await ledger(runtime)).verify({ syndicateId: args.syndicate_id }));
  },
});

export const syndicateTools: readonly AnyToolSpec[] = [
  createSyndicate,
  addSyndicateMember,
  depositSyndicateFunds,
  getSyndicateStatus,
  allocateSyndicateFunds,
  settleSyndicateAllocation,
  distributeSyndicateProfits,
  processSyndicateWithdrawal,
  getSyndicateMemberPerformance,
  createSyndicateVote,
  castSyndicateVote,
  getSyndicateAllocationLimits,
  simulateSyndicateAllocation,
  getSyndicateProfitHistory,
  calculateSyndicateTaxLiability,
  verifySyndicateAudit,
];
