import {
  type BarPrices,
  type CommissionModel,
  executionPrice,
  percentCommission,
  slippedFillPrice,
} from '../backtest/fill-models.js';
import { DEFAULT_COMMISSION_RATE, DEFAULT_SLIPPAGE_BPS } from '../core/defaults.js';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import type { OrderStatus } from '../core/orders.js';
import type { EpochMs } from '../core/time.js';
import type {
  Broker,
  BrokerAck,
  BrokerEvent,
  BrokerEventListener,
  BrokerOrderRequest,
  BrokerOrderState,
  OrderChanges,
} from './broker.js';
import { dayOrderExpiry } from './day-orders.js';

/**
 * A simulated broker that fills orders against the latest market data fed to it (bars or quotes),
 * with the same execution-price, slippage and commission models as the backtester, so a paper fill and
 * a backtest fill of the same order on the same bar agree. Everything is synchronous and in-process:
 * events are emitted before `submit` resolves.
 *
 * Conventions:
 * - `fillTiming: 'immediate'` (default): an order is tested at once against the latest price (a bar's
 *   close, or the quote's ask for buys / bid for sells) and then against every new bar.
 *   `'next-bar'`: orders are first tested on the next bar, exactly as in a backtest (market = next open).
 * - `maxParticipation` (0..1]: an order may take at most this fraction of a bar's volume per bar; the
 *   rest stays open and fills on later bars (partial fills). Unset: no volume limit.
 * - time in force: ioc fills what it can on its first test and cancels the rest; fok fills completely on
 *   its first test or is canceled; day expires when a bar of a later (UTC) day arrives; gtc stays.
 * - trailing stops follow the high-water mark (sells) or low-water mark (buys) of the prices seen since
 *   submission; the stop is tested against each bar before the mark moves with it.
 * - costs: commission and slippage default to the backtester's (DEFAULT_COMMISSION_RATE,
 *   DEFAULT_SLIPPAGE_BPS), so paper and backtest results of the same orders agree.
 * - time (`fillTime`): 'bar' (default, replays) stamps a fill with the bar's time; 'clock' stamps it
 *   with `now()` (paper trading on the latest known close: the execution happens now, at a price
 *   from the bar shown as `priceTime`). Day orders expire on the day of that same time.
 */
export interface PaperBar extends BarPrices {
  timestamp: EpochMs;
  volume: number;
}

export interface PaperQuote {
  timestamp: EpochMs;
  bid: number;
  ask: number;
  bidSize?: number;
  askSize?: number;
}

export interface PaperBrokerOptions {
  commission?: CommissionModel;
  slippageBps?: number;
  maxParticipation?: number;
  fillTiming?: 'immediate' | 'next-bar';
  /** Which time a fill carries: the bar's (default) or `now()`. */
  fillTime?: 'bar' | 'clock';
  /** Clock for events without market data, and for fills with fillTime 'clock' (default Date.now). */
  now?: () => EpochMs;
}

interface MarketState {
  timestamp: EpochMs;
  /** Point prices at which an order submitted now can trade. */
  bid: number;
  ask: number;
  last: number;
  /** Volume that orders may still take from the current bar (Infinity without a participation limit). */
  volumeBudget: number;
  lastBar?: PaperBar;
}

interface RestingOrder {
  request: BrokerOrderRequest;
  brokerOrderId: string;
  status: OrderStatus;
  filled: number;
  filledNotional: number;
  fillSeq: number;
  stopTriggered: boolean;
  /** High-water (sell) or low-water (buy) mark of a trailing stop. */
  waterMark: number;
  /** When a day order expires: the close of the session of its first test (day-orders.ts). */
  expiresAt: number;
  tested: boolean;
}

const EPS = 1e-9;

export class PaperBroker implements Broker {
  readonly name = 'paper';
  readonly persistent = false;
  private readonly commission: CommissionModel;
  private readonly slippageBps: number;
  private readonly participation: number;
  private readonly timing: 'immediate' | 'next-bar';
  private readonly fillTime: 'bar' | 'clock';
  private readonly now: () => EpochMs;
  private readonly listeners = new Set<BrokerEventListener>();
  private readonly market = new Map<string, MarketState>();
  private readonly bySymbol = new Map<string, Set<RestingOrder>>();
  private readonly byId = new Map<string, RestingOrder>();
  private readonly byClientId = new Map<string, RestingOrder>();
  /** Distinguishes this broker's ids from those of an earlier process, so fill ids stay unique across restarts. */
  private readonly idPrefix = `P${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  private nextId = 1;

  constructor(options: PaperBrokerOptions = {}) {
    this.commission = options.commission ?? percentCommission(DEFAULT_COMMISSION_RATE);
    this.slippageBps = options.slippageBps ?? DEFAULT_SLIPPAGE_BPS;
    const participation = options.maxParticipation ?? Number.POSITIVE_INFINITY;
    if (!(participation > 0)) {
      throw new ValidationError(`maxParticipation must be > 0, got ${participation}`, {
        field: 'maxParticipation',
      });
    }
    this.participation = participation;
    this.timing = options.fillTiming ?? 'immediate';
    this.fillTime = options.fillTime ?? 'bar';
    this.now = options.now ?? Date.now;
  }

  onEvent(listener: BrokerEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: BrokerEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** The latest price known for a symbol (last bar close or quote mid), if any. */
  lastPrice(symbol: string): number | undefined {
    return this.market.get(symbol)?.last;
  }

  lastTimestamp(symbol: string): EpochMs | undefined {
    return this.market.get(symbol)?.timestamp;
  }

  hasMarketData(symbol: string): boolean {
    return this.market.has(symbol);
  }

  /** Feed a completed bar: marks the symbol and tests every open order on it. */
  feedBar(symbol: string, bar: PaperBar): void {
    const budget = Number.isFinite(this.participation)
      ? bar.volume * this.participation
      : Number.POSITIVE_INFINITY;
    const state: MarketState = {
      timestamp: bar.timestamp,
      bid: bar.close,
      ask: bar.close,
      last: bar.close,
      volumeBudget: budget,
      lastBar: bar,
    };
    this.market.set(symbol, state);
    const orders = this.bySymbol.get(symbol);
    if (!orders || orders.size === 0) return;
    for (const order of [...orders]) this.test(order, bar, state);
  }

  /** Feed a quote: resting orders are tested against the touch (ask for buys, bid for sells). */
  feedQuote(symbol: string, quote: PaperQuote): void {
    const state: MarketState = {
      timestamp: quote.timestamp,
      bid: quote.bid,
      ask: quote.ask,
      last: (quote.bid + quote.ask) / 2,
      volumeBudget: Number.POSITIVE_INFINITY,
      lastBar: this.market.get(symbol)?.lastBar,
    };
    this.market.set(symbol, state);
    const orders = this.bySymbol.get(symbol);
    if (!orders || orders.size === 0) return;
    for (const order of [...orders]) this.testAtPoint(order, state);
  }

  /** A single trade price (e.g. from the CLI's latest sample bar when only a price is known). */
  feedPrice(symbol: string, price: number, timestamp: EpochMs = this.now()): void {
    this.feedQuote(symbol, { timestamp, bid: price, ask: price });
  }

  async submit(request: BrokerOrderRequest): Promise<BrokerAck> {
    return this.submitSync(request);
  }

  /** The synchronous core of submit (the OrderManager uses it to journal a paper order in one transaction). */
  submitSync(request: BrokerOrderRequest): BrokerAck {
    const existing = this.byClientId.get(request.clientOrderId);
    if (existing) return { brokerOrderId: existing.brokerOrderId, status: existing.status };
    const brokerOrderId = `${this.idPrefix}-${this.nextId++}`;
    const state = this.market.get(request.symbol);
    const order: RestingOrder = {
      request: { ...request },
      brokerOrderId,
      status: 'accepted',
      filled: 0,
      filledNotional: 0,
      fillSeq: 0,
      stopTriggered: false,
      waterMark: state ? state.last : Number.NaN,
      expiresAt: Number.POSITIVE_INFINITY,
      tested: false,
    };
    this.byId.set(brokerOrderId, order);
    this.byClientId.set(request.clientOrderId, order);
    let set = this.bySymbol.get(request.symbol);
    if (!set) {
      set = new Set();
      this.bySymbol.set(request.symbol, set);
    }
    set.add(order);
    this.emit({
      type: 'accepted',
      clientOrderId: request.clientOrderId,
      brokerOrderId,
      timestamp: state?.timestamp ?? this.now(),
    });
    if (this.timing === 'immediate' && state) this.testAtPoint(order, state);
    return { brokerOrderId, status: order.status };
  }

  async cancel(brokerOrderId: string): Promise<void> {
    const order = this.byId.get(brokerOrderId);
    if (!order || !this.isOpen(order)) {
      throw new NeuralTraderError('NOT_FOUND', `paper broker: no open order ${brokerOrderId}`, {
        field: 'id',
      });
    }
    this.finish(order, 'canceled', this.now(), 'canceled by request');
  }

  async replace(brokerOrderId: string, changes: OrderChanges): Promise<BrokerAck> {
    const order = this.byId.get(brokerOrderId);
    if (!order || !this.isOpen(order)) {
      throw new NeuralTraderError('NOT_FOUND', `paper broker: no open order ${brokerOrderId}`, {
        field: 'id',
      });
    }
    Object.assign(order.request, stripUndefined(changes));
    const state = this.market.get(order.request.symbol);
    if (this.timing === 'immediate' && state) this.testAtPoint(order, state);
    return { brokerOrderId, status: order.status };
  }

  async lookup(clientOrderId: string): Promise<BrokerOrderState | null> {
    const order = this.byClientId.get(clientOrderId);
    if (!order) return null;
    return {
      brokerOrderId: order.brokerOrderId,
      clientOrderId,
      status: order.status,
      filledQuantity: order.filled,
      averageFillPrice: order.filled > 0 ? order.filledNotional / order.filled : Number.NaN,
      quantity: order.request.quantity,
    };
  }

  /**
   * Drop every trace of an order (its journal write failed, so it must not exist anywhere: a retry
   * with the same client order id then places it afresh instead of finding a phantom).
   */
  forget(clientOrderId: string): void {
    const order = this.byClientId.get(clientOrderId);
    if (!order) return;
    this.remove(order);
    this.byClientId.delete(clientOrderId);
  }

  /** Open orders held by this broker. */
  openOrderCount(): number {
    return this.byId.size;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private isOpen(order: RestingOrder): boolean {
    return order.status === 'accepted' || order.status === 'partially_filled';
  }

  private remove(order: RestingOrder): void {
    this.byId.delete(order.brokerOrderId);
    this.bySymbol.get(order.request.symbol)?.delete(order);
  }

  private finish(order: RestingOrder, status: 'canceled' | 'expired', at: EpochMs, reason: string): void {
    order.status = status;
    this.remove(order);
    this.emit({
      type: status,
      clientOrderId: order.request.clientOrderId,
      brokerOrderId: order.brokerOrderId,
      timestamp: at,
      reason,
    });
  }

  /** Test against a point price (submission time or a quote). */
  private testAtPoint(order: RestingOrder, state: MarketState): void {
    const price = order.request.side === 'buy' ? state.ask : state.bid;
    const point: PaperBar = {
      timestamp: state.timestamp,
      open: price,
      high: price,
      low: price,
      close: price,
      volume: 0,
    };
    this.test(order, point, state);
  }

  private trailStop(order: RestingOrder): number {
    const r = order.request;
    const distance = r.trailPrice ?? (order.waterMark * (r.trailPercent as number)) / 100;
    return r.side === 'sell' ? order.waterMark - distance : order.waterMark + distance;
  }

  private test(order: RestingOrder, bar: PaperBar, state: MarketState): void {
    const r = order.request;
    const time = this.fillTime === 'clock' ? this.now() : bar.timestamp;
    if (order.tested && (r.timeInForce ?? 'day') === 'day' && time >= order.expiresAt) {
      this.finish(order, 'expired', time, 'day order expired at the end of its session');
      return;
    }
    const firstTest = !order.tested;
    if (firstTest) {
      order.tested = true;
      order.expiresAt = dayOrderExpiry(r.symbol, time);
    }
    let price: number;
    if (r.type === 'trailing_stop') {
      if (Number.isNaN(order.waterMark)) order.waterMark = bar.open;
      price = executionPrice({ side: r.side, type: 'stop', stopPrice: this.trailStop(order) }, bar);
      if (Number.isNaN(price))
        order.waterMark =
          r.side === 'sell' ? Math.max(order.waterMark, bar.high) : Math.min(order.waterMark, bar.low);
    } else {
      price = executionPrice(r, bar, order.stopTriggered);
      if (r.type === 'stop_limit' && !order.stopTriggered) {
        order.stopTriggered =
          r.side === 'buy' ? bar.high >= (r.stopPrice as number) : bar.low <= (r.stopPrice as number);
      }
    }
    const remaining = r.quantity - order.filled;
    const tif = r.timeInForce ?? 'day';
    if (Number.isNaN(price)) {
      if (tif === 'ioc' || tif === 'fok') this.finish(order, 'canceled', time, `${tif}: not marketable`);
      return;
    }
    const available = Math.min(remaining, Math.max(0, state.volumeBudget));
    if (tif === 'fok' && available + EPS < remaining) {
      this.finish(order, 'canceled', time, 'fok: the whole quantity was not available');
      return;
    }
    if (available > EPS) {
      state.volumeBudget -= available;
      const fillPrice = slippedFillPrice(r, price, this.slippageBps);
      order.filled += available;
      order.filledNotional += available * fillPrice;
      order.fillSeq++;
      const complete = r.quantity - order.filled < EPS;
      order.status = complete ? 'filled' : 'partially_filled';
      if (complete) this.remove(order);
      this.emit({
        type: 'fill',
        clientOrderId: r.clientOrderId,
        brokerOrderId: order.brokerOrderId,
        timestamp: time,
        fill: {
          fillId: `${order.brokerOrderId}-${order.fillSeq}`,
          quantity: available,
          price: fillPrice,
          commission: this.commission.commission(available, fillPrice),
          timestamp: time,
          priceTime: bar.timestamp,
          cumulativeQuantity: order.filled,
        },
      });
      if (complete) return;
    }
    if (tif === 'ioc' && firstTest) {
      this.finish(order, 'canceled', time, 'ioc: unfilled remainder canceled');
    }
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
