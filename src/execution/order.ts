import { NeuralTraderError } from '../core/errors.js';
import type { OrderRequest, OrderStatus, OrderType, Side, TimeInForce } from '../core/orders.js';
import type { EpochMs } from '../core/time.js';

/**
 * The order model: one `Order` per request, moving through an explicit state machine.
 *
 *   new -> accepted -> partially_filled -> filled
 *   new | accepted | partially_filled -> canceled | expired
 *   new -> rejected
 *
 * plus accepted -> filled (one complete fill) and partially_filled -> partially_filled (more partial
 * fills). Anything else throws `OrderTransitionError`: an order that was filled cannot be canceled, a
 * rejected order cannot fill. The table is the single source of truth; `canTransition` reads it.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  new: ['accepted', 'canceled', 'expired', 'rejected'],
  accepted: ['partially_filled', 'filled', 'canceled', 'expired'],
  partially_filled: ['partially_filled', 'filled', 'canceled', 'expired'],
  filled: [],
  canceled: [],
  expired: [],
  rejected: [],
};

export const OPEN_ORDER_STATUSES: readonly OrderStatus[] = ['new', 'accepted', 'partially_filled'];

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export function isOpenStatus(status: OrderStatus): boolean {
  return status === 'new' || status === 'accepted' || status === 'partially_filled';
}

export class OrderTransitionError extends NeuralTraderError {
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  constructor(orderId: string, from: OrderStatus, to: OrderStatus) {
    super('VALIDATION', `order ${orderId}: invalid transition ${from} -> ${to}`, {
      field: 'status',
      hint:
        ORDER_TRANSITIONS[from].length === 0
          ? `${from} is final`
          : `from ${from} an order may go to ${ORDER_TRANSITIONS[from].join(', ')}`,
    });
    this.name = 'OrderTransitionError';
    this.from = from;
    this.to = to;
  }
}

/** How an order relates to others: a bracket's entry and legs, or an OCO pair. */
export type OrderRole = 'single' | 'bracket_entry' | 'take_profit' | 'stop_loss' | 'oco';

/** A bracket: an entry plus a take-profit limit and a stop-loss stop that become live when the entry fills. */
export interface BracketOrderRequest {
  entry: OrderRequest;
  takeProfit: { limitPrice: number };
  stopLoss: { stopPrice: number; limitPrice?: number };
  /** Time in force of the two exit legs (default gtc). */
  exitTimeInForce?: TimeInForce;
}

/** Two orders where the (first) fill of one cancels the other. */
export interface OcoOrderRequest {
  first: OrderRequest;
  second: OrderRequest;
}

/** A plain snapshot of an order (what listeners, the journal, the CLI and JSON output see). */
export interface OrderSnapshot {
  id: string;
  clientOrderId: string;
  brokerOrderId?: string;
  broker: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: number;
  limitPrice?: number;
  stopPrice?: number;
  trailPercent?: number;
  trailPrice?: number;
  timeInForce: TimeInForce;
  status: OrderStatus;
  filledQuantity: number;
  remainingQuantity: number;
  /** Volume-weighted price of the fills so far (NaN before the first fill). */
  averageFillPrice: number;
  role: OrderRole;
  /** The bracket entry this exit leg belongs to. */
  parentId?: string;
  /** Orders sharing a group cancel each other on the first fill. */
  ocoGroup?: string;
  /** True for a bracket leg waiting for its entry to fill (not yet sent to the broker). */
  held: boolean;
  tag?: string;
  /** Why the order was rejected, canceled or expired, in the broker's or our words. */
  reason?: string;
  /**
   * The account's market time when the order was decided: the bar time in a replay, the wall clock
   * otherwise. `createdAt`/`updatedAt` are always the wall clock, and updatedAt >= createdAt.
   */
  marketTime: EpochMs;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export interface OrderInit {
  id: string;
  clientOrderId: string;
  broker: string;
  request: OrderRequest;
  /** Wall-clock creation time. */
  createdAt: EpochMs;
  /** Market time of the decision (default createdAt). */
  marketTime?: EpochMs;
  role?: OrderRole;
  parentId?: string;
  ocoGroup?: string;
  held?: boolean;
}

/** Quantities below this are treated as zero (fractional shares accumulate float error). */
const QUANTITY_EPSILON = 1e-9;

export class Order {
  readonly id: string;
  readonly clientOrderId: string;
  readonly broker: string;
  brokerOrderId?: string;
  readonly symbol: string;
  readonly side: Side;
  type: OrderType;
  quantity: number;
  limitPrice?: number;
  stopPrice?: number;
  trailPercent?: number;
  trailPrice?: number;
  timeInForce: TimeInForce;
  readonly role: OrderRole;
  readonly parentId?: string;
  readonly ocoGroup?: string;
  held: boolean;
  readonly tag?: string;
  reason?: string;
  readonly marketTime: EpochMs;
  readonly createdAt: EpochMs;
  updatedAt: EpochMs;
  private statusValue: OrderStatus = 'new';
  private filled = 0;
  private filledNotional = 0;

  constructor(init: OrderInit) {
    const r = init.request;
    this.id = init.id;
    this.clientOrderId = init.clientOrderId;
    this.broker = init.broker;
    this.symbol = r.symbol;
    this.side = r.side;
    this.type = r.type;
    this.quantity = r.quantity;
    this.limitPrice = r.limitPrice;
    this.stopPrice = r.stopPrice;
    this.trailPercent = r.trailPercent;
    this.trailPrice = r.trailPrice;
    this.timeInForce = r.timeInForce ?? 'day';
    this.tag = r.tag;
    this.role = init.role ?? 'single';
    this.parentId = init.parentId;
    this.ocoGroup = init.ocoGroup;
    this.held = init.held ?? false;
    this.createdAt = init.createdAt;
    this.marketTime = init.marketTime ?? init.createdAt;
    this.updatedAt = init.createdAt;
  }

  get status(): OrderStatus {
    return this.statusValue;
  }

  get filledQuantity(): number {
    return this.filled;
  }

  get remainingQuantity(): number {
    const left = this.quantity - this.filled;
    return left < QUANTITY_EPSILON ? 0 : left;
  }

  get averageFillPrice(): number {
    return this.filled > 0 ? this.filledNotional / this.filled : Number.NaN;
  }

  get isOpen(): boolean {
    return isOpenStatus(this.statusValue);
  }

  /** Move to `to`; throws OrderTransitionError when the table forbids it. */
  transition(to: OrderStatus, at: EpochMs, reason?: string): void {
    if (!canTransition(this.statusValue, to)) throw new OrderTransitionError(this.id, this.statusValue, to);
    this.statusValue = to;
    this.touch(at);
    if (reason !== undefined) this.reason = reason;
  }

  /** Record a change at wall-clock time `at` (never earlier than the order's last change). */
  touch(at: EpochMs): void {
    if (at > this.updatedAt) this.updatedAt = at;
  }

  /**
   * Book an execution of `quantity` at `price`: updates filled quantity and average price and moves the
   * status to partially_filled or filled (through accepted when the broker skipped the ack).
   */
  applyFill(quantity: number, price: number, at: EpochMs): void {
    if (!(quantity > 0) || !Number.isFinite(quantity)) {
      throw new NeuralTraderError(
        'VALIDATION',
        `order ${this.id}: fill quantity must be > 0, got ${quantity}`,
        {
          field: 'quantity',
        },
      );
    }
    if (quantity > this.remainingQuantity + QUANTITY_EPSILON) {
      throw new NeuralTraderError(
        'VALIDATION',
        `order ${this.id}: fill of ${quantity} exceeds the remaining ${this.remainingQuantity}`,
        { field: 'quantity' },
      );
    }
    if (this.statusValue === 'new') this.transition('accepted', at);
    this.filled += quantity;
    this.filledNotional += quantity * price;
    this.transition(this.remainingQuantity === 0 ? 'filled' : 'partially_filled', at);
  }

  /** Restore from the journal (bypasses the state machine: the journal only ever held valid states). */
  restore(status: OrderStatus, filledQuantity: number, averageFillPrice: number, updatedAt: EpochMs): void {
    this.statusValue = status;
    this.filled = filledQuantity;
    this.filledNotional = filledQuantity > 0 ? filledQuantity * averageFillPrice : 0;
    this.updatedAt = updatedAt;
  }

  /** The request this order stands for now (after any replace). */
  toRequest(): OrderRequest {
    return {
      symbol: this.symbol,
      side: this.side,
      quantity: this.quantity,
      type: this.type,
      limitPrice: this.limitPrice,
      stopPrice: this.stopPrice,
      trailPercent: this.trailPercent,
      trailPrice: this.trailPrice,
      timeInForce: this.timeInForce,
      clientOrderId: this.clientOrderId,
      tag: this.tag,
    };
  }

  snapshot(): OrderSnapshot {
    return {
      id: this.id,
      clientOrderId: this.clientOrderId,
      brokerOrderId: this.brokerOrderId,
      broker: this.broker,
      symbol: this.symbol,
      side: this.side,
      type: this.type,
      quantity: this.quantity,
      limitPrice: this.limitPrice,
      stopPrice: this.stopPrice,
      trailPercent: this.trailPercent,
      trailPrice: this.trailPrice,
      timeInForce: this.timeInForce,
      status: this.statusValue,
      filledQuantity: this.filled,
      remainingQuantity: this.remainingQuantity,
      averageFillPrice: this.averageFillPrice,
      role: this.role,
      parentId: this.parentId,
      ocoGroup: this.ocoGroup,
      held: this.held,
      tag: this.tag,
      reason: this.reason,
      marketTime: this.marketTime,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
  }
}
