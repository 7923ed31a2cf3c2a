import { z } from 'zod';
import type { Config } from '../../core/config.js';
import { DEFAULT_ACCOUNT } from '../../core/defaults.js';
import { NeuralTraderError, ValidationError } from '../../core/errors.js';
import type { OrderSnapshot, TradingSession } from '../../execution/index.js';
import type { McpRuntime } from '../tool.js';

/**
 * The trading desk behind the order and portfolio tools: one execution-layer TradingSession per account
 * and server process (the account's journal in NEURAL_TRADER_HOME, shared by every MCP session). The
 * server owns each account it trades while it runs; a CLI `order submit` on the same account hands its
 * order over to it. Paper (the in-process simulated broker, priced from the bundled sample data) unless
 * the operator's configuration enables live trading: NEURAL_TRADER_LIVE_TRADING=true AND
 * ALPACA_BASE_URL's host is Alpaca's live API. No tool argument can switch it.
 */
export function liveTradingConfigured(config: Config): boolean {
  return config.liveTrading && config.alpaca.isLiveEndpoint;
}

/** The `account` argument of every trading and portfolio tool (the same names as the CLI's --account). */
export const accountArg = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .optional()
  .describe(
    `Account to trade or read (default "${DEFAULT_ACCOUNT}" on paper; letters, digits and . _ -). Each account has its own cash, orders and clock`,
  );

/** How long a tool waits for another process that owns the account before it is refused. */
const DESK_LEASE_WAIT_MS = 3_000;

/** The open desks of one server, by account; closed with the runtime (its close() is called). */
interface DeskRegistry {
  desks: Map<string, Promise<TradingSession>>;
  close(): Promise<void>;
}

function deskRegistry(runtime: McpRuntime): Promise<DeskRegistry> {
  return runtime.service('trading-desks', async () => {
    const desks = new Map<string, Promise<TradingSession>>();
    return {
      desks,
      async close() {
        const open = [...desks.values()];
        desks.clear();
        await Promise.allSettled(open.map(async (desk) => (await desk).close()));
      },
    };
  });
}

async function accountName(runtime: McpRuntime, account: string | undefined): Promise<string> {
  const { defaultAccountFor, parseAccountName } = await import('../../execution/index.js');
  const broker = liveTradingConfigured(runtime.config) ? 'alpaca' : 'paper';
  return account === undefined ? defaultAccountFor(broker) : parseAccountName(account);
}

/** The desk (an open TradingSession that owns the account) of `account`, opened on first use. */
export async function tradingDesk(runtime: McpRuntime, account?: string): Promise<TradingSession> {
  const registry = await deskRegistry(runtime);
  const name = await accountName(runtime, account);
  let desk = registry.desks.get(name);
  if (!desk) {
    const { openTradingSession } = await import('../../execution/index.js');
    desk = openTradingSession({
      broker: liveTradingConfigured(runtime.config) ? 'alpaca' : 'paper',
      account: name,
      config: runtime.config,
      leaseWaitMs: DESK_LEASE_WAIT_MS,
      warn: (text) => runtime.log.warn(text),
    });
    registry.desks.set(name, desk);
    // A failed open (the account is in use by another process) is retried on the next call.
    desk.catch(() => {
      if (registry.desks.get(name) === desk) registry.desks.delete(name);
    });
  }
  return desk;
}

/** Close the desk of `account` if this server has one open (it gives the account up). */
export async function closeDesk(runtime: McpRuntime, account?: string): Promise<void> {
  const registry = await deskRegistry(runtime);
  const name = await accountName(runtime, account);
  const desk = registry.desks.get(name);
  registry.desks.delete(name);
  if (desk) await (await desk.catch(() => undefined))?.close();
}

/** Live orders need an explicit `confirm: true` from the caller, on top of the operator's config. */
export function requireConfirmation(desk: TradingSession, confirm: boolean, what: string): void {
  if (desk.live && !confirm) {
    throw new ValidationError(
      `confirm: live trading is enabled, so ${what} would trade REAL MONEY; set confirm: true to proceed`,
      {
        field: 'confirm',
        hint: 'check the order with simulate_trade first; paper trading needs no confirmation',
      },
    );
  }
}

/** A broker timeout: say plainly that the order may exist and how to find out, instead of retrying. */
export function orderStateUnknown(clientOrderId: string, cause: unknown): NeuralTraderError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new NeuralTraderError(
    'TIMEOUT',
    `the broker did not confirm in time, so the order MAY HAVE BEEN PLACED (client_order_id ${clientOrderId}): ${detail}`,
    {
      field: 'client_order_id',
      hint:
        `call get_orders with client_order_id "${clientOrderId}" to see whether it exists before doing anything ` +
        'else; resubmitting with the same client_order_id is safe (it is idempotent), a new id is not',
    },
  );
}

/** An order as the tools show it (snake_case, NaN-free). */
export function orderJson(order: OrderSnapshot) {
  return {
    id: order.id,
    client_order_id: order.clientOrderId,
    broker_order_id: order.brokerOrderId ?? null,
    broker: order.broker,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    quantity: order.quantity,
    limit_price: order.limitPrice ?? null,
    stop_price: order.stopPrice ?? null,
    time_in_force: order.timeInForce,
    status: order.status,
    filled_quantity: order.filledQuantity,
    remaining_quantity: order.remainingQuantity,
    average_fill_price: Number.isFinite(order.averageFillPrice) ? order.averageFillPrice : null,
    reason: order.reason ?? null,
    market_time: new Date(order.marketTime).toISOString(),
    created_at: new Date(order.createdAt).toISOString(),
    updated_at: new Date(order.updatedAt).toISOString(),
  };
}

/** Mark the desk's portfolio to the paper reference prices of its positions (no journal writes). */
export async function markPositions(desk: TradingSession): Promise<Record<string, number>> {
  const prices: Record<string, number> = {};
  for (const position of desk.manager.portfolio.positions()) {
    const reference = await desk.ensurePrice(position.symbol);
    if (reference) {
      desk.manager.portfolio.mark(position.symbol, reference.price);
      prices[position.symbol] = reference.price;
    }
  }
  return prices;
}
