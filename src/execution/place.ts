import { getConfig } from '../core/config.js';
import { normalizeSymbol } from '../core/inputs.js';
import type { OrderRequest } from '../core/orders.js';
import { defaultAccountFor, parseAccountName } from './account-names.js';
import type { OrderChanges } from './broker.js';
import { type HandoffAction, type HandoffOutcome, handOffOrderAction, handOffOrders } from './handoff.js';
import { Journal } from './journal.js';
import { AccountInUseError, type LeaseHolder } from './lease.js';
import type { OrderSnapshot } from './order.js';
import { newClientOrderId } from './order-manager.js';
import {
  checkLiveTradingAllowed,
  openTradingSession,
  type ReferencePrice,
  type TradingSessionOptions,
} from './session.js';

/**
 * One order into an account from a short-lived process (the CLI's `order submit`, a script): own the
 * account for the moment it takes, or, when another process owns it, hand the order to that owner
 * (when it takes handoffs) or wait for it to finish, and refuse with one line naming it after `waitMs`.
 */
export interface PlaceOrderOptions extends TradingSessionOptions {
  /** How long to wait for another owner (default 10,000 ms). */
  waitMs?: number;
}

export interface PlacedOrder {
  order: OrderSnapshot;
  account: string;
  /** `owner`: this process owned the account and placed it; `handoff`: the account's owner placed it. */
  via: 'owner' | 'handoff';
  /** The price the paper broker used, when this process placed it on paper. */
  referencePrice?: ReferencePrice;
  /** The process the order was handed to. */
  owner?: LeaseHolder;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function placeOrder(
  request: OrderRequest,
  options: PlaceOrderOptions = {},
): Promise<PlacedOrder> {
  const config = options.config ?? getConfig();
  const brokerName = options.broker ?? 'paper';
  const { live } = checkLiveTradingAllowed(config, brokerName);
  const account = parseAccountName(options.account ?? defaultAccountFor(brokerName));
  // The client order id is fixed before the first attempt: a handoff retried after its owner stopped
  // (or an order placed by the owner just before it did) is then the same order, never a second one.
  const fixed = {
    ...request,
    symbol: normalizeSymbol(String(request.symbol ?? '')),
    clientOrderId: request.clientOrderId ?? newClientOrderId(live),
  };
  return asOwnerOrHandOff<PlacedOrder>(
    { ...options, config, account, broker: brokerName },
    async (session) => {
      const referencePrice = await session.ensurePrice(fixed.symbol);
      const order = await session.manager.submitOrder(fixed);
      return { order, account, via: 'owner', referencePrice };
    },
    async (journal, timeoutMs) => (await handOffOrders(journal, [fixed], { timeoutMs }))[0],
    (order, owner) => ({ order, account, via: 'handoff', owner }),
  );
}

export interface ChangedOrder {
  order: OrderSnapshot;
  account: string;
  /** `owner`: this process owned the account and did it; `handoff`: the account's owner did it. */
  via: 'owner' | 'handoff';
  /** The process the cancel or replace was handed to. */
  owner?: LeaseHolder;
}

/**
 * Cancel an open order of an account from a short-lived process (the CLI's `order cancel`): own the
 * account for the moment it takes, or hand the cancel to the account's owner when another process owns
 * it and takes handoffs, or wait up to `waitMs` for it to finish and then refuse with one line naming it.
 */
export async function cancelPlacedOrder(id: string, options: PlaceOrderOptions = {}): Promise<ChangedOrder> {
  return changeOrder({ action: 'cancel', id }, options);
}

/** Replace (amend) an open order the same way: by the owner of the account, whoever that is. */
export async function replacePlacedOrder(
  id: string,
  changes: OrderChanges,
  options: PlaceOrderOptions = {},
): Promise<ChangedOrder> {
  return changeOrder({ action: 'replace', id, changes }, options);
}

async function changeOrder(action: HandoffAction, options: PlaceOrderOptions): Promise<ChangedOrder> {
  const config = options.config ?? getConfig();
  const brokerName = options.broker ?? 'paper';
  const account = parseAccountName(options.account ?? defaultAccountFor(brokerName));
  return asOwnerOrHandOff<ChangedOrder>(
    // A cancel or replace never creates the account it names.
    { ...options, config, account, broker: brokerName, create: false },
    async (session) => {
      const order =
        action.action === 'cancel'
          ? await session.manager.cancelOrder(action.id)
          : await session.manager.replaceOrder(action.id, action.changes);
      return { order, account, via: 'owner' };
    },
    (journal, timeoutMs) => handOffOrderAction(journal, action, { timeoutMs }),
    (order, owner) => ({ order, account, via: 'handoff', owner }),
  );
}

/**
 * The ownership loop every short-lived change to an account goes through: own the account for the moment
 * `asOwner` takes; when another process owns it and takes handoffs, hand the change over; otherwise wait
 * (polling every 100 ms) until `waitMs` has passed and refuse with the owner named. A handoff withdrawn
 * before its owner took it (the owner stopped) is tried again, as the account may be free now.
 */
async function asOwnerOrHandOff<T>(
  options: PlaceOrderOptions & {
    config: NonNullable<PlaceOrderOptions['config']>;
    account: string;
    broker: string;
  },
  asOwner: (session: Awaited<ReturnType<typeof openTradingSession>>) => Promise<T>,
  handOff: (journal: Journal, timeoutMs: number) => Promise<HandoffOutcome>,
  handedOff: (order: OrderSnapshot, owner: LeaseHolder) => T,
): Promise<T> {
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    let inUse: AccountInUseError;
    try {
      const session = await openTradingSession({ ...options, serveHandoffs: false });
      try {
        return await asOwner(session);
      } finally {
        await session.close();
      }
    } catch (error) {
      if (!(error instanceof AccountInUseError)) throw error;
      inUse = error;
    }
    if (inUse.holder.servesHandoffs) {
      const journal = Journal.open(options.home ?? options.config.home, {
        account: options.account,
        broker: options.broker,
        create: false,
      });
      let outcome: HandoffOutcome;
      try {
        outcome = await handOff(journal, Math.max(1_000, deadline - Date.now()));
      } finally {
        journal.close();
      }
      if (outcome.order) return handedOff(outcome.order, inUse.holder);
      if (!outcome.withdrawn || Date.now() >= deadline) throw outcome.error;
      continue;
    }
    if (Date.now() >= deadline) throw inUse;
    await sleep(100);
  }
}
