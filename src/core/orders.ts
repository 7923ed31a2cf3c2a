import type { EpochMs } from './time.js';

/**
 * Order and fill types shared by the backtester's simulated broker, the paper broker, the Alpaca
 * broker, the OrderManager and the risk checks. The values are Alpaca's wire spellings, which the old
 * system also used, so they pass through adapters unchanged.
 */
export const Side = { Buy: 'buy', Sell: 'sell' } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const OrderType = {
  Market: 'market',
  Limit: 'limit',
  Stop: 'stop',
  StopLimit: 'stop_limit',
  TrailingStop: 'trailing_stop',
} as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

/** day: expires at the session close; gtc: good till canceled; ioc: fill what you can now, cancel the
 * rest; fok: fill entirely now or cancel. */
export const TimeInForce = { Day: 'day', Gtc: 'gtc', Ioc: 'ioc', Fok: 'fok' } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

export const OrderStatus = {
  New: 'new',
  Accepted: 'accepted',
  PartiallyFilled: 'partially_filled',
  Filled: 'filled',
  Canceled: 'canceled',
  Rejected: 'rejected',
  Expired: 'expired',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** What a strategy, a user or an AI agent asks for. Quantities are in shares/units (may be fractional). */
export interface OrderRequest {
  symbol: string;
  side: Side;
  quantity: number;
  type: OrderType;
  /** Required for limit and stop_limit. */
  limitPrice?: number;
  /** Required for stop and stop_limit: the trigger price. */
  stopPrice?: number;
  /** Trailing stops: distance as a percent of the high-water mark (e.g. 2 = 2%) ... */
  trailPercent?: number;
  /** ... or as an absolute price distance. */
  trailPrice?: number;
  timeInForce?: TimeInForce;
  /** Idempotency key: the same id submitted twice yields one order. Generated when absent. */
  clientOrderId?: string;
  /** Free text carried to fills and journals (e.g. the strategy's reason). */
  tag?: string;
}

/** One execution. A partially filled order has several. */
export interface Fill {
  orderId: string;
  clientOrderId?: string;
  symbol: string;
  side: Side;
  /** Always positive; `side` gives the direction. */
  quantity: number;
  price: number;
  /** In account currency, always >= 0. */
  commission: number;
  timestamp: EpochMs;
  /** Unique per execution (broker execution id), used to apply a fill exactly once. */
  fillId?: string;
}

/** Signed quantity change of a fill: + for buys, - for sells. */
export function signedQuantity(fill: Pick<Fill, 'side' | 'quantity'>): number {
  return fill.side === 'buy' ? fill.quantity : -fill.quantity;
}

/** What a pre-trade check sees: the account as it stands and a price for each symbol. */
export interface PreTradeContext {
  timestamp: EpochMs;
  cash: number;
  equity: number;
  /** Signed position quantity per symbol (missing = flat). */
  positions: ReadonlyMap<string, number>;
  /** Latest known price of a symbol, if any. */
  price(symbol: string): number | undefined;
}

export interface PreTradeRejection {
  /** The check that refused (e.g. "max-order-notional", "circuit-breaker"). */
  check: string;
  /** The field of the order that is at fault, when there is one ("quantity", "limitPrice"). */
  field?: string;
  message: string;
}

/**
 * A pre-trade check: the OrderManager and the backtester run every registered check before an order
 * reaches a broker. Risk limits and circuit breakers plug in here.
 */
export interface PreTradeCheck {
  readonly name: string;
  check(order: OrderRequest, context: PreTradeContext): PreTradeRejection | null;
}
