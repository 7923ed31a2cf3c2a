import { ValidationError } from '../core/errors.js';
import type { MinorUnits } from '../core/money.js';
import type { EpochMs } from '../core/time.js';
import {
  CASH,
  credit,
  debit,
  memberAccount,
  type PostingLine,
  TAX_WITHHELD,
  UNDISTRIBUTED,
  UNREALISED,
} from './accounts.js';
import { fmt, type OpContext } from './context.js';
import { type DistributionMember, splitLoss, splitProfit } from './distribution.js';
import type { LedgerStore, SyndicateState } from './store.js';
import type { DistributionMethod } from './types.js';
import { rateFraction } from './views.js';

/**
 * A distribution assigns the realised result since the last distribution (the undistributed pool less
 * the marks of open allocations) to members. A profit is split by the chosen method into the members'
 * profit accounts, with tax withheld (and paid over through the tax_withheld clearing account) when
 * asked; a loss is charged to members in proportion to their equity, profit first. Either way the
 * period restarts at the distribution's time.
 */
export interface DistributeRequest {
  method: DistributionMethod;
  /** Part of a profit to distribute (default: all of the realised profit). */
  amount?: MinorUnits;
  withhold: boolean;
}

export interface DistributionLineView {
  member: string;
  jurisdiction: string;
  share: number;
  gross: string;
  tax: string;
  net: string;
  /** Withholding rate applied, as a fraction (illustrative table unless the syndicate set its own). */
  taxRate: number;
}

export interface DistributionView {
  id: string;
  kind: 'profit' | 'loss';
  method: DistributionMethod | 'equity';
  /** Amount distributed (a loss is shown as a positive amount of kind "loss"). */
  amount: string;
  tax: string;
  net: string;
  /** The distribution period: from the previous distribution (or creation) to this one. */
  period: { start: EpochMs; end: EpochMs };
  lines: DistributionLineView[];
  /** How leftover minor units of a split are assigned. */
  roundingRule: string;
}

export const ROUNDING_RULE =
  'largest remainder: each member gets the floor of their exact share; leftover minor units go one each to the largest fractional remainders, ties to the member who joined first';

/** The realised part of the undistributed pool: the pool less the marks of open allocations. */
export function realisedUndistributed(store: LedgerStore, syndicateId: string): MinorUnits {
  return store.balance(syndicateId, UNDISTRIBUTED) - store.balance(syndicateId, UNREALISED);
}

/** Each member's time-weighted capital and attributed performance over (start, end]. */
export function distributionMembers(
  store: LedgerStore,
  s: SyndicateState,
  start: EpochMs,
  end: EpochMs,
): DistributionMember[] {
  // Each capital account carries the integral of its balance up to its last change (tw_anchor); add the
  // current balance from then to the end of the period.
  const tw = store.timeWeightedCapital(s.id, end);
  const performance = new Map<string, number>();
  const perfRows = store
    .stmt(
      `SELECT originator, SUM(pnl) AS pnl FROM allocations
       WHERE syndicate_id = ? AND status = 'settled' AND settled_at > ? AND settled_at <= ? GROUP BY originator`,
    )
    .all(s.id, start, end) as { originator: string; pnl: number }[];
  for (const row of perfRows) performance.set(row.originator, row.pnl);
  const balances = store.memberBalances(s.id);
  return store
    .members(s.id)
    .filter((m) => m.status !== 'removed')
    .map((m) => ({
      id: m.id,
      jurisdiction: m.jurisdiction,
      timeWeightedCapital: Math.max(0, tw.get(m.id) ?? 0),
      capital: balances.get(m.id)?.capital ?? 0,
      performance: performance.get(m.id) ?? 0,
    }))
    .filter((m) => m.capital > 0 || m.timeWeightedCapital > 0);
}

export function distribute(ctx: OpContext, request: DistributeRequest): { distribution: DistributionView } {
  const { store, syndicate: s, at } = ctx;
  const realised = realisedUndistributed(store, s.id);
  const start = s.row.period_start;
  if (realised === 0) {
    throw new ValidationError(
      'distribute: the realised result since the last distribution is 0; nothing to distribute',
      {
        field: 'amount',
        hint: 'settle allocations first (marks of open allocations are not distributed)',
      },
    );
  }
  const id = `D${store.nextId(s.id, 'distribution')}`;
  let view: DistributionView;
  if (realised > 0) {
    const amount = request.amount ?? realised;
    if (amount > realised) {
      throw new ValidationError(
        `amount: ${fmt(ctx, amount)} is more than the realised profit available, ${fmt(ctx, realised)}`,
        { field: 'amount', hint: 'distribute at most the realised profit; nothing was written' },
      );
    }
    const members = distributionMembers(store, s, start, at);
    const split = splitProfit(amount, members, request.method, s.rules, request.withhold);
    ctx.warnings.push(...split.warnings);
    const tax = split.lines.reduce((sum, l) => sum + l.tax, 0);
    const freeCash = store.balance(s.id, CASH) - s.row.pending;
    if (tax > freeCash) {
      throw new ValidationError(
        `distribute: withholding ${fmt(ctx, tax)} needs that much free cash; the syndicate has ${fmt(ctx, freeCash)}`,
        { field: 'withhold', hint: 'settle open allocations first, or distribute without withholding' },
      );
    }
    const lines: PostingLine[] = [debit(UNDISTRIBUTED, amount)];
    for (const line of split.lines) lines.push(credit(memberAccount(line.member, 'profit'), line.net));
    lines.push(credit(TAX_WITHHELD, tax));
    ctx.post.transfer('distribution', lines, `distribution ${id}`);
    // Withheld tax is paid over to the tax authorities at once, so the clearing account returns to zero.
    ctx.post.transfer(
      'tax_remittance',
      [debit(TAX_WITHHELD, tax), credit(CASH, tax)],
      `tax withheld in ${id}`,
    );
    insertDistribution(ctx, id, 'profit', request.method, amount, tax, start);
    const insertLine = store.stmt(
      `INSERT INTO distribution_lines (syndicate_id, distribution_id, member, weight, gross, tax, net, rate_ppm, jurisdiction)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const l of split.lines)
      insertLine.run(s.id, id, l.member, l.share, l.gross, l.tax, l.net, l.ratePpm, l.jurisdiction);
    view = {
      id,
      kind: 'profit',
      method: request.method,
      amount: fmt(ctx, amount),
      tax: fmt(ctx, tax),
      net: fmt(ctx, amount - tax),
      period: { start, end: at },
      roundingRule: ROUNDING_RULE,
      lines: split.lines.map((l) => ({
        member: l.member,
        jurisdiction: l.jurisdiction,
        share: l.share,
        gross: fmt(ctx, l.gross),
        tax: fmt(ctx, l.tax),
        net: fmt(ctx, l.net),
        taxRate: rateFraction(l.ratePpm),
      })),
    };
  } else {
    if (request.amount !== undefined) {
      throw new ValidationError('amount: the period ended in a loss, which is always charged in full', {
        field: 'amount',
        hint: 'run distribute without an amount to charge the loss to members',
      });
    }
    const loss = -realised;
    const balances = store.memberBalances(s.id);
    const members = store
      .members(s.id)
      .map((m) => ({
        id: m.id,
        jurisdiction: m.jurisdiction,
        ...(balances.get(m.id) ?? { capital: 0, profit: 0, pending: 0 }),
      }))
      .filter((m) => m.capital + m.profit > 0);
    const shares = splitLoss(loss, members);
    const lines: PostingLine[] = [credit(UNDISTRIBUTED, loss)];
    for (const share of shares) {
      lines.push(debit(memberAccount(share.member, 'profit'), share.fromProfit));
      lines.push(debit(memberAccount(share.member, 'capital'), share.fromCapital));
    }
    ctx.post.transfer('loss_allocation', lines, `loss charged in ${id}`);
    insertDistribution(ctx, id, 'loss', 'equity', loss, 0, start);
    const insertLine = store.stmt(
      `INSERT INTO distribution_lines (syndicate_id, distribution_id, member, weight, gross, tax, net, rate_ppm, jurisdiction)
       VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?)`,
    );
    for (let i = 0; i < shares.length; i++) {
      insertLine.run(
        s.id,
        id,
        shares[i].member,
        shares[i].loss / loss,
        -shares[i].loss,
        -shares[i].loss,
        members[i].jurisdiction,
      );
    }
    ctx.warnings.push(
      `the period ended in a loss of ${fmt(ctx, loss)}: charged to members by equity (capital + profit), profit first`,
    );
    view = {
      id,
      kind: 'loss',
      method: 'equity',
      amount: fmt(ctx, loss),
      tax: fmt(ctx, 0),
      net: fmt(ctx, loss),
      period: { start, end: at },
      roundingRule: ROUNDING_RULE,
      lines: shares.map((sh, i) => ({
        member: sh.member,
        jurisdiction: members[i].jurisdiction,
        share: sh.loss / loss,
        gross: fmt(ctx, -sh.loss),
        tax: fmt(ctx, 0),
        net: fmt(ctx, -sh.loss),
        taxRate: 0,
      })),
    };
  }
  store.stmt('UPDATE syndicates SET period_start = ? WHERE id = ?').run(at, s.id);
  store.syndicateWritten(s.id, { period_start: at });
  // A new period: every capital account's integral restarts from now.
  ctx.post.resetPeriod();
  return { distribution: view };
}

function insertDistribution(
  ctx: OpContext,
  id: string,
  kind: 'profit' | 'loss',
  method: string,
  amount: MinorUnits,
  tax: MinorUnits,
  start: EpochMs,
): void {
  ctx.store
    .stmt(
      `INSERT INTO distributions (syndicate_id, id, op_key, at, kind, method, amount, tax, period_start, period_end)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(ctx.syndicate.id, id, ctx.key, ctx.at, kind, method, amount, tax, start, ctx.at);
}
