import {
  DEFAULT_MAX_LEVERAGE,
  DEFAULT_MAX_ORDER_NOTIONAL,
  DEFAULT_MAX_ORDER_QUANTITY,
  DEFAULT_MIN_ORDER_QUANTITY,
} from '../core/defaults.js';
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

/** Prices outside this range are typos or attacks (a limit at 1e-300 would rest forever). */
const MIN_PRICE = 1e-8;
const MAX_PRICE = 1e9;

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

function price(field: string, value: unknown): PreTradeRejection | null {
  const shape = positive(field, value);
  if (shape) return shape;
  if ((value as number) < MIN_PRICE || (value as number) > MAX_PRICE) {
    return {
      check: 'order-shape',
      field,
      message: `${field}: ${describe(value)} is outside the tradable range ${MIN_PRICE} to ${MAX_PRICE}`,
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
    const r = price('limitPrice', order.limitPrice);
    if (r) return { ...r, message: `${r.message} (a ${order.type} order needs limitPrice)` };
  } else if (order.limitPrice !== undefined) {
    return {
      check: 'order-shape',
      field: 'limitPrice',
      message: `limitPrice: not used by a ${order.type} order; use type limit or stop_limit`,
    };
  }
  if (needsStop) {
    const r = price('stopPrice', order.stopPrice);
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
      : price('trailPrice', order.trailPrice);
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
  /** Largest notional (quantity x price) of one order (default DEFAULT_MAX_ORDER_NOTIONAL). */
  maxOrderNotional?: number;
  /** Largest quantity of one order (default DEFAULT_MAX_ORDER_QUANTITY). */
  maxOrderQuantity?: number;
  /** Smallest quantity of one order (default DEFAULT_MIN_ORDER_QUANTITY). */
  minOrderQuantity?: number;
  /**
   * Maximum gross exposure (sum of |position| x price over every symbol, after the order fills) as a
   * multiple of equity: the backtester's margin rule (default DEFAULT_MAX_LEVERAGE = 2). It binds
   * shorts as much as leveraged longs; orders that reduce a position always pass.
   */
  maxLeverage?: number;
  /** Largest absolute position per symbol after the order fills, in shares. */
  maxPositionQuantity?: number;
  /** Only these symbols may be traded (case-insensitive). */
  allowSymbols?: readonly string[];
  /** These symbols may never be traded. */
  denySymbols?: readonly string[];
  /** Apply the gross exposure (buying power) rule (default true). */
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
  const minQuantity = options.minOrderQuantity ?? DEFAULT_MIN_ORDER_QUANTITY;
  const maxQuantity = options.maxOrderQuantity ?? DEFAULT_MAX_ORDER_QUANTITY;
  checks.push({
    name: 'order-size',
    check: (order) => {
      if (order.quantity < minQuantity) {
        return {
          check: 'order-size',
          field: 'quantity',
          message: `quantity: ${order.quantity} is below the smallest tradable quantity ${minQuantity}`,
        };
      }
      if (order.quantity > maxQuantity) {
        return {
          check: 'order-size',
          field: 'quantity',
          message: `quantity: ${order.quantity} is above the maximum order quantity ${maxQuantity}`,
        };
      }
      return null;
    },
  });
  const maxNotional = options.maxOrderNotional ?? DEFAULT_MAX_ORDER_NOTIONAL;
  checks.push({
    name: 'max-order-notional',
    check: (order, context) => {
      const price = referencePrice(order, context);
      if (price === undefined) return null;
      const notional = order.quantity * price;
      return notional > maxNotional
        ? {
            check: 'max-order-notional',
            field: 'quantity',
            message: `quantity: order notional ${notional.toFixed(2)} exceeds the maximum ${maxNotional}`,
          }
        : null;
    },
  });
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
  if (options.checkBuyingPower !== false)
    checks.push(grossExposureCheck(options.maxLeverage ?? DEFAULT_MAX_LEVERAGE));
  return checks;
}

/**
 * The margin rule of the backtester, before the order reaches a broker: gross exposure after the
 * order (every position at its latest price, this one at the order's reference price) at most
 * `maxLeverage` x equity. An order that does not increase its position's size always passes, so a
 * book that is already over the limit can always be reduced.
 */
export function grossExposureCheck(maxLeverage: number): PreTradeCheck {
  if (!(maxLeverage > 0) || !Number.isFinite(maxLeverage)) {
    throw new NeuralTraderError(
      'VALIDATION',
      `maxLeverage: must be a positive finite number, got ${maxLeverage}`,
      {
        field: 'maxLeverage',
      },
    );
  }
  return {
    name: 'buying-power',
    check: (order, context) => {
      const held = context.positions.get(order.symbol) ?? 0;
      const after = held + (order.side === 'buy' ? order.quantity : -order.quantity);
      if (Math.abs(after) <= Math.abs(held)) return null;
      const price = referencePrice(order, context);
      if (price === undefined) return null;
      let grossOthers = 0;
      for (const [symbol, quantity] of context.positions) {
        if (symbol === order.symbol) continue;
        grossOthers += Math.abs(quantity) * (context.price(symbol) ?? 0);
      }
      const grossAfter = grossOthers + Math.abs(after) * price;
      const limit = maxLeverage * context.equity;
      if (grossAfter <= limit * (1 + 1e-12) && context.equity > 0) return null;
      return {
        check: 'buying-power',
        field: 'quantity',
        message:
          `quantity: ${order.side} ${order.quantity} ${order.symbol} at about ${price.toFixed(2)} would take gross exposure to ` +
          `${grossAfter.toFixed(2)}, above ${maxLeverage} x equity ${context.equity.toFixed(2)}`,
      };
    },
  };
}

/**
 * Target weights (symbol -> fraction of equity, negative = short) as a rebalance would trade them,
 * refused when their gross weight (sum of |w|) exceeds `maxLeverage`: the same exposure rule the
 * orders would meet one by one, checked before the first of them is placed.
 */
export function checkTargetWeights(
  targets: Readonly<Record<string, number>>,
  maxLeverage: number = DEFAULT_MAX_LEVERAGE,
  field = 'target_weights',
): void {
  let gross = 0;
  for (const [symbol, weight] of Object.entries(targets)) {
    if (!Number.isFinite(weight)) {
      throw new NeuralTraderError(
        'VALIDATION',
        `${field}.${symbol}: must be a finite number, got ${weight}`,
        { field },
      );
    }
    gross += Math.abs(weight);
  }
  if (gross > maxLeverage + 1e-12) {
    throw new NeuralTraderError(
      'RISK_LIMIT',
      `${field}: gross weight ${gross.toFixed(4)} (sum of |weight|) exceeds the maximum gross exposure of ${maxLeverage} x equity`,
      { field, hint: `scale the weights so that their absolute values add up to at most ${maxLeverage}` },
    );
  }
}
