import { NeuralTraderError } from '../core/errors.js';
import type { OrderRequest, PreTradeCheck, PreTradeContext, PreTradeRejection } from '../core/orders.js';

/**
 * Pre-trade checks: everything an order must pass before any broker sees it. The shape checks (fields
 * a type needs, finite positive numbers) always run; the limit checks run when configured. Each
 * refusal names the order field at fault so a user or an agent can fix the request.
 */

const ORDER_TYPES = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'];
const TIFS = ['day', 'gtc', 'ioc', 'fok'];

function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function positive(field: string, value: unknown): PreTradeRejection | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    return {
      check: 'order-shape',
      field,
      message: `${field}: must be a positive finite number, got ${describe(value)}`,
    };
  }
  return null;
}

/** The structural checks: a well-formed order of its type. */
export function checkOrderShape(order: OrderRequest): PreTradeRejection | null {
  if (typeof order.symbol !== 'string' || !/^[A-Za-z0-9./:_-]{1,32}$/.test(order.symbol)) {
    return {
      check: 'order-shape',
      field: 'symbol',
      message: `symbol: expected a ticker such as AAPL, got ${describe(order.symbol)}`,
    };
  }
  if (order.side !== 'buy' && order.side !== 'sell') {
    return {
      check: 'order-shape',
      field: 'side',
      message: `side: must be buy or sell, got ${describe(order.side)}`,
    };
  }
  if (!ORDER_TYPES.includes(order.type)) {
    return {
      check: 'order-shape',
      field: 'type',
      message: `type: must be one of ${ORDER_TYPES.join(', ')}, got ${describe(order.type)}`,
    };
  }
  if (order.timeInForce !== undefined && !TIFS.includes(order.timeInForce)) {
    return {
      check: 'order-shape',
      field: 'timeInForce',
      message: `timeInForce: must be one of ${TIFS.join(', ')}, got ${describe(order.timeInForce)}`,
    };
  }
  const quantity = positive('quantity', order.quantity);
  if (quantity) return quantity;
  const needsLimit = order.type === 'limit' || order.type === 'stop_limit';
  const needsStop = order.type === 'stop' || order.type === 'stop_limit';
  if (needsLimit) {
    const r = positive('limitPrice', order.limitPrice);
    if (r) return { ...r, message: `${r.message} (a ${order.type} order needs limitPrice)` };
  } else if (order.limitPrice !== undefined) {
    return {
      check: 'order-shape',
      field: 'limitPrice',
      message: `limitPrice: not used by a ${order.type} order; use type limit or stop_limit`,
    };
  }
  if (needsStop) {
    const r = positive('stopPrice', order.stopPrice);
    if (r) return { ...r, message: `${r.message} (a ${order.type} order needs stopPrice)` };
  }
  if (order.type === 'trailing_stop') {
    const hasPercent = order.trailPercent !== undefined;
    const hasPrice = order.trailPrice !== undefined;
    if (hasPercent === hasPrice) {
      return {
        check: 'order-shape',
        field: 'trailPercent',
        message: 'trailPercent: a trailing_stop order needs exactly one of trailPercent or trailPrice',
      };
    }
    const r = hasPercent
      ? positive('trailPercent', order.trailPercent)
      : positive('trailPrice', order.trailPrice);
    if (r) return r;
    if (hasPercent && (order.trailPercent as number) >= 100) {
      return { check: 'order-shape', field: 'trailPercent', message: 'trailPercent: must be below 100' };
    }
  }
  return null;
}

/** An order refused before reaching the broker. */
export class OrderRejectedError extends NeuralTraderError {
  readonly check: string;
  constructor(rejection: PreTradeRejection) {
    super('ORDER_REJECTED', `order rejected: ${rejection.message}`, {
      field: rejection.field,
      hint: `refused by the ${rejection.check} check before reaching the broker`,
    });
    this.name = 'OrderRejectedError';
    this.check = rejection.check;
  }
}

/** The price an order is valued at for notional limits: its limit/stop price, else the last price. */
export function referencePrice(order: OrderRequest, context: PreTradeContext): number | undefined {
  return order.limitPrice ?? order.stopPrice ?? context.price(order.symbol);
}

export interface RiskLimitOptions {
  /** Largest notional (quantity x price) of one order. */
  maxOrderNotional?: number;
  /** Largest absolute position per symbol after the order fills, in shares. */
  maxPositionQuantity?: number;
  /** Only these symbols may be traded (case-insensitive). */
  allowSymbols?: readonly string[];
  /** These symbols may never be traded. */
  denySymbols?: readonly string[];
  /** Refuse buys whose notional exceeds available cash (default true). */
  checkBuyingPower?: boolean;
  /** Known symbols; when set, others are rejected as unknown. */
  knownSymbol?: (symbol: string) => boolean;
}

/** The built-in limit checks, in the order they run. */
export function builtInChecks(options: RiskLimitOptions): PreTradeCheck[] {
  const checks: PreTradeCheck[] = [];
  const allow = options.allowSymbols ? new Set(options.allowSymbols.map((s) => s.toUpperCase())) : undefined;
  const deny = new Set((options.denySymbols ?? []).map((s) => s.toUpperCase()));
  if (options.knownSymbol) {
    const known = options.knownSymbol;
    checks.push({
      name: 'unknown-symbol',
      check: (order) =>
        known(order.symbol)
          ? null
          : {
              check: 'unknown-symbol',
              field: 'symbol',
              message: `symbol: unknown symbol ${order.symbol} (no market data for it)`,
            },
    });
  }
  if (allow || deny.size > 0) {
    checks.push({
      name: 'symbol-lists',
      check: (order) => {
        const symbol = order.symbol.toUpperCase();
        if (deny.has(symbol)) {
          return {
            check: 'symbol-lists',
            field: 'symbol',
            message: `symbol: ${order.symbol} is on the deny list`,
          };
        }
        if (allow && !allow.has(symbol)) {
          return {
            check: 'symbol-lists',
            field: 'symbol',
            message: `symbol: ${order.symbol} is not on the allow list (${[...allow].join(', ')})`,
          };
        }
        return null;
      },
    });
  }
  if (options.maxOrderNotional !== undefined) {
    const max = options.maxOrderNotional;
    checks.push({
      name: 'max-order-notional',
      check: (order, context) => {
        const price = referencePrice(order, context);
        if (price === undefined) return null;
        const notional = order.quantity * price;
        return notional > max
          ? {
              check: 'max-order-notional',
              field: 'quantity',
              message: `quantity: order notional ${notional.toFixed(2)} exceeds the maximum ${max}`,
            }
          : null;
      },
    });
  }
  if (options.maxPositionQuantity !== undefined) {
    const max = options.maxPositionQuantity;
    checks.push({
      name: 'max-position',
      check: (order, context) => {
        const current = context.positions.get(order.symbol) ?? 0;
        const after = current + (order.side === 'buy' ? order.quantity : -order.quantity);
        return Math.abs(after) > max
          ? {
              check: 'max-position',
              field: 'quantity',
              message: `quantity: position in ${order.symbol} would be ${after}, beyond the maximum ${max}`,
            }
          : null;
      },
    });
  }
  if (options.checkBuyingPower !== false) {
    checks.push({
      name: 'buying-power',
      check: (order, context) => {
        if (order.side !== 'buy') return null;
        const held = context.positions.get(order.symbol) ?? 0;
        // Covering a short releases margin rather than using cash; only the part that opens a long counts.
        const opening = held < 0 ? Math.max(0, order.quantity + held) : order.quantity;
        const price = referencePrice(order, context);
        if (price === undefined || opening === 0) return null;
        const cost = opening * price;
        return cost > context.cash + 1e-9
          ? {
              check: 'buying-power',
              field: 'quantity',
              message: `quantity: buying ${opening} ${order.symbol} costs about ${cost.toFixed(2)}, more than the available cash ${context.cash.toFixed(2)}`,
            }
          : null;
      },
    });
  }
  return checks;
}
