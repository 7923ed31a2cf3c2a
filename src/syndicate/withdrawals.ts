import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { type MinorUnits, splitByWeights } from '../core/money.js';
import { MS_PER_DAY } from '../core/time.js';
import { CASH, credit, debit, memberAccount, type PostingLine, UNDISTRIBUTED } from './accounts.js';
import { fmt, iso, type OpContext } from './context.js';
import { permissionDenied, roleAllows } from './permissions.js';
import { floorUnits } from './sizing.js';
import type { MemberRow, WithdrawalRow } from './store.js';
import { type WithdrawalView, withdrawalView } from './views.js';

/**
 * Withdrawals. A request earmarks the amount at once: it leaves the member's profit (first) and
 * capital for their pending-withdrawal account, so it no longer shares in results, and it must be
 * backed by free cash (cash not already earmarked), so an accepted request can always be paid.
 * Ordinary requests respect the lock-up (days after the member's first deposit) and are paid after the
 * notice period; emergency requests skip both and pay a penalty that is shared among the other members
 * in proportion to their capital. Requests above the approval threshold wait for a lead or senior
 * analyst other than the requester (four eyes). Rejecting or cancelling books a reversing transfer;
 * payment and penalty are one transfer.
 */
export interface WithdrawalResult {
  withdrawal: WithdrawalView;
}

function view(ctx: OpContext, id: string): WithdrawalResult {
  return { withdrawal: withdrawalView(ctx.syndicate.ccy, ctx.store.withdrawal(ctx.syndicate.id, id)) };
}

export function requestWithdrawal(ctx: OpContext, amount: MinorUnits, emergency: boolean): WithdrawalResult {
  const { store, syndicate, actor, at } = ctx;
  const rules = syndicate.rules;
  const balances = store.memberBalance(syndicate.id, actor.id);
  const available = balances.capital + balances.profit;
  if (amount > available) {
    throw new ValidationError(
      `amount: ${fmt(ctx, amount)} is beyond ${actor.id}'s balance of ${fmt(ctx, available)} (capital ${fmt(ctx, balances.capital)} + profit ${fmt(ctx, balances.profit)})`,
      { field: 'amount', hint: 'request at most the available balance; nothing was written' },
    );
  }
  if (!emergency && actor.first_deposit_at !== null) {
    const lockupEnds = actor.first_deposit_at + rules.lockupDays * MS_PER_DAY;
    if (at < lockupEnds) {
      throw new ValidationError(
        `withdrawal: ${actor.id} is inside the ${rules.lockupDays}-day lock-up until ${iso(lockupEnds)}`,
        {
          field: 'at',
          hint: 'wait for the lock-up to end, or make an emergency withdrawal (with its penalty)',
        },
      );
    }
  }
  const equity = syndicate.row.equity;
  const maxRequest = floorUnits(rules.maxWithdrawalFraction * equity);
  if (amount > maxRequest) {
    throw new ValidationError(
      `amount: ${fmt(ctx, amount)} is above the largest request allowed, ${fmt(ctx, maxRequest)} (${(rules.maxWithdrawalFraction * 100).toFixed(1)}% of the syndicate's equity)`,
      { field: 'amount', hint: 'request less now and the rest later; nothing was written' },
    );
  }
  const freeCash = store.balance(syndicate.id, CASH) - syndicate.row.pending;
  if (amount > freeCash) {
    throw new ValidationError(
      `amount: ${fmt(ctx, amount)} is more than the syndicate's free cash, ${fmt(ctx, freeCash)} (the rest is in open allocations or earmarked for other withdrawals)`,
      { field: 'amount', hint: 'request less, or wait until open allocations settle; nothing was written' },
    );
  }
  const fromProfit = Math.min(amount, balances.profit);
  const fromCapital = amount - fromProfit;
  const transfer = ctx.post.transfer('withdrawal_request', [
    debit(memberAccount(actor.id, 'profit'), fromProfit),
    debit(memberAccount(actor.id, 'capital'), fromCapital),
    credit(memberAccount(actor.id, 'pending'), amount),
  ]);
  const needsApproval = amount > floorUnits(rules.withdrawalApprovalAboveFraction * equity);
  const penalty = emergency ? floorUnits(amount * rules.emergencyPenaltyFraction) : 0;
  const id = `W${store.nextId(syndicate.id, 'withdrawal')}`;
  store
    .stmt(
      `INSERT INTO withdrawals (syndicate_id, id, member, amount, from_profit, from_capital, emergency, penalty,
         earmark_transfer, status, requested_at, available_at, decided_by, decided_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      syndicate.id,
      id,
      actor.id,
      amount,
      fromProfit,
      fromCapital,
      emergency ? 1 : 0,
      penalty,
      transfer,
      needsApproval ? 'requested' : 'approved',
      at,
      emergency ? at : at + rules.noticeDays * MS_PER_DAY,
      needsApproval ? null : 'rules',
      needsApproval ? null : at,
    );
  if (needsApproval) {
    ctx.warnings.push(
      `${id} is above the approval threshold: a lead or senior analyst other than ${actor.id} must approve it`,
    );
  }
  if (emergency) {
    ctx.warnings.push(
      `emergency withdrawal: ${fmt(ctx, penalty)} penalty goes to the other members when it is paid`,
    );
  }
  return view(ctx, id);
}

function approvers(ctx: OpContext, except: string): MemberRow[] {
  return ctx.store
    .members(ctx.syndicate.id)
    .filter((m) => m.id !== except && m.status === 'active' && roleAllows(m.role, 'approve_withdrawal'));
}

function openRequest(ctx: OpContext, id: string, allowed: readonly WithdrawalRow['status'][]): WithdrawalRow {
  const w = ctx.store.withdrawal(ctx.syndicate.id, id);
  if (!allowed.includes(w.status)) {
    throw new ValidationError(
      `withdrawal: ${id} is ${w.status}; this needs a request that is ${allowed.join(' or ')}`,
      {
        field: 'withdrawalId',
      },
    );
  }
  return w;
}

/** Approve or reject a request awaiting approval (not one's own while another approver exists). */
export function decideWithdrawal(ctx: OpContext, id: string, approve: boolean): WithdrawalResult {
  const w = openRequest(ctx, id, ['requested']);
  if (w.member === ctx.actor.id) {
    if (approvers(ctx, w.member).length > 0) {
      throw new NeuralTraderError(
        'AUTH',
        `member "${ctx.actor.id}" may not decide their own withdrawal ${id}`,
        {
          field: 'actor',
          hint: `ask ${approvers(ctx, w.member)
            .map((m) => m.id)
            .join(' or ')}; nothing was written`,
        },
      );
    }
    ctx.warnings.push(
      `${ctx.actor.id} decided their own request: no other active lead or senior analyst exists`,
    );
  }
  if (!approve) reverseEarmark(ctx, w);
  ctx.store
    .stmt(
      'UPDATE withdrawals SET status = ?, decided_by = ?, decided_at = ? WHERE syndicate_id = ? AND id = ?',
    )
    .run(approve ? 'approved' : 'rejected', ctx.actor.id, ctx.at, ctx.syndicate.id, id);
  return view(ctx, id);
}

/** The requester takes back a request that has not been paid. */
export function cancelWithdrawal(ctx: OpContext, id: string): WithdrawalResult {
  const w = openRequest(ctx, id, ['requested', 'approved']);
  if (w.member !== ctx.actor.id) {
    throw new NeuralTraderError(
      'AUTH',
      `member "${ctx.actor.id}" may not cancel ${w.member}'s withdrawal ${id}`,
      {
        field: 'actor',
        hint: 'only the requester cancels; approvers reject instead',
      },
    );
  }
  reverseEarmark(ctx, w);
  ctx.store
    .stmt("UPDATE withdrawals SET status = 'cancelled', decided_at = ? WHERE syndicate_id = ? AND id = ?")
    .run(ctx.at, ctx.syndicate.id, id);
  return view(ctx, id);
}

function reverseEarmark(ctx: OpContext, w: WithdrawalRow): void {
  ctx.post.transfer(
    'withdrawal_reversal',
    [
      debit(memberAccount(w.member, 'pending'), w.amount),
      credit(memberAccount(w.member, 'profit'), w.from_profit),
      credit(memberAccount(w.member, 'capital'), w.from_capital),
    ],
    `reverses the earmark of ${w.id}`,
    w.earmark_transfer,
  );
}

/** Pay an approved request once its notice period is over: payout to the member, penalty to the others. */
export function processWithdrawal(ctx: OpContext, id: string): WithdrawalResult {
  const w = openRequest(ctx, id, ['approved', 'requested']);
  if (w.member !== ctx.actor.id && !roleAllows(ctx.actor.role, 'approve_withdrawal')) {
    throw permissionDenied(ctx.actor.id, ctx.actor.role, 'approve_withdrawal');
  }
  if (w.status === 'requested') {
    throw new ValidationError(`withdrawal: ${id} is waiting for approval`, {
      field: 'withdrawalId',
      hint: 'a lead or senior analyst approves it with `npx neural-trader syndicate withdraw approve`',
    });
  }
  if (ctx.at < w.available_at) {
    throw new ValidationError(`withdrawal: ${id} is inside its notice period until ${iso(w.available_at)}`, {
      field: 'at',
      hint: 'process it after the notice period; nothing was written',
    });
  }
  const lines: PostingLine[] = [
    debit(memberAccount(w.member, 'pending'), w.amount),
    credit(CASH, w.amount - w.penalty),
  ];
  if (w.penalty > 0) lines.push(...penaltyLines(ctx, w));
  ctx.post.transfer('withdrawal_payment', lines, `pays ${w.id}`);
  ctx.store
    .stmt("UPDATE withdrawals SET status = 'paid', paid_at = ? WHERE syndicate_id = ? AND id = ?")
    .run(ctx.at, ctx.syndicate.id, id);
  return view(ctx, id);
}

/** The emergency penalty, split exactly among the other members by capital (or to the pool if none). */
function penaltyLines(ctx: OpContext, w: WithdrawalRow): PostingLine[] {
  const balances = ctx.store.memberBalances(ctx.syndicate.id);
  const others = ctx.store
    .members(ctx.syndicate.id)
    .filter((m) => m.id !== w.member && m.status !== 'removed' && (balances.get(m.id)?.capital ?? 0) > 0);
  if (others.length === 0) {
    ctx.warnings.push('no other member holds capital: the penalty stays in the undistributed pool');
    return [credit(UNDISTRIBUTED, w.penalty)];
  }
  const shares = splitByWeights(
    w.penalty,
    others.map((m) => balances.get(m.id)?.capital ?? 0),
  );
  return others.map((m, i) => credit(memberAccount(m.id, 'profit'), shares[i]));
}
