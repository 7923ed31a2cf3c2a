import { ValidationError } from '../core/errors.js';
import type { MinorUnits } from '../core/money.js';
import { type EpochMs, MS_PER_DAY } from '../core/time.js';
import { ALLOCATIONS, CASH, credit, debit, FEES, signedLine, UNDISTRIBUTED, UNREALISED } from './accounts.js';
import { canonicalJson } from './canonical.js';
import { fmt, type OpContext } from './context.js';
import { type SizingBook, type SizingResult, sizeAllocation } from './sizing.js';
import type { AllocationRow, LedgerStore, SyndicateState } from './store.js';
import type { AllocationMethod, Opportunity } from './types.js';
import { type AllocationView, allocationView } from './views.js';

/**
 * Allocations: money moved from cash to an opportunity (a bet or a trade) at cost, optionally marked
 * to market while open, and settled when the outcome is known. The result (returned - fees - cost)
 * goes to the undistributed pool; distributions assign it to members later.
 */

/** Exposure keys: allocations opened on a UTC day, and open allocations per sport, market and symbol. */
export function dayKey(at: EpochMs): string {
  return `day:${Math.floor(at / MS_PER_DAY)}`;
}

function openKeys(o: Pick<Opportunity, 'sport' | 'market' | 'symbol'>): string[] {
  const keys: string[] = [];
  if (o.sport) keys.push(`sport:${o.sport}`);
  if (o.market) keys.push(`market:${o.market}`);
  if (o.symbol) keys.push(`symbol:${o.symbol}`);
  return keys;
}

/** The figures of the book that sizing needs, at time `at` (each one a key lookup, not a scan). */
export function sizingBook(store: LedgerStore, s: SyndicateState, o: Opportunity, at: EpochMs): SizingBook {
  const day = dayKey(at);
  const exposures = store.exposures(s.id, [day, ...openKeys(o)]);
  const exposure = (key: string | false | undefined) => (key ? (exposures.get(key) ?? 0) : 0);
  return {
    bankroll: s.row.equity,
    freeCash: store.balance(s.id, CASH) - s.row.pending,
    capital: s.row.capital,
    undistributed: store.balance(s.id, UNDISTRIBUTED),
    allocatedToday: exposure(day),
    openInSport: exposure(o.sport && `sport:${o.sport}`),
    openInMarket: exposure(o.market && `market:${o.market}`),
    openInSymbol: exposure(o.symbol && `symbol:${o.symbol}`),
  };
}

export interface AllocationRequest {
  opportunity: Opportunity;
  method: AllocationMethod;
  /** A specific amount (must be within what the rules allow); default: the sized amount. */
  amount?: MinorUnits;
}

export interface AllocateResult {
  allocation: AllocationView;
  sizing: SizingView;
}

export interface SizingView {
  method: AllocationMethod;
  fraction: number;
  methodAmount: string;
  /** The method's amount within the rules. */
  allowed: string;
  boundBy: string;
  /** The most the bankroll rules allow for one allocation now, and the rule that sets it. */
  limit: string;
  limitRule: string;
  voteAbove: string;
  needsVote: boolean;
  stopLoss: boolean;
  limits: { rule: string; headroom: string }[];
  warnings: string[];
}

export function sizingView(s: SyndicateState, r: SizingResult): SizingView {
  const f = (v: number) => fmt({ syndicate: s }, v);
  return {
    method: r.method,
    fraction: r.fraction,
    methodAmount: f(r.methodAmount),
    allowed: f(r.amount),
    boundBy: r.boundBy,
    limit: f(r.limit),
    limitRule: r.limitRule,
    voteAbove: f(r.voteAbove),
    needsVote: r.needsVote,
    stopLoss: r.stopLoss,
    limits: r.limits.map((l) => ({ rule: l.rule, headroom: f(l.headroom) })),
    warnings: r.warnings,
  };
}

/**
 * Size and book an allocation. `proposalId` is set when an executed large_allocation vote books it;
 * that is the only way past the vote threshold. The originator is credited with its result in
 * performance-weighted distributions.
 */
export function allocate(
  ctx: OpContext,
  request: AllocationRequest,
  originator: string,
  proposalId: string | null = null,
): AllocateResult {
  const { store, syndicate: s, at } = ctx;
  const sizing = sizeAllocation(
    request.opportunity,
    request.method,
    s.rules,
    sizingBook(store, s, request.opportunity, at),
    s.ccy,
  );
  if (sizing.stopLoss) {
    throw new ValidationError(
      `allocation: refused by the stop-loss rule. ${sizing.warnings.at(-1) ?? ''}`.trim(),
      {
        field: 'opportunity',
        hint: 'distribute the loss, or change the stopLossFraction rule by vote',
      },
    );
  }
  const amount = request.amount ?? sizing.amount;
  if (request.amount !== undefined && request.amount > sizing.limit) {
    throw new ValidationError(
      `amount: ${fmt(ctx, request.amount)} is above what the rules allow for this opportunity now, ${fmt(ctx, sizing.limit)} (bound by ${sizing.limitRule})`,
      {
        field: 'amount',
        hint: 'allocate at most the allowed amount (see `npx neural-trader syndicate allocate --dry-run`); nothing was written',
      },
    );
  }
  if (request.amount !== undefined && request.amount > sizing.methodAmount) {
    ctx.warnings.push(
      `${fmt(ctx, request.amount)} is more than ${request.method} suggests (${fmt(ctx, sizing.methodAmount)}); within the rules, so booked as asked`,
    );
  }
  if (amount <= 0) {
    throw new ValidationError(
      `allocation: the rules allow nothing for this opportunity now (bound by ${sizing.boundBy})`,
      {
        field: 'opportunity',
        hint: sizing.warnings[0] ?? 'see the limits with `npx neural-trader syndicate allocate --dry-run`',
      },
    );
  }
  if (amount > sizing.voteAbove && proposalId === null) {
    throw new ValidationError(
      `allocation: ${fmt(ctx, amount)} is above the vote threshold of ${fmt(ctx, sizing.voteAbove)}; it needs an approved vote`,
      {
        field: 'amount',
        hint: 'propose it as a large_allocation (`npx neural-trader syndicate propose --type large_allocation`), or allocate less',
      },
    );
  }
  const id = `A${store.nextId(s.id, 'allocation')}`;
  const o = request.opportunity;
  // The row as stored (the view is built from it rather than read back).
  const row: AllocationRow = {
    syndicate_id: s.id,
    id,
    op_key: ctx.key,
    originator,
    kind: o.kind,
    reference: o.reference ?? null,
    sport: o.sport ?? null,
    market: o.market ?? null,
    symbol: o.symbol ?? null,
    opportunity: canonicalJson(o),
    method: request.method,
    amount,
    bound_by:
      request.amount !== undefined && request.amount !== sizing.amount ? 'requested_amount' : sizing.boundBy,
    proposal_id: proposalId,
    status: 'open',
    opened_at: at,
    mark: 0,
    settled_at: null,
    returned: null,
    fees: null,
    pnl: null,
  };
  store
    .stmt(
      `INSERT INTO allocations (syndicate_id, id, op_key, originator, kind, reference, sport, market, symbol,
         opportunity, method, amount, bound_by, proposal_id, status, opened_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
    )
    .run(
      row.syndicate_id,
      row.id,
      row.op_key,
      row.originator,
      row.kind,
      row.reference,
      row.sport,
      row.market,
      row.symbol,
      row.opportunity,
      row.method,
      row.amount,
      row.bound_by,
      row.proposal_id,
      row.opened_at,
    );
  ctx.post.transfer('allocation', [debit(ALLOCATIONS, amount), credit(CASH, amount)], `opens ${id}`);
  store.addExposures(s.id, [dayKey(at), ...openKeys(o)], amount);
  ctx.warnings.push(...sizing.warnings);
  return { allocation: allocationView(s.ccy, row), sizing: sizingView(s, sizing) };
}

function openAllocation(ctx: OpContext, id: string) {
  const a = ctx.store.allocation(ctx.syndicate.id, id);
  if (a.status !== 'open') {
    throw new ValidationError(`allocation: ${id} was already settled`, {
      field: 'allocationId',
      hint: 'a settlement is final; book a correction as a new allocation if needed',
    });
  }
  return a;
}

export interface AllocationResult {
  allocation: AllocationView;
}

/** Mark an open allocation to market: its unrealised P&L becomes `mark` (not below minus its cost). */
export function markAllocation(ctx: OpContext, id: string, mark: MinorUnits): AllocationResult {
  const a = openAllocation(ctx, id);
  if (mark < -a.amount) {
    throw new ValidationError(
      `unrealised: ${fmt(ctx, mark)} would value ${id} below zero (cost ${fmt(ctx, a.amount)})`,
      {
        field: 'unrealised',
      },
    );
  }
  const change = mark - a.mark;
  ctx.post.transfer(
    'mark',
    [signedLine(UNREALISED, change, 'asset'), signedLine(UNDISTRIBUTED, change, 'pool')],
    `marks ${id} at ${fmt(ctx, mark)}`,
  );
  ctx.store
    .stmt('UPDATE allocations SET mark = ? WHERE syndicate_id = ? AND id = ?')
    .run(mark, ctx.syndicate.id, id);
  return { allocation: allocationView(ctx.syndicate.ccy, { ...a, mark }) };
}

/**
 * Settle an open allocation: `returned` is everything the bookmaker or broker paid back (stake
 * included; 0 for a lost bet), `fees` what they charged. Any mark is reversed first.
 */
export function settleAllocation(
  ctx: OpContext,
  id: string,
  returned: MinorUnits,
  fees: MinorUnits,
): AllocationResult {
  const a = openAllocation(ctx, id);
  const freeCash = ctx.store.balance(ctx.syndicate.id, CASH) - ctx.syndicate.row.pending;
  if (fees > freeCash + returned) {
    throw new ValidationError(`fees: ${fmt(ctx, fees)} is more than the free cash the syndicate would hold`, {
      field: 'fees',
    });
  }
  if (a.mark !== 0) {
    ctx.post.transfer(
      'unmark',
      [signedLine(UNREALISED, -a.mark, 'asset'), signedLine(UNDISTRIBUTED, -a.mark, 'pool')],
      `reverses the mark of ${id}`,
    );
  }
  const pnl = returned - fees - a.amount;
  ctx.post.transfer(
    'settlement',
    [
      debit(CASH, returned),
      credit(ALLOCATIONS, a.amount),
      signedLine(UNDISTRIBUTED, returned - a.amount, 'pool'),
    ],
    `settles ${id}`,
  );
  if (fees > 0) {
    // Fees pass through the clearing account: charged to the pool, paid out of cash.
    ctx.post.transfer(
      'fee',
      [debit(UNDISTRIBUTED, fees), credit(FEES, fees), debit(FEES, fees), credit(CASH, fees)],
      `fees on ${id}`,
    );
  }
  ctx.store
    .stmt(
      `UPDATE allocations SET status = 'settled', settled_at = ?, returned = ?, fees = ?, pnl = ?, mark = 0
       WHERE syndicate_id = ? AND id = ?`,
    )
    .run(ctx.at, returned, fees, pnl, ctx.syndicate.id, id);
  ctx.store.addExposures(
    ctx.syndicate.id,
    openKeys({ sport: a.sport ?? undefined, market: a.market ?? undefined, symbol: a.symbol ?? undefined }),
    -a.amount,
  );
  if (pnl < 0)
    ctx.warnings.push(
      `${id} lost ${fmt(ctx, -pnl)}; the loss is in the undistributed pool until the next distribution`,
    );
  const settled: AllocationRow = {
    ...a,
    status: 'settled',
    settled_at: ctx.at,
    returned,
    fees,
    pnl,
    mark: 0,
  };
  return { allocation: allocationView(ctx.syndicate.ccy, settled) };
}
