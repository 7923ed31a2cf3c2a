import type { OrderRequest, OrderStatus } from '../core/orders.js';
import type { EpochMs } from '../core/time.js';

/**
 * The one interface the OrderManager talks to, whether orders go to the in-process PaperBroker or to
 * Alpaca. Brokers report what happens to orders through `onEvent`; the OrderManager turns those events
 * into state transitions, journal rows and portfolio fills.
 */

/** An order as handed to a broker: always with our client order id (the idempotency key). */
export type BrokerOrderRequest = OrderRequest & { clientOrderId: string };

/** What the broker said when it took an order. */
export interface BrokerAck {
  brokerOrderId: string;
  status: OrderStatus;
}

/** One execution reported by a broker. */
export interface BrokerFill {
  /** Unique per execution: the key that makes applying a fill twice impossible. */
  fillId: string;
  quantity: number;
  price: number;
  commission: number;
  timestamp: EpochMs;
  /** The order's cumulative filled quantity after this execution, when the broker reports it. */
  cumulativeQuantity?: number;
  /** Bar time of the price it was filled at (the paper broker), when it differs from `timestamp`. */
  priceTime?: EpochMs;
}

export type BrokerEventType = 'accepted' | 'fill' | 'canceled' | 'expired' | 'rejected' | 'replaced';

export interface BrokerEvent {
  type: BrokerEventType;
  clientOrderId: string;
  brokerOrderId?: string;
  timestamp: EpochMs;
  fill?: BrokerFill;
  reason?: string;
  /** For `replaced`: the id of the new broker order that replaces the old one. */
  replacedByBrokerOrderId?: string;
}

/** The broker's view of one order (used to reconcile after a restart). */
export interface BrokerOrderState {
  brokerOrderId: string;
  clientOrderId: string;
  status: OrderStatus;
  filledQuantity: number;
  averageFillPrice: number;
  quantity: number;
  /**
   * Filled on earlier broker orders this one replaced (included in filledQuantity); the broker's
   * cumulative counts for the standing order start after them.
   */
  priorFilledQuantity?: number;
}

export interface BrokerAccount {
  cash: number;
  equity: number;
  buyingPower: number;
}

export interface BrokerPosition {
  symbol: string;
  quantity: number;
  averageCost: number;
  marketValue: number;
}

export interface OrderChanges {
  quantity?: number;
  limitPrice?: number;
  stopPrice?: number;
  trailPercent?: number;
  trailPrice?: number;
  timeInForce?: OrderRequest['timeInForce'];
}

export type BrokerEventListener = (event: BrokerEvent) => void;

export interface Broker {
  /** "paper" or "alpaca": recorded with every journaled order. */
  readonly name: string;
  /**
   * False when the broker forgets its orders with the process (the PaperBroker): after a restart the
   * OrderManager re-places journaled open orders with it instead of asking it what happened.
   */
  readonly persistent: boolean;
  /** True when orders trade real money (Alpaca's live endpoint); client order ids say so. */
  readonly live?: boolean;
  /** Send an order. Events for it may be emitted before this resolves (a paper market order fills at once). */
  submit(order: BrokerOrderRequest): Promise<BrokerAck>;
  cancel(brokerOrderId: string): Promise<void>;
  /** Replace an open order's quantity/prices; resolves with the id of the order that now stands. */
  replace(brokerOrderId: string, changes: OrderChanges, clientOrderId: string): Promise<BrokerAck>;
  /** The broker's record of an order by our client order id, or null when it provably has none. */
  lookup(clientOrderId: string): Promise<BrokerOrderState | null>;
  onEvent(listener: BrokerEventListener): () => void;
  account?(): Promise<BrokerAccount>;
  positions?(): Promise<BrokerPosition[]>;
  close(): Promise<void>;
}
