import type { OrderRequest, Side } from '../core/orders.js';

/**
 * How simulated orders turn into fills. The backtester's simulated broker and the PaperBroker both use
 * these functions, so a paper fill and a backtest fill of the same order on the same bar agree.
 */

/** The prices of the bar an order is tested against. */
export interface BarPrices {
  open: number;
  high: number;
  low: number;
  close: number;
}

/** Commission charged on one fill, in account currency. */
export interface CommissionModel {
  readonly name: string;
  /** For percent-of-notional models: the rate (lets sizing solve for the affordable quantity exactly). */
  readonly rate?: number;
  commission(quantity: number, price: number): number;
}

/** A percent of notional, e.g. 0.001 = 10 bps. */
export function percentCommission(rate: number): CommissionModel {
  return {
    name: `percent(${rate})`,
    rate,
    commission: (quantity, price) => rate * Math.abs(quantity) * price,
  };
}

/** A fee per share with an optional minimum per order (the Interactive Brokers shape). */
export function perShareCommission(perShare: number, minimum = 0): CommissionModel {
  return {
    name: `per-share(${perShare}, min ${minimum})`,
    commission: (quantity) => Math.max(minimum, perShare * Math.abs(quantity)),
  };
}

/** A fixed fee per fill. */
export function fixedCommission(amount: number): CommissionModel {
  return { name: `fixed(${amount})`, commission: () => amount };
}

export const noCommission: CommissionModel = { name: 'none', commission: () => 0 };

/** Slippage in basis points against the trader: buys pay more, sells receive less. */
export function applySlippage(side: Side, price: number, slippageBps: number): number {
  if (slippageBps === 0) return price;
  const factor = slippageBps / 10_000;
  return side === 'buy' ? price * (1 + factor) : price * (1 - factor);
}

/**
 * The fill price of `order` after slippage: `applySlippage`, except that a limit (or triggered stop-limit)
 * order never fills through its limit price - slippage can only eat into the room the limit leaves. The
 * backtester and the paper broker both price fills with this, so their fills agree.
 */
export function slippedFillPrice(
  order: Pick<OrderRequest, 'side' | 'type' | 'limitPrice'>,
  price: number,
  slippageBps: number,
): number {
  const slipped = applySlippage(order.side, price, slippageBps);
  if ((order.type === 'limit' || order.type === 'stop_limit') && order.limitPrice !== undefined) {
    return order.side === 'buy' ? Math.min(slipped, order.limitPrice) : Math.max(slipped, order.limitPrice);
  }
  return slipped;
}

/**
 * The price at which `order` executes on `bar`, or NaN if it does not execute on this bar (before
 * slippage). Conventions (the same as backtrader's and backtesting.py's defaults):
 * - market: the bar's open (the order was submitted on the previous bar's close);
 * - limit buy: executes if low <= limit, at min(open, limit) (a gap down fills at the better open);
 *   limit sell mirrored with high and max;
 * - stop buy: triggers if high >= stop, at max(open, stop) (a gap up through the stop fills at the worse
 *   open); stop sell mirrored;
 * - stop-limit: once the stop triggers on this bar, behaves as a limit order from the trigger price
 *   (fills if the limit is reachable after the trigger on the same bar).
 * `stopTriggered` tells whether a stop-limit's stop already fired on an earlier bar.
 */
export function executionPrice(
  order: Pick<OrderRequest, 'side' | 'type' | 'limitPrice' | 'stopPrice'>,
  bar: BarPrices,
  stopTriggered = false,
): number {
  const buy = order.side === 'buy';
  switch (order.type) {
    case 'market':
      return bar.open;
    case 'limit': {
      const limit = order.limitPrice as number;
      if (buy) return bar.low <= limit ? Math.min(bar.open, limit) : Number.NaN;
      return bar.high >= limit ? Math.max(bar.open, limit) : Number.NaN;
    }
    case 'stop':
    case 'trailing_stop': {
      const stop = order.stopPrice as number;
      if (buy) return bar.high >= stop ? Math.max(bar.open, stop) : Number.NaN;
      return bar.low <= stop ? Math.min(bar.open, stop) : Number.NaN;
    }
    case 'stop_limit': {
      const stop = order.stopPrice as number;
      const limit = order.limitPrice as number;
      if (!stopTriggered) {
        const triggered = buy ? bar.high >= stop : bar.low <= stop;
        if (!triggered) return Number.NaN;
        // After the trigger the order is a limit order; the first price it can see is the trigger price
        // (or the open, on a gap through the stop).
        const start = buy ? Math.max(bar.open, stop) : Math.min(bar.open, stop);
        if (buy) return start <= limit ? start : bar.low <= limit ? limit : Number.NaN;
        return start >= limit ? start : bar.high >= limit ? limit : Number.NaN;
      }
      return executionPrice({ side: order.side, type: 'limit', limitPrice: limit }, bar);
    }
  }
}

/**
 * The largest quantity whose cost plus commission fits in `cash` at `price`. Whole units unless
 * `fractional`. For a percent model this is floor((cash / (1 + rate)) / price), the all-in sizing
 * backtrader, vectorbt and backtesting.py use; other models are solved by fixed-point iteration and then
 * stepped down until the cost fits.
 */
export function maxAffordableQuantity(
  cash: number,
  price: number,
  model: CommissionModel,
  fractional = false,
): number {
  if (!(cash > 0) || !(price > 0)) return 0;
  const round = (q: number) => (fractional ? q : Math.floor(q));
  let quantity: number;
  if (model.rate !== undefined) {
    quantity = round(cash / (1 + model.rate) / price);
  } else {
    quantity = cash / price;
    for (let i = 0; i < 8; i++) quantity = Math.max(0, (cash - model.commission(quantity, price)) / price);
    quantity = round(quantity);
  }
  // A relative tolerance keeps the closed-form percent answer when float rounding overshoots by an ulp.
  const step = fractional ? quantity * 1e-9 : 1;
  const limit = cash * (1 + 1e-12);
  while (quantity > 0 && quantity * price + model.commission(quantity, price) > limit) {
    quantity = Math.max(0, quantity - step);
  }
  return quantity;
}
