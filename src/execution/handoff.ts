import { NeuralTraderError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { OrderRequest } from '../core/orders.js';
import { redact } from '../core/redact.js';
import { isBusyError } from '../core/sqlite.js';
import type { OrderChanges } from './broker.js';
import type { HandoffRow, Journal } from './journal.js';
import { describeHolder, isLeaseLive } from './lease.js';
import type { OrderSnapshot } from './order.js';
import type { OrderManager } from './order-manager.js';

/**
 * Handing orders to an account's owner. Only the owner of an account (lease.ts) sends its orders; a
 * second process that wants to trade the same account writes its orders into the journal's `handoffs`
 * table, and the owner's HandoffServer submits them through its own OrderManager (same checks, same
 * broker, same journal) and writes back the result, which the requester waits for.
 *
 * Exactly once: every handed-off order carries a client order id chosen by the requester before it is
 * written, so an owner that dies after submitting but before answering is harmless: the next owner
 * submits it again and gets the same order back. A requester that gives up first withdraws what the
 * owner has not taken yet; an order already taken is reported as "may have been placed".
 *
 * Cancels and replaces travel the same way (handOffOrderAction): the row's request is
 * `{"action":"cancel","id":...}` or `{"action":"replace","id":...,"changes":{...}}` and the owner runs
 * it through its OrderManager. Both are safe to repeat: a cancel of an order the owner already canceled
 * answers with that order, and a replace sets the same absolute fields again.
 */

const log = createLogger('execution:handoff');

/** How often an owner looks for handed-off orders, and a requester for their results. */
export const HANDOFF_POLL_MS = 20;
/** Answers are written in groups of this many (one transaction each) so requesters see progress. */
const HANDOFF_ANSWER_GROUP = 100;

/** What happened to one handed-off order. */
export interface HandoffOutcome {
  clientOrderId: string;
  /** The order as the owner booked it (absent when it was refused or never taken). */
  order?: OrderSnapshot;
  /** Why it was refused or not placed. */
  error?: NeuralTraderError;
  /** The owner never took it (it stopped, or did not answer in time): it was withdrawn, not placed. */
  withdrawn?: boolean;
}

interface SerializedError {
  code: NeuralTraderError['code'];
  message: string;
  field?: string;
  hint?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isBusy(error: unknown): boolean {
  return (error as { busy?: unknown })?.busy === true || isBusyError(error);
}

/** Retry a short journal write while another connection holds the lock, without blocking the loop. */
async function withLockRetry<T>(fn: () => T, deadline: number): Promise<T> {
  let delay = 2;
  for (;;) {
    try {
      return fn();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 25);
  }
}

/** A cancel or replace of an existing order, handed to the account's owner. */
export type HandoffAction =
  | { action: 'cancel'; id: string }
  | { action: 'replace'; id: string; changes: OrderChanges };

/**
 * Hand `requests` (each with a client order id) to the account's live owner and wait up to
 * `timeoutMs` for its answers. Throws when the account has no live owner that takes handoffs.
 */
export async function handOffOrders(
  journal: Journal,
  requests: readonly (OrderRequest & { clientOrderId: string })[],
  options: { timeoutMs?: number; requester?: string } = {},
): Promise<HandoffOutcome[]> {
  return handOffRows(
    journal,
    requests.map((r) => ({ clientOrderId: r.clientOrderId, request: JSON.stringify(r), what: 'order' })),
    options,
  );
}

/**
 * Hand a cancel or replace of order `action.id` to the account's live owner and wait for its answer
 * (the order as the owner left it, or why it refused). Throws when no live owner takes handoffs.
 */
export async function handOffOrderAction(
  journal: Journal,
  action: HandoffAction,
  options: { timeoutMs?: number; requester?: string } = {},
): Promise<HandoffOutcome> {
  const [outcome] = await handOffRows(
    journal,
    [{ clientOrderId: action.id, request: JSON.stringify(action), what: `${action.action} of order` }],
    options,
  );
  return outcome;
}

async function handOffRows(
  journal: Journal,
  requests: readonly { clientOrderId: string; request: string; what: string }[],
  options: { timeoutMs?: number; requester?: string },
): Promise<HandoffOutcome[]> {
  const holder = journal.lease.holder();
  if (!holder || !isLeaseLive(holder) || !holder.servesHandoffs) {
    throw new NeuralTraderError(
      'CONFLICT',
      `account ${journal.account} has no running owner that takes orders from other processes`,
      {
        field: 'account',
        hint: 'submit the order directly (no other process owns the account now)',
      },
    );
  }
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const requester = options.requester ?? `pid ${process.pid}`;
  const seqs = await withLockRetry(
    () =>
      journal.insertHandoffs(
        requests.map((r) => ({ clientOrderId: r.clientOrderId, request: r.request })),
        requester,
      ),
    deadline,
  );
  const outcomes = new Map<number, HandoffOutcome>();
  const bySeq = new Map(seqs.map((seq, i) => [seq, requests[i]]));
  while (outcomes.size < seqs.length) {
    const open = seqs.filter((seq) => !outcomes.has(seq));
    for (const row of journal.getHandoffs(open)) {
      if (row.state === 'done' || row.state === 'failed') outcomes.set(row.seq, outcomeOf(row));
    }
    if (outcomes.size === seqs.length) break;
    const owner = journal.lease.holder();
    const ownerGone = !owner || !isLeaseLive(owner) || owner.ownerId !== holder.ownerId;
    if (Date.now() >= deadline || ownerGone) {
      for (const seq of seqs.filter((s) => !outcomes.has(s))) {
        const withdrawn = await withLockRetry(
          () => journal.moveHandoff(seq, 'pending', 'withdrawn'),
          Date.now() + 2_000,
        );
        const { clientOrderId, what } = bySeq.get(seq) as (typeof requests)[number];
        const done = what === 'order' ? 'placed' : 'done';
        outcomes.set(seq, {
          clientOrderId,
          withdrawn,
          error: withdrawn
            ? new NeuralTraderError(
                'CONFLICT',
                `account ${journal.account}: the owner (${describeHolder(holder)}) did not take ${what} ${clientOrderId}${ownerGone ? ' before it stopped' : ' in time'}; it was not ${done}`,
                {
                  field: 'account',
                  hint: 'retry when the owner has finished, or stop it',
                },
              )
            : new NeuralTraderError(
                'TIMEOUT',
                `account ${journal.account}: ${what} ${clientOrderId} was taken by the owner but not confirmed in time; it MAY HAVE BEEN ${done.toUpperCase()}`,
                {
                  field: 'clientOrderId',
                  hint: `check with \`npx neural-trader order list --account ${journal.account} --status all\` before ${what === 'order' ? 'submitting again (the same client order id is safe to repeat)' : 'trying again (repeating it is safe)'}`,
                },
              ),
        });
      }
      break;
    }
    await sleep(HANDOFF_POLL_MS);
  }
  return seqs.map((seq) => outcomes.get(seq) as HandoffOutcome);
}

function outcomeOf(row: HandoffRow): HandoffOutcome {
  let parsed: { order?: OrderSnapshot; error?: SerializedError } = {};
  try {
    parsed = JSON.parse(row.result ?? '{}') as typeof parsed;
  } catch {
    parsed = { error: { code: 'IO', message: `unreadable answer to handed-off order ${row.clientOrderId}` } };
  }
  if (row.state === 'done' && parsed.order) return { clientOrderId: row.clientOrderId, order: parsed.order };
  const e = parsed.error ?? { code: 'IO' as const, message: 'the owner refused the order without a reason' };
  return {
    clientOrderId: row.clientOrderId,
    error: new NeuralTraderError(e.code, e.message, { field: e.field, hint: e.hint }),
  };
}

/**
 * The owner's side: poll the journal for handed-off orders and submit them through `manager`, one at a
 * time in the order they were handed over. `prepare` runs before each submit (the paper session uses it
 * to make sure it has a price for the symbol).
 */
export class HandoffServer {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly journal: Journal,
    private readonly manager: OrderManager,
    private readonly prepare: (request: OrderRequest) => Promise<void> = async () => {},
  ) {}

  start(pollMs = HANDOFF_POLL_MS): void {
    if (this.timer) return;
    this.journal.lease.setServesHandoffs(true);
    this.timer = setInterval(() => {
      void this.poll();
    }, pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.busy) await sleep(HANDOFF_POLL_MS);
    if (this.journal.isOpen) {
      try {
        this.journal.lease.setServesHandoffs(false);
      } catch (error) {
        log.debug('could not clear the handoff flag', { error });
      }
    }
  }

  /**
   * Take and submit every waiting order (also those a dead owner took but never answered). Rows are
   * claimed together, submitted one by one in the order they were handed over, and answered in groups.
   */
  async poll(): Promise<number> {
    if (this.busy || !this.journal.isOpen || this.manager.halted) return 0;
    this.busy = true;
    let handled = 0;
    try {
      const rows = this.journal.listHandoffs(['pending', 'taken']).filter((r) => !this.inFlight.has(r.seq));
      if (rows.length === 0) return 0;
      const claimed = new Set(
        this.journal.claimHandoffs(rows.filter((r) => r.state === 'pending').map((r) => r.seq)),
      );
      const mine = rows.filter((r) => r.state === 'taken' || claimed.has(r.seq));
      for (const row of mine) this.inFlight.add(row.seq);
      let answers: { seq: number; state: 'done' | 'failed'; result: string }[] = [];
      const flush = () => {
        this.journal.completeHandoffs(answers);
        for (const answer of answers) this.inFlight.delete(answer.seq);
        handled += answers.length;
        answers = [];
      };
      try {
        for (const row of mine) {
          if (!this.journal.isOpen) break;
          const result = await this.submit(row);
          answers.push({
            seq: row.seq,
            state: result.order ? 'done' : 'failed',
            result: JSON.stringify(result),
          });
          if (answers.length >= HANDOFF_ANSWER_GROUP) flush();
        }
        flush();
      } catch (error) {
        // Busy or closed: unanswered rows stay 'taken' and are answered on the next poll (idempotent).
        log.debug('handoffs not answered yet', { error });
      } finally {
        for (const row of mine) this.inFlight.delete(row.seq);
      }
    } finally {
      this.busy = false;
    }
    return handled;
  }

  private async submit(row: HandoffRow): Promise<{ order?: OrderSnapshot; error?: SerializedError }> {
    try {
      const parsed = JSON.parse(row.request) as OrderRequest | HandoffAction;
      if ('action' in parsed) return { order: await this.act(parsed, row) };
      const request = parsed;
      if (request.clientOrderId !== row.clientOrderId) {
        throw new NeuralTraderError(
          'VALIDATION',
          'handed-off order: client order id does not match its row',
          {
            field: 'clientOrderId',
          },
        );
      }
      await this.prepare(request);
      return { order: await this.manager.submitOrder(request) };
    } catch (error) {
      if (error instanceof NeuralTraderError) {
        return { error: { code: error.code, message: error.message, field: error.field, hint: error.hint } };
      }
      return {
        error: {
          code: 'IO',
          message: redact(`handed-off order failed: ${(error as Error)?.message ?? String(error)}`),
        },
      };
    }
  }

  /** A handed-over cancel or replace, run by the owner (repeating either is harmless, see above). */
  private async act(action: HandoffAction, row: HandoffRow): Promise<OrderSnapshot> {
    if (action.id !== row.clientOrderId || (action.action !== 'cancel' && action.action !== 'replace')) {
      throw new NeuralTraderError('VALIDATION', 'handed-off action: not a cancel or replace of its row', {
        field: 'action',
      });
    }
    if (action.action === 'cancel') {
      const current = this.manager.getOrderStatus(action.id);
      if (current?.status === 'canceled') return current;
      return this.manager.cancelOrder(action.id);
    }
    const current = this.manager.getOrderStatus(action.id);
    if (current) await this.prepare(current);
    return this.manager.replaceOrder(action.id, action.changes);
  }
}
