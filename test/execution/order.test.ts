import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '../../src/core/orders.js';
import { canTransition, ORDER_TRANSITIONS, Order, OrderTransitionError } from '../../src/execution/order.js';

const ALL: OrderStatus[] = [
  'new',
  'accepted',
  'partially_filled',
  'filled',
  'canceled',
  'rejected',
  'expired',
];

/** Put an order into `status` through valid transitions only. */
function orderIn(status: OrderStatus): Order {
  const order = new Order({
    id: 'o1',
    clientOrderId: 'c1',
    broker: 'paper',
    request: { symbol: 'AAPL', side: 'buy', quantity: 10, type: 'market' },
    createdAt: 0,
  });
  const path: Record<OrderStatus, OrderStatus[]> = {
    new: [],
    accepted: ['accepted'],
    partially_filled: ['accepted', 'partially_filled'],
    filled: ['accepted', 'filled'],
    canceled: ['canceled'],
    rejected: ['rejected'],
    expired: ['expired'],
  };
  for (const step of path[status]) order.transition(step, 1);
  return order;
}

describe('order state machine', () => {
  it('allows exactly the documented transitions (all 49 pairs)', () => {
    const allowed = new Set([
      'new>accepted',
      'new>canceled',
      'new>expired',
      'new>rejected',
      'accepted>partially_filled',
      'accepted>filled',
      'accepted>canceled',
      'accepted>expired',
      'partially_filled>partially_filled',
      'partially_filled>filled',
      'partially_filled>canceled',
      'partially_filled>expired',
    ]);
    let checked = 0;
    for (const from of ALL) {
      for (const to of ALL) {
        const order = orderIn(from);
        expect(order.status).toBe(from);
        const ok = allowed.has(`${from}>${to}`);
        expect(canTransition(from, to)).toBe(ok);
        if (ok) {
          order.transition(to, 2);
          expect(order.status).toBe(to);
        } else {
          expect(() => order.transition(to, 2)).toThrow(OrderTransitionError);
          expect(order.status).toBe(from);
        }
        checked++;
      }
    }
    expect(checked).toBe(49);
    expect(ORDER_TRANSITIONS.filled).toEqual([]);
  });

  it('tracks filled quantity, remaining and average fill price', () => {
    const order = orderIn('new');
    expect(Number.isNaN(order.averageFillPrice)).toBe(true);
    order.applyFill(4, 100, 1);
    expect(order.status).toBe('partially_filled');
    expect(order.remainingQuantity).toBe(6);
    order.applyFill(6, 110, 2);
    expect(order.status).toBe('filled');
    expect(order.filledQuantity).toBe(10);
    expect(order.remainingQuantity).toBe(0);
    expect(order.averageFillPrice).toBeCloseTo(106, 10);
    expect(() => order.applyFill(1, 100, 3)).toThrow(/exceeds the remaining/);
  });

  it('refuses fills on final orders and non-positive fills', () => {
    expect(() => orderIn('canceled').applyFill(1, 100, 1)).toThrow();
    expect(() => orderIn('accepted').applyFill(0, 100, 1)).toThrow(/must be > 0/);
    expect(() => orderIn('accepted').applyFill(Number.NaN, 100, 1)).toThrow(/must be > 0/);
  });
});
