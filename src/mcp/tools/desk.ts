import type { Config } from '../../core/config.js';
import { NeuralTraderError, ValidationError } from '../../core/errors.js';
import type { OrderSnapshot, TradingSession } from '../../execution/index.js';
import type { McpRuntime } from '../tool.js';

/**
 * The trading desk behind the order and portfolio tools: one execution-layer TradingSession per server
 * process (journal in NEURAL_TRADER_HOME, shared by every MCP session). Paper (the in-process simulated
 * broker, priced from the bundled sample data) unless the operator's configuration enables live
 * trading: NEURAL_TRADER_LIVE_TRADING=true AND ALPACA_BASE_URL is Alpaca's live endpoint. No tool
 * argument can switch it.
 */
export function liveTradingConfigured(config: Config): boolean {
  return config.liveTrading && config.alpaca.isLiveEndpoint;
}

export function tradingDesk(runtime: McpRuntime): Promise<TradingSession> {
  return runtime.service('trading', async () => {
    const { openTradingSession } = await import('../../execution/index.js');
    const live = liveTradingConfigured(runtime.config);
    return openTradingSession({
      broker: live ? 'alpaca' : 'paper',
      config: runtime.config,
      warn: (text) => runtime.log.warn(text),
    });
  });
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
