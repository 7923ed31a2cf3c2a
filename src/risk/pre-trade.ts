import { ValidationError } from '../core/errors.js';
import type { OrderRequest, PreTradeCheck, PreTradeContext, PreTradeRejection } from '../core/orders.js';

export interface PreTradeLimits {
  /** Max |position value| / equity after the order. */
  maxPositionWeight?: number;
  /** Max sum |position value| / equity after the order. */
  maxGrossLeverage?: number;
  /** Max |sum position value| / equity after the order. */
  maxNetLeverage?: number;
  /** Max |order quantity x price|. */
  maxOrderNotional?: number;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/**
 * A PreTradeCheck that rejects orders which would take the account past position or leverage limits,
 * measured after the order as if filled at its limit price (or the latest price). An order that reduces
 * an existing breach (e.g. selling down an oversized position) is allowed.
 */
export function riskLimitsCheck(limits: PreTradeLimits): PreTradeCheck {
  for (const [name, value] of Object.entries(limits)) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0)) {
      throw new ValidationError(`limits.${name} must be a number >= 0, got ${value}`, {
        field: `limits.${name}`,
      });
    }
  }
  return {
    name: 'risk-limits',
    check(order: OrderRequest, context: PreTradeContext): PreTradeRejection | null {
      const price = order.limitPrice ?? context.price(order.symbol);
      if (price === undefined || !(price > 0)) {
        return {
          check: 'risk-limits',
          field: 'symbol',
          message: `no price for ${order.symbol}, cannot check risk limits`,
        };
      }
      const delta = order.side === 'buy' ? order.quantity : -order.quantity;
      const before = context.positions.get(order.symbol) ?? 0;
      const after = before + delta;
      const equity = context.equity;
      if (limits.maxOrderNotional !== undefined && order.quantity * price > limits.maxOrderNotional) {
        return {
          check: 'risk-limits',
          field: 'quantity',
          message: `order notional ${(order.quantity * price).toFixed(2)} exceeds the limit of ${limits.maxOrderNotional}`,
        };
      }
      const ratio = (x: number) => (equity > 0 ? x / equity : x === 0 ? 0 : Number.POSITIVE_INFINITY);
      if (limits.maxPositionWeight !== undefined) {
        const weightAfter = ratio(Math.abs(after * price));
        const weightBefore = ratio(Math.abs(before * price));
        if (weightAfter > limits.maxPositionWeight && weightAfter > weightBefore) {
          return {
            check: 'risk-limits',
            field: 'quantity',
            message: `${order.symbol} would be ${pct(weightAfter)} of equity, above the ${pct(limits.maxPositionWeight)} position limit`,
          };
        }
      }
      if (limits.maxGrossLeverage !== undefined || limits.maxNetLeverage !== undefined) {
        let grossBefore = 0;
        let netBefore = 0;
        for (const [symbol, quantity] of context.positions) {
          const p = symbol === order.symbol ? price : (context.price(symbol) ?? 0);
          grossBefore += Math.abs(quantity * p);
          netBefore += quantity * p;
        }
        const grossAfter = grossBefore - Math.abs(before * price) + Math.abs(after * price);
        const netAfter = netBefore + delta * price;
        if (limits.maxGrossLeverage !== undefined) {
          const lev = ratio(grossAfter);
          if (lev > limits.maxGrossLeverage && grossAfter > grossBefore) {
            return {
              check: 'risk-limits',
              field: 'quantity',
              message: `gross leverage would be ${lev.toFixed(3)}, above the limit of ${limits.maxGrossLeverage}`,
            };
          }
        }
        if (limits.maxNetLeverage !== undefined) {
          const lev = ratio(Math.abs(netAfter));
          if (lev > limits.maxNetLeverage && Math.abs(netAfter) > Math.abs(netBefore)) {
            return {
              check: 'risk-limits',
              field: 'quantity',
              message: `net leverage would be ${lev.toFixed(3)}, above the limit of ${limits.maxNetLeverage}`,
            };
          }
        }
      }
      return null;
    },
  };
}
