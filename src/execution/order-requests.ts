import { ValidationError } from '../core/errors.js';
import { normalizeSymbol, parseIdentifier } from '../core/inputs.js';
import type { OrderRequest } from '../core/orders.js';
import { redact } from '../core/redact.js';
import { Order, type OrderSnapshot } from './order.js';

/**
 * Order requests as the OrderManager books them: the request normalised before any check (symbol,
 * client order id, tag), compared with an earlier order under the same client order id, and orders
 * rebuilt from journal snapshots.
 */

/** Longest client order id (Alpaca's limit). */
export const MAX_CLIENT_ORDER_ID_LENGTH = 128;

/**
 * The request as the manager books it: symbol normalised (`aapl` -> `AAPL`), client order id checked
 * for length and characters, tag redacted and bounded. Throws ValidationError naming the field.
 */
export function normalizeOrderRequest(request: OrderRequest): OrderRequest {
  if (request === null || typeof request !== 'object') {
    throw new ValidationError('order: expected an object with symbol, side, quantity and type', {
      field: 'order',
    });
  }
  const symbol = normalizeSymbol(String(request.symbol ?? ''), 'symbol');
  const clientOrderId =
    request.clientOrderId === undefined
      ? undefined
      : parseIdentifier(request.clientOrderId, 'clientOrderId', { maxLength: MAX_CLIENT_ORDER_ID_LENGTH });
  const tag = request.tag === undefined ? undefined : redact(String(request.tag)).slice(0, 200);
  return { ...request, symbol, clientOrderId, tag };
}

/** The fields of a request that differ from the order booked under its client order id. */
export function requestDifferences(order: Order, request: OrderRequest): string[] {
  const differences: string[] = [];
  const same = (a: unknown, b: unknown) =>
    a === b || (a === undefined && b === null) || (a === null && b === undefined);
  if (order.symbol !== request.symbol) differences.push('symbol');
  if (order.side !== request.side) differences.push('side');
  if (order.type !== request.type) differences.push('type');
  if (order.quantity !== request.quantity) differences.push('quantity');
  if (!same(order.limitPrice, request.limitPrice)) differences.push('limitPrice');
  if (!same(order.stopPrice, request.stopPrice)) differences.push('stopPrice');
  if (request.timeInForce !== undefined && order.timeInForce !== request.timeInForce)
    differences.push('timeInForce');
  return differences;
}

export function orderFromSnapshot(snap: OrderSnapshot): Order {
  const order = new Order({
    id: snap.id,
    clientOrderId: snap.clientOrderId,
    broker: snap.broker,
    request: snap,
    createdAt: snap.createdAt,
    marketTime: snap.marketTime,
    role: snap.role,
    parentId: snap.parentId,
    ocoGroup: snap.ocoGroup,
    held: snap.held,
  });
  order.brokerOrderId = snap.brokerOrderId;
  order.reason = snap.reason;
  order.restore(snap.status, snap.filledQuantity, snap.averageFillPrice, snap.updatedAt);
  return order;
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
