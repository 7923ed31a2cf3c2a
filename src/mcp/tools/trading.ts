import { z } from 'zod';
import { NeuralTraderError, ValidationError } from '../../core/errors.js';
import type { OrderRequest } from '../../core/orders.js';
import {
  clientOrderIdArg,
  enumArg,
  identifierArg,
  integerArg,
  nonNegativeNumberArg,
  positiveNumberArg,
  symbolArg,
} from '../args.js';
import { type AnyToolSpec, defineTool, READ_ONLY } from '../tool.js';
import { accountArg, orderJson, orderStateUnknown, requireConfirmation, tradingDesk } from './desk.js';

/**
 * Orders. Everything goes through the execution layer's OrderManager (shape checks, buying power,
 * kill switch, journal); these tools only translate arguments and results. Paper unless the operator
 * enabled live trading in configuration.
 */
const ORDER_TYPES = ['market', 'limit', 'stop', 'stop_limit'] as const;

const orderShape = z.object({
  id: z.string(),
  client_order_id: z.string(),
  broker_order_id: z.string().nullable(),
  broker: z.string(),
  symbol: z.string(),
  side: z.string(),
  type: z.string(),
  quantity: z.number(),
  limit_price: z.number().nullable(),
  stop_price: z.number().nullable(),
  time_in_force: z.string(),
  status: z.string(),
  filled_quantity: z.number(),
  remaining_quantity: z.number(),
  average_fill_price: z.number().nullable(),
  reason: z.string().nullable(),
  market_time: z
    .string()
    .describe("The account's market time when the order was decided (bar time in a replay account)"),
  created_at: z.string().describe('Wall-clock time the order was created'),
  updated_at: z.string().describe('Wall-clock time of its last change (never before created_at)'),
});

const orderArgs = {
  account: accountArg,
  symbol: symbolArg(),
  side: enumArg(['buy', 'sell'], 'buy or sell'),
  quantity: positiveNumberArg('Shares/units (> 0)'),
  order_type: enumArg(ORDER_TYPES, 'Order type (default market)').default('market'),
  limit_price: positiveNumberArg('Limit price (limit and stop_limit orders)').optional(),
  stop_price: positiveNumberArg('Stop trigger price (stop and stop_limit orders)').optional(),
};

function orderRequest(args: {
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  order_type: (typeof ORDER_TYPES)[number];
  limit_price?: number;
  stop_price?: number;
}): OrderRequest {
  return {
    symbol: args.symbol,
    side: args.side,
    quantity: args.quantity,
    type: args.order_type,
    limitPrice: args.limit_price,
    stopPrice: args.stop_price,
  };
}

const simulateTrade = defineTool({
  name: 'simulate_trade',
  title: 'Simulate a trade',
  description:
    'What an order would cost now, without placing it: reference price, fill price after slippage, ' +
    'commission, notional, cash and position before/after, and whether the pre-trade checks (buying ' +
    'power, limits, kill switch) would accept it. Paper prices come from the latest bar of the bundled ' +
    'sample data. Changes nothing.',
  toolset: 'trading',
  input: {
    ...orderArgs,
    commission_rate: nonNegativeNumberArg(
      "Commission as a fraction of notional to assume (default: the account's paper commission, the backtester's default unless the account was created with another)",
    ).optional(),
    slippage_bps: nonNegativeNumberArg(
      "Slippage to assume in basis points (default: the account's paper slippage)",
    ).optional(),
  },
  output: {
    mode: z.enum(['paper', 'live']),
    account: z.string(),
    commission_rate: z.number().describe('Commission rate assumed'),
    slippage_bps: z.number().describe('Slippage assumed'),
    symbol: z.string(),
    side: z.string(),
    quantity: z.number(),
    order_type: z.string(),
    reference_price: z.number(),
    reference_source: z.string(),
    would_fill_now: z.boolean(),
    fill_price: z.number().nullable(),
    slippage_cost: z.number(),
    commission: z.number(),
    notional: z.number(),
    cash_change: z.number().describe('Signed: negative for buys'),
    cash_before: z.number(),
    cash_after: z.number(),
    position_before: z.number(),
    position_after: z.number(),
    pre_trade_checks: z.object({ accepted: z.boolean(), rejection: z.string().nullable() }),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const [desk, fills, { OrderRejectedError }] = await Promise.all([
      tradingDesk(runtime, args.account),
      import('../../backtest/index.js'),
      import('../../execution/index.js'),
    ]);
    const request = orderRequest(args);
    const reference = await desk.ensurePrice(args.symbol);
    const referencePrice = reference?.price ?? args.limit_price ?? args.stop_price;
    if (referencePrice === undefined) {
      throw new ValidationError(`symbol: no reference price for ${args.symbol}`, {
        field: 'symbol',
        hint: desk.live
          ? 'in live mode pass limit_price (the price you expect) to simulate'
          : 'paper prices come from the bundled sample data; see neural-trader://datasets for symbols',
      });
    }
    const commissionRate = args.commission_rate ?? desk.settings.commissionRate;
    const slippageBps = args.slippage_bps ?? desk.settings.slippageBps;
    const bar = { open: referencePrice, high: referencePrice, low: referencePrice, close: referencePrice };
    const rawPrice = fills.executionPrice(request, bar);
    const wouldFill = Number.isFinite(rawPrice);
    const fillPrice = wouldFill ? fills.slippedFillPrice(request, rawPrice, slippageBps) : null;
    const pricedAt = fillPrice ?? args.limit_price ?? args.stop_price ?? referencePrice;
    const commission = fills.percentCommission(commissionRate).commission(args.quantity, pricedAt);
    const notional = args.quantity * pricedAt;
    const sign = args.side === 'buy' ? 1 : -1;
    const portfolio = desk.manager.portfolio;
    let rejection: string | null = null;
    try {
      desk.manager.validate(desk.manager.normalize(request));
    } catch (error) {
      if (!(error instanceof OrderRejectedError)) throw error;
      rejection = error.message;
    }
    const positionBefore = portfolio.position(args.symbol);
    return {
      mode: desk.live ? 'live' : 'paper',
      account: desk.account,
      commission_rate: commissionRate,
      slippage_bps: slippageBps,
      symbol: args.symbol,
      side: args.side,
      quantity: args.quantity,
      order_type: args.order_type,
      reference_price: referencePrice,
      reference_source: reference?.source ?? 'the limit/stop price you gave',
      would_fill_now: wouldFill,
      fill_price: fillPrice,
      slippage_cost: fillPrice === null ? 0 : Math.abs(fillPrice - rawPrice) * args.quantity,
      commission,
      notional,
      cash_change: -sign * notional - commission,
      cash_before: portfolio.cash,
      cash_after: portfolio.cash - sign * notional - commission,
      position_before: positionBefore,
      position_after: positionBefore + sign * args.quantity,
      pre_trade_checks: { accepted: rejection === null, rejection },
    };
  },
});

const executeTrade = defineTool({
  name: 'execute_trade',
  title: 'Place an order',
  description:
    'Place an order through the OrderManager (pre-trade checks, journal). PAPER (simulated, priced from ' +
    'the bundled sample data) unless the operator enabled live trading in configuration; a live order ' +
    'also needs confirm: true. client_order_id is required and makes the call idempotent: repeating it ' +
    'returns the first order instead of placing another. On a broker timeout the order may exist: check ' +
    'get_orders with the client_order_id before anything else.',
  toolset: 'trading',
  input: {
    ...orderArgs,
    time_in_force: enumArg(['day', 'gtc', 'ioc', 'fok'], 'day (default), gtc, ioc or fok').default('day'),
    client_order_id: clientOrderIdArg(
      'Your unique id for this order, e.g. "rebal-2024-06-01-aapl" (idempotency key: the same id twice places one order)',
    ),
    confirm: z
      .boolean()
      .default(false)
      .describe('Must be true for a live (real-money) order; ignored on paper'),
  },
  output: {
    mode: z.enum(['paper', 'live']),
    account: z.string(),
    replayed: z.boolean().describe('True when this client_order_id already existed: no new order was placed'),
    order: orderShape,
    reference_price: z.number().nullable(),
    reference_source: z.string().nullable(),
    position_after: z.number(),
    cash_after: z.number(),
  },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, { runtime }) {
    const desk = await tradingDesk(runtime, args.account);
    requireConfirmation(desk, args.confirm, `${args.side} ${args.quantity} ${args.symbol}`);
    const { OrderStateUnknownError } = await import('../../execution/index.js');
    const request: OrderRequest = {
      ...orderRequest(args),
      timeInForce: args.time_in_force,
      clientOrderId: args.client_order_id,
      tag: 'mcp',
    };
    // The library refuses the same client_order_id for a different order (CONFLICT, naming the field).
    const existing = desk.manager.getOrderStatus(args.client_order_id);
    const reference = await desk.ensurePrice(args.symbol);
    let order: Awaited<ReturnType<typeof desk.manager.submitOrder>>;
    try {
      order = await desk.manager.submitOrder(request);
    } catch (error) {
      if (error instanceof OrderStateUnknownError) throw orderStateUnknown(args.client_order_id, error);
      throw error;
    }
    if (order.status === 'rejected') {
      throw new NeuralTraderError(
        'ORDER_REJECTED',
        `order rejected by the broker: ${order.reason ?? 'no reason given'}`,
        {
          hint: `the order (client_order_id ${order.clientOrderId}) was not placed; fix it and use a new client_order_id`,
        },
      );
    }
    return {
      mode: desk.live ? 'live' : 'paper',
      account: desk.account,
      replayed: existing?.clientOrderId === args.client_order_id,
      order: orderJson(order),
      reference_price: reference?.price ?? null,
      reference_source: reference?.source ?? null,
      position_after: desk.manager.portfolio.position(args.symbol),
      cash_after: desk.manager.portfolio.cash,
    };
  },
});

const cancelOrder = defineTool({
  name: 'cancel_order',
  title: 'Cancel an order',
  description:
    'Cancel an open order by its id or client_order_id. Filled, canceled or rejected orders cannot be canceled.',
  toolset: 'trading',
  input: {
    account: accountArg,
    order_id: identifierArg(
      'order_id',
      'The order id or client_order_id (from execute_trade or get_orders)',
      128,
    ),
  },
  output: { mode: z.enum(['paper', 'live']), account: z.string(), order: orderShape },
  hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  async run(args, { runtime }) {
    const desk = await tradingDesk(runtime, args.account);
    const order = await desk.manager.cancelOrder(args.order_id);
    return { mode: desk.live ? 'live' : 'paper', account: desk.account, order: orderJson(order) };
  },
});

const getOrders = defineTool({
  name: 'get_orders',
  title: 'List orders',
  description:
    'Orders from the journal, newest first: all, open or closed, optionally for one symbol, or the one ' +
    'order with a given client_order_id (use this after a timeout to see whether an order exists).',
  toolset: 'trading',
  input: {
    account: accountArg,
    status: enumArg(['all', 'open', 'closed'], 'Which orders (default all)').default('all'),
    symbol: symbolArg('Only this symbol').optional(),
    client_order_id: clientOrderIdArg('Look up one order by your client_order_id').optional(),
    limit: integerArg('At most this many orders (default 50)', 1, 1000).default(50),
  },
  output: {
    mode: z.enum(['paper', 'live']),
    account: z.string(),
    count: z.number(),
    orders: z.array(orderShape),
  },
  hints: READ_ONLY,
  async run(args, { runtime }) {
    const desk = await tradingDesk(runtime, args.account);
    const mode = desk.live ? 'live' : 'paper';
    const account = desk.account;
    if (args.client_order_id) {
      const order = desk.manager.getOrderStatus(args.client_order_id);
      const orders = order && order.clientOrderId === args.client_order_id ? [orderJson(order)] : [];
      return { mode, account, count: orders.length, orders };
    }
    const orders = desk.manager
      .getOrders({ status: args.status, symbol: args.symbol, limit: args.limit })
      .map(orderJson);
    return { mode, account, count: orders.length, orders };
  },
});

export const tradingTools: readonly AnyToolSpec[] = [simulateTrade, executeTrade, cancelOrder, getOrders];
