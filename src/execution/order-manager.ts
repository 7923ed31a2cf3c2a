import { EventEmitter } from 'node:events';
import { DEFAULT_INITIAL_CAPITAL } from '../core/defaults.js';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { Fill, OrderRequest, OrderStatus, PreTradeCheck, PreTradeContext } from '../core/orders.js';
import { redact } from '../core/redact.js';
import { sqliteError } from '../core/sqlite.js';
import type { EpochMs } from '../core/time.js';
import { Portfolio } from '../portfolio/portfolio.js';
import type { Broker, BrokerEvent, BrokerFill, OrderChanges } from './broker.js';
import { builtInChecks, checkOrderShape, OrderRejectedError, type RiskLimitOptions } from './checks.js';
import { dayOrderExpiry } from './day-orders.js';
import { BrokerRejectedError, OrderStateUnknownError } from './errors.js';
import type { Journal, JournalFill, OrderQuery } from './journal.js';
import { LeaseLostError } from './lease.js';
import {
  type BracketOrderRequest,
  isOpenStatus,
  type OcoOrderRequest,
  Order,
  type OrderSnapshot,
} from './order.js';
import { newClientOrderId, newOrderId } from './order-ids.js';
import {
  normalizeOrderRequest,
  orderFromSnapshot,
  requestDifferences,
  stripUndefined,
} from './order-requests.js';
import { runSubmissionChecks, updateIterator } from './order-submission.js';

/**
 * The OrderManager: the one door orders go through. It validates and risk-checks every request
 * before a broker sees it, journals every order, state change and fill before acknowledging them,
 * keeps the book in the shared Portfolio, drives bracket and OCO orders, and publishes every change
 * as an event (EventEmitter 'update', or `for await (const u of manager.updates())`).
 */
export interface OrderUpdate {
  /** accepted, fill, canceled, expired, rejected, replaced, submitted (journaled, not yet acked). */
  type: 'submitted' | 'accepted' | 'fill' | 'canceled' | 'expired' | 'rejected' | 'replaced';
  order: OrderSnapshot;
  fill?: JournalFill;
}

export interface EquityObserver {
  onEquity(timestamp: EpochMs, equity: number): void;
}

export interface OrderManagerOptions {
  broker: Broker;
  /** Where orders and fills are made durable. Without one, state lives only in memory. */
  journal?: Journal;
  /** Starting cash without a journal (a journal carries its account's own). Default DEFAULT_INITIAL_CAPITAL. */
  initialCapital?: number;
  /** Built-in limits (buying power on by default). */
  limits?: RiskLimitOptions;
  /** Extra checks (risk limits, circuit breakers). */
  checks?: PreTradeCheck[];
  /** Latest price of a symbol for notional checks (default: the broker's last price, else the portfolio's mark). */
  priceOf?: (symbol: string) => number | undefined;
  /**
   * The account's market clock: the bar time in a replay, the wall clock otherwise (default Date.now).
   * Pre-trade checks (a circuit breaker's trading day) and an order's `marketTime` use it.
   */
  now?: () => EpochMs;
  /**
   * The wall clock for created/updated times and events (default: the journal's monotonic clock, or
   * a monotonic Date.now without a journal).
   */
  wallClock?: () => EpochMs;
  /**
   * How long an order may wait, asynchronously, for another connection's lock on the journal before it
   * is refused with an error naming the file (default 5,000 ms). The event loop is never blocked by it.
   */
  lockTimeoutMs?: number;
  /**
   * Announce, with the account's lease, that this owner takes orders handed over by other processes
   * (a HandoffServer will serve them). Default false.
   */
  servesHandoffs?: boolean;
}

export interface ReconcileReport {
  checked: number;
  fillsApplied: number;
  closed: number;
  replaced: number;
  /** Day orders of a non-persistent (paper) broker whose trading day ended while nobody held them. */
  expired: number;
}

interface FillsFilter {
  orderId?: string;
  symbol?: string;
}

const EPS = 1e-9;
const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
const log = createLogger('execution');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isBusy(error: unknown): boolean {
  return (error as { busy?: unknown })?.busy === true;
}

export { newClientOrderId } from './order-ids.js';

export class OrderManager {
  readonly broker: Broker;
  readonly journal?: Journal;
  readonly portfolio: Portfolio;
  private readonly emitter = new EventEmitter();
  private readonly orders = new Map<string, Order>();
  private readonly byClientId = new Map<string, Order>();
  private readonly byBrokerId = new Map<string, Order>();
  /** Filled quantity already booked when an order was (re)placed with the broker: broker cumulative counts start from it. */
  private readonly fillBase = new Map<string, number>();
  private readonly memoryFills: JournalFill[] = [];
  private readonly memoryFillIds = new Set<string>();
  private readonly checks: PreTradeCheck[] = [];
  private readonly equityObservers = new Set<EquityObserver>();
  private readonly priceOf: (symbol: string) => number | undefined;
  private readonly now: () => EpochMs;
  private readonly wallClock: () => EpochMs;
  private readonly lockTimeoutMs: number;
  private readonly pending = new Set<Promise<unknown>>();
  private notifications: OrderUpdate[] = [];
  private depth = 0;
  private readonly dirty = new Set<Order>();
  /** Paper orders placed with the in-process broker in the current group (forgotten if it fails). */
  private readonly placedInGroup: string[] = [];
  private group?: {
    promise: Promise<void>;
    resolve: () => void;
    reject: (error: unknown) => void;
    /** A microtask commit is scheduled (else only the setImmediate fallback of writable()). */
    microtask: boolean;
  };
  /** Broker events that arrived while another connection held the journal's lock, in arrival order. */
  private readonly eventQueue: BrokerEvent[] = [];
  private draining?: Promise<void>;
  private killSwitch: string | undefined;
  /** Set when the account can no longer be traded safely (lost ownership, a failed journal write). */
  private haltReason: NeuralTraderError | undefined;
  private unsubscribe: () => void;

  constructor(options: OrderManagerOptions) {
    this.broker = options.broker;
    this.journal = options.journal;
    this.now = options.now ?? Date.now;
    const journal = options.journal;
    let last = 0;
    this.wallClock =
      options.wallClock ??
      (journal
        ? () => journal.now()
        : () => {
            last = Math.max(last, Date.now());
            return last;
          });
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.emitter.setMaxListeners(0);
    const capital = journal ? journal.initialCapital : (options.initialCapital ?? DEFAULT_INITIAL_CAPITAL);
    this.portfolio = new Portfolio(capital);
    // One process at a time trades an account: take its lease before reading its open orders (throws
    // AccountInUseError naming the owner when another live process has it).
    if (journal && !journal.readonly) journal.lease.acquire(this, { servesHandoffs: options.servesHandoffs });
    this.checks.push(...builtInChecks(options.limits ?? {}));
    for (const check of options.checks ?? []) this.addPreTradeCheck(check);
    const brokerPrice = (this.broker as { lastPrice?: (s: string) => number | undefined }).lastPrice;
    this.priceOf =
      options.priceOf ??
      ((symbol) => brokerPrice?.call(this.broker, symbol) ?? this.portfolio.lastPrice(symbol));
    if (this.journal) this.restoreFromJournal(this.journal);
    const offClose = this.journal?.onBeforeClose(() => this.flushDirty());
    const offEvents = this.broker.onEvent((event) => this.handleBrokerEvent(event));
    // After a stream reconnect, events sent while it was down are gone: ask the broker instead.
    const onReconnect = (this.broker as { onReconnect?: (listener: () => void) => () => void }).onReconnect;
    const offReconnect = onReconnect?.call(this.broker, () => {
      this.reconcile().catch((error) => log.error('reconcile after reconnect failed', { error }));
    });
    this.unsubscribe = () => {
      offClose?.();
      offEvents();
      offReconnect?.();
    };
  }

  /** Rebuild the portfolio from every journaled fill and load open orders. */
  private restoreFromJournal(journal: Journal): void {
    const broker = this.broker.name;
    for (const fill of journal.listFills({ broker })) this.portfolio.applyFill(fill);
    for (const snap of journal.listOrders({ status: 'open', broker })) this.track(orderFromSnapshot(snap));
  }

  /**
   * Forget everything held in memory and reload it from the journal (after a write failed and was
   * rolled back): no order, fill or position survives that the journal does not have.
   */
  private resyncFromJournal(forget: readonly string[]): void {
    const journal = this.journal;
    if (!journal) return;
    // Orders the in-process broker took in the failed writes must not exist there either.
    const paper = this.broker as { forget?: (clientOrderId: string) => void };
    for (const clientOrderId of forget) paper.forget?.(clientOrderId);
    const bases = new Map(this.fillBase);
    this.orders.clear();
    this.byClientId.clear();
    this.byBrokerId.clear();
    this.fillBase.clear();
    this.dirty.clear();
    this.portfolio.clearBook();
    this.restoreFromJournal(journal);
    for (const id of this.orders.keys()) {
      const base = bases.get(id);
      if (base !== undefined) this.fillBase.set(id, base);
    }
  }

  /** Stop trading for good with `error` as the reason every later order is refused with. */
  private halt(error: NeuralTraderError): void {
    if (this.haltReason) return;
    this.haltReason = error;
    log.error(`trading halted: ${error.message}`);
  }

  /** Why this manager no longer trades (lost ownership, a journal that cannot be written), if it stopped. */
  get halted(): NeuralTraderError | undefined {
    return this.haltReason;
  }

  private assertTrading(): void {
    if (this.haltReason) throw this.haltReason;
  }

  private untrack(order: Order): void {
    this.orders.delete(order.id);
    this.byClientId.delete(order.clientOrderId);
    if (order.brokerOrderId) this.byBrokerId.delete(order.brokerOrderId);
    this.fillBase.delete(order.id);
  }

  private track(order: Order): void {
    this.orders.set(order.id, order);
    this.byClientId.set(order.clientOrderId, order);
    if (order.brokerOrderId) this.byBrokerId.set(order.brokerOrderId, order);
  }

  // ---- checks, kill switch, equity -------------------------------------------------------------

  /** Register an extra pre-trade check; one that also has onEquity() is told about every equity mark. */
  addPreTradeCheck(check: PreTradeCheck): void {
    this.checks.push(check);
    if (typeof (check as Partial<EquityObserver>).onEquity === 'function') {
      this.equityObservers.add(check as unknown as EquityObserver);
    }
  }

  removePreTradeCheck(name: string): void {
    const index = this.checks.findIndex((c) => c.name === name);
    if (index >= 0) {
      const [removed] = this.checks.splice(index, 1);
      this.equityObservers.delete(removed as unknown as EquityObserver);
    }
  }

  addEquityObserver(observer: EquityObserver | ((timestamp: EpochMs, equity: number) => void)): () => void {
    const o: EquityObserver = typeof observer === 'function' ? { onEquity: observer } : observer;
    this.equityObservers.add(o);
    return () => this.equityObservers.delete(o);
  }

  /** Tell every equity observer (circuit breakers, drawdown limits) the account's equity at `timestamp`. */
  onEquity(timestamp: EpochMs, equity: number = this.portfolio.equity): void {
    for (const observer of this.equityObservers) observer.onEquity(timestamp, equity);
  }

  /** Mark a symbol to a price and report the resulting equity to observers. */
  mark(symbol: string, price: number, timestamp: EpochMs): void {
    this.portfolio.mark(symbol, price);
    this.onEquity(timestamp, this.portfolio.equity);
  }

  /** Refuse every new order until released (cancels and exits still go through). */
  engageKillSwitch(reason = 'kill switch engaged'): void {
    this.killSwitch = reason;
    log.warn('kill switch engaged', { reason });
  }

  releaseKillSwitch(): void {
    this.killSwitch = undefined;
  }

  get killSwitchEngaged(): boolean {
    return this.killSwitch !== undefined;
  }

  private context(): PreTradeContext {
    return {
      timestamp: this.now(),
      cash: this.portfolio.cash,
      equity: this.portfolio.equity,
      positions: this.portfolio.positionMap(),
      price: this.priceOf,
    };
  }

  /**
   * The request as the manager books it: symbol normalised (`aapl` -> `AAPL`), client order id checked
   * for length and characters. Throws ValidationError naming the field.
   */
  normalize(request: OrderRequest): OrderRequest {
    return normalizeOrderRequest(request);
  }

  /** Run the shape check, the kill switch and every registered check; throws OrderRejectedError. */
  validate(request: OrderRequest): void {
    runSubmissionChecks(request, this.killSwitch, this.checks, () => this.context());
  }

  // ---- events ------------------------------------------------------------------------------------

  on(event: 'update', listener: (update: OrderUpdate) => void): this {
    this.emitter.on(event, listener);
    return this;
  }

  off(event: 'update', listener: (update: OrderUpdate) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  /** Every order update from now on, as an async iterator (ends when the manager closes or `signal` aborts). */
  updates(signal?: AbortSignal): AsyncIterableIterator<OrderUpdate> {
    return updateIterator<OrderUpdate>(this.emitter, 'update', signal);
  }

  private notify(update: OrderUpdate): void {
    this.notifications.push(update);
  }

  /**
   * Apply `fn`'s journal writes atomically (a savepoint) inside the current commit group. Listeners
   * hear of them, and callers are acknowledged (`durable()`), only after the group commits.
   *
   * Group commit: the first write of a tick opens a transaction; a microtask commits it after the
   * synchronous code of the tick has run. A caller awaiting each order still gets one commit per order;
   * orders submitted together (Promise.all, a strategy's orders on one bar, fills of one bar) share one
   * commit. Nothing is acknowledged before its commit, so every acknowledged order is durable.
   *
   * A unit that fails leaves nothing behind: its savepoint is rolled back, and the orders, fills and
   * positions held in memory are reloaded from the journal (no phantom order for a retry to find).
   */
  private atomically<T>(fn: () => T): T {
    const journal = this.journal;
    if (!journal) {
      this.depth++;
      const mark = this.notifications.length;
      try {
        return fn();
      } catch (error) {
        this.notifications.length = mark;
        throw error;
      } finally {
        this.depth--;
        if (this.depth === 0) this.emitNotifications();
      }
    }
    // Nested calls (a paper fill emitted while its order is being placed) run inside the enclosing
    // savepoint: if they fail, the whole enclosing unit is rolled back, never half of it.
    if (this.depth > 0) return fn();
    // Throws before anything changed when another connection holds the lock (JournalLockedError) or
    // the account was taken over (LeaseLostError).
    this.openGroup(journal, 'microtask');
    const mark = this.notifications.length;
    const placedMark = this.placedInGroup.length;
    this.depth++;
    try {
      return journal.transaction(() => {
        const result = fn();
        // Rows are written inside the unit's savepoint, so a failure rolls back exactly this unit.
        this.flushDirty();
        return result;
      });
    } catch (error) {
      this.notifications.length = mark;
      this.resyncFromJournal(this.placedInGroup.splice(placedMark));
      throw this.journalFailure(error);
    } finally {
      this.depth--;
    }
  }

  /** A write error as the caller should see it (naming the journal file); lost ownership halts trading. */
  private journalFailure(error: unknown): unknown {
    if (error instanceof LeaseLostError) this.halt(error);
    if (
      this.journal &&
      !(error instanceof NeuralTraderError) &&
      /^SQLITE_/.test(String((error as { code?: unknown })?.code))
    ) {
      return sqliteError(error, 'order journal', this.journal.path);
    }
    return error;
  }

  /**
   * Open the commit group: BEGIN IMMEDIATE takes the journal's write lock (failing fast, after the
   * short busy timeout, when another connection holds it) and checks the lease still names us.
   * 'microtask' commits after the current synchronous code; 'immediate' (writable()) commits on the
   * next turn of the event loop unless a unit joins and schedules the microtask commit itself.
   */
  private openGroup(journal: Journal, commit: 'microtask' | 'immediate'): void {
    if (this.group) {
      if (commit === 'microtask' && !this.group.microtask) {
        this.group.microtask = true;
        const group = this.group;
        queueMicrotask(() => this.commitGroup(group));
      }
      return;
    }
    journal.begin();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting (e.g. fills of a bar nobody awaits): keep a failed commit from being an
    // unhandled rejection; it is logged below and surfaces to anyone awaiting durable().
    promise.catch(() => {});
    const group = { promise, resolve, reject, microtask: commit === 'microtask' };
    this.group = group;
    if (commit === 'microtask') queueMicrotask(() => this.commitGroup(group));
    else setImmediate(() => this.commitGroup(group));
  }

  /**
   * Wait, without blocking the event loop, until this manager holds the journal's write lock (a group
   * is open), for at most lockTimeoutMs. Public operations call it before they change anything, so a
   * lock held by another process delays them but never leaves half an order behind.
   */
  private async writable(): Promise<void> {
    const journal = this.journal;
    if (!journal) return;
    const deadline = Date.now() + this.lockTimeoutMs;
    let delay = 1;
    while (!this.group) {
      this.assertTrading();
      try {
        this.openGroup(journal, 'immediate');
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() >= deadline) throw this.journalFailure(error);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  private commitGroup(group?: OrderManager['group']): void {
    if (!group || this.group !== group || !this.journal) return;
    this.group = undefined;
    if (!this.journal.isOpen) {
      // Journal.close() committed the group (after flushing our rows through its close hook).
      this.placedInGroup.length = 0;
      this.emitNotifications();
      group.resolve();
      return;
    }
    try {
      this.flushDirty();
      this.journal.commit();
    } catch (error) {
      log.error('journal commit failed; the last orders were not acknowledged', { error });
      this.notifications = [];
      try {
        this.journal.rollback();
      } catch {
        // already rolled back
      }
      this.resyncFromJournal(this.placedInGroup.splice(0));
      group.reject(error);
      return;
    }
    this.placedInGroup.length = 0;
    this.emitNotifications();
    group.resolve();
  }

  private emitNotifications(): void {
    if (this.notifications.length === 0) return;
    const batch = this.notifications;
    this.notifications = [];
    for (const update of batch) this.emitter.emit('update', update);
  }

  /** Resolves when every journal write made so far is committed. */
  private durable(): Promise<void> {
    return this.group?.promise ?? Promise.resolve();
  }

  /**
   * Record a state change now and mark the order's row for writing; rows are written once per commit
   * (or before a journal read), so an order that is accepted and filled in one tick costs one UPDATE.
   */
  private save(order: Order, from?: OrderStatus): void {
    const journal = this.journal;
    if (!journal) return;
    if (from !== undefined && from !== order.status) {
      journal.recordEvent(order.id, from, order.status, order.updatedAt, order.reason);
    }
    this.dirty.add(order);
  }

  /** Journal a new order: its first event now, its row (in its latest state) with the next flush. */
  private insert(order: Order): void {
    const journal = this.journal;
    if (!journal) return;
    journal.recordEvent(order.id, null, order.status, order.createdAt, order.reason);
    this.dirty.add(order);
  }

  private flushDirty(): void {
    if (!this.journal || this.dirty.size === 0) return;
    const journal = this.journal;
    journal.transaction(() => {
      for (const order of this.dirty) journal.upsertOrder(order.snapshot());
    });
    // Finished plain orders live on in the journal only (lookups fall back to it), so a long-running
    // process does not accumulate every order it ever sent.
    for (const order of this.dirty) if (!order.isOpen && order.role === 'single') this.untrack(order);
    this.dirty.clear();
  }

  /** Journal events happen at wall-clock time; an order's last change is never before its creation. */
  private stamp(): EpochMs {
    return this.wallClock();
  }

  // ---- submit --------------------------------------------------------------------------------------

  private findTracked(anyId: string): Order | undefined {
    const tracked = this.orders.get(anyId) ?? this.byClientId.get(anyId) ?? this.byBrokerId.get(anyId);
    if (tracked) return tracked;
    this.flushDirty();
    const snap = this.journal?.findOrder(anyId);
    if (!snap) return undefined;
    const order = orderFromSnapshot(snap);
    this.track(order);
    return order;
  }

  /**
   * Validate, journal and send an order. Resolves once the order (and any immediate fills) are
   * journaled. The same clientOrderId twice yields the first order. Throws OrderRejectedError when a
   * check refuses (nothing reaches the broker), OrderStateUnknownError when the broker's answer was lost.
   */
  async submitOrder(request: OrderRequest): Promise<OrderSnapshot> {
    this.assertTrading();
    const normalized = this.normalize(request);
    const existing = this.existingOrder(normalized);
    if (existing) return existing;
    this.validate(normalized);
    for (;;) {
      await this.writable();
      // Another call may have placed this client order id while we waited for the lock.
      const placed = this.existingOrder(normalized);
      if (placed) return placed;
      const order = this.newOrder(normalized);
      try {
        await this.place(order, true);
        return order.snapshot();
      } catch (error) {
        // The group we waited for was committed by someone else before our turn and the lock was
        // taken again: nothing was written, try again within the deadline.
        if (isBusy(error) && !this.journal?.getOrderByClientId(order.clientOrderId)) continue;
        throw error;
      }
    }
  }

  /**
   * The order already booked under this request's client order id, or undefined. The same id for a
   * DIFFERENT order is refused (a retry must repeat the request exactly; a new order needs a new id).
   */
  private existingOrder(request: OrderRequest): OrderSnapshot | undefined {
    const clientOrderId = request.clientOrderId;
    if (clientOrderId === undefined) return undefined;
    let existing = this.byClientId.get(clientOrderId);
    if (!existing && this.journal) {
      this.flushDirty();
      const snap = this.journal.getOrderByClientId(clientOrderId);
      if (snap) {
        existing = orderFromSnapshot(snap);
        if (existing.isOpen) this.track(existing);
      }
    }
    if (!existing) return undefined;
    const differences = requestDifferences(existing, request);
    if (differences.length > 0) {
      throw new NeuralTraderError(
        'CONFLICT',
        `clientOrderId: "${request.clientOrderId}" was already used for ${existing.side} ${existing.quantity} ${existing.symbol} ${existing.type} (${differences.join(', ')} differ)`,
        {
          field: 'clientOrderId',
          hint: 'repeat the exact order to retry it, or use a new client order id for a new order',
        },
      );
    }
    return existing.snapshot();
  }

  /** A client order id for an order that has none: says paper or live truthfully. */
  newClientOrderId(): string {
    return newClientOrderId(this.broker.live === true);
  }

  private newOrder(
    request: OrderRequest,
    extra: Partial<Pick<Order, 'role' | 'parentId' | 'ocoGroup' | 'held'>> = {},
  ): Order {
    const id = newOrderId();
    return new Order({
      id,
      clientOrderId: request.clientOrderId ?? newClientOrderId(this.broker.live === true, id),
      broker: this.broker.name,
      request,
      createdAt: this.stamp(),
      marketTime: this.now(),
      role: extra.role,
      parentId: extra.parentId,
      ocoGroup: extra.ocoGroup,
      held: extra.held,
    });
  }

  /** Journal a new order (when `insert`) and send it to the broker. */
  private async place(order: Order, insert: boolean): Promise<void> {
    const sync = (this.broker as { submitSync?: (r: ReturnType<Order['toRequest']>) => unknown }).submitSync;
    const request = {
      ...order.toRequest(),
      quantity: order.remainingQuantity,
      clientOrderId: order.clientOrderId,
    };
    if (sync && !this.broker.persistent) {
      // In-process broker: the order, its acceptance and any immediate fills commit together. A crash
      // before the commit loses an order no broker ever kept, which is the same as never submitting it.
      if (!this.group) await this.writable();
      this.atomically(() => {
        this.track(order);
        if (insert) {
          this.insert(order);
          this.notify({ type: 'submitted', order: order.snapshot() });
        }
        this.fillBase.set(order.id, order.filledQuantity);
        this.placedInGroup.push(order.clientOrderId);
        const ack = sync.call(this.broker, request) as { brokerOrderId: string };
        this.setBrokerId(order, ack.brokerOrderId);
      });
      await this.durable();
      return;
    }
    // Remote broker: the intent is durable before the request leaves, so a crash mid-request is
    // reconciled by client order id on restart.
    if (insert) {
      this.atomically(() => {
        this.track(order);
        this.insert(order);
        this.notify({ type: 'submitted', order: order.snapshot() });
      });
    } else {
      this.track(order);
    }
    await this.durable();
    this.fillBase.set(order.id, order.filledQuantity);
    try {
      const ack = await this.broker.submit(request);
      await this.writable();
      this.atomically(() => {
        this.setBrokerId(order, ack.brokerOrderId);
        if (order.status === 'new' && ack.status !== 'new' && ack.status !== 'rejected') {
          this.transition(order, 'accepted', this.stamp());
        }
        this.save(order);
      });
      await this.durable();
    } catch (error) {
      if (error instanceof BrokerRejectedError) {
        await this.writable();
        this.atomically(() => {
          if (order.status === 'new') this.transition(order, 'rejected', this.stamp(), redact(error.message));
        });
        await this.durable();
        return;
      }
      if (error instanceof OrderStateUnknownError) {
        if (order.brokerOrderId) {
          // The REST answer was lost but the broker's stream already told us about the order: it exists.
          log.info('order confirmed by the trade stream despite the failed request', { orderId: order.id });
          return;
        }
        await this.writable();
        this.atomically(() => {
          order.reason = redact(error.message);
          this.save(order);
        });
        await this.durable();
      }
      throw error;
    }
  }

  private setBrokerId(order: Order, brokerOrderId: string): void {
    if (order.brokerOrderId === brokerOrderId) return;
    if (order.brokerOrderId) this.byBrokerId.delete(order.brokerOrderId);
    order.brokerOrderId = brokerOrderId;
    this.byBrokerId.set(brokerOrderId, order);
    this.save(order);
  }

  private transition(order: Order, to: OrderStatus, at: EpochMs, reason?: string): void {
    const from = order.status;
    order.transition(to, at, reason === undefined ? undefined : redact(reason));
    this.save(order, from);
    this.notify({
      type: to === 'partially_filled' || to === 'filled' ? 'fill' : (to as OrderUpdate['type']),
      order: order.snapshot(),
    });
  }

  /**
   * A bracket: the entry goes to the broker now; the take-profit limit and stop-loss stop are journaled
   * as held legs and sent when the entry fills; the first of them to fill cancels the other.
   */
  async submitBracket(
    bracket: BracketOrderRequest,
  ): Promise<{ entry: OrderSnapshot; takeProfit: OrderSnapshot; stopLoss: OrderSnapshot }> {
    this.assertTrading();
    const entryRequest = this.normalize(bracket.entry);
    if (entryRequest.clientOrderId !== undefined) {
      const existing = this.findTracked(entryRequest.clientOrderId);
      if (existing) {
        const legs = this.legsOf(existing.id);
        const tp = legs.find((o) => o.role === 'take_profit');
        const sl = legs.find((o) => o.role === 'stop_loss');
        if (tp && sl)
          return { entry: existing.snapshot(), takeProfit: tp.snapshot(), stopLoss: sl.snapshot() };
      }
    }
    const exitSide = entryRequest.side === 'buy' ? 'sell' : 'buy';
    const tif = bracket.exitTimeInForce ?? 'gtc';
    const tpRequest: OrderRequest = {
      symbol: entryRequest.symbol,
      side: exitSide,
      quantity: entryRequest.quantity,
      type: 'limit',
      limitPrice: bracket.takeProfit.limitPrice,
      timeInForce: tif,
    };
    const slRequest: OrderRequest = {
      symbol: entryRequest.symbol,
      side: exitSide,
      quantity: entryRequest.quantity,
      type: bracket.stopLoss.limitPrice === undefined ? 'stop' : 'stop_limit',
      stopPrice: bracket.stopLoss.stopPrice,
      limitPrice: bracket.stopLoss.limitPrice,
      timeInForce: tif,
    };
    this.validate(entryRequest);
    for (const [name, leg] of [
      ['takeProfit', tpRequest],
      ['stopLoss', slRequest],
    ] as const) {
      const shape = checkOrderShape(leg);
      if (shape)
        throw new OrderRejectedError({
          ...shape,
          field: `${name}.${shape.field}`,
          message: `${name}.${shape.message}`,
        });
    }
    const tp = bracket.takeProfit.limitPrice;
    const sl = bracket.stopLoss.stopPrice;
    if (exitSide === 'sell' ? tp <= sl : tp >= sl) {
      throw new OrderRejectedError({
        check: 'order-shape',
        field: 'takeProfit.limitPrice',
        message: `takeProfit.limitPrice: ${tp} must be ${exitSide === 'sell' ? 'above' : 'below'} stopLoss.stopPrice ${sl}`,
      });
    }
    const entry = this.newOrder(entryRequest, { role: 'bracket_entry' });
    const takeProfit = this.newOrder(tpRequest, {
      role: 'take_profit',
      parentId: entry.id,
      ocoGroup: entry.id,
      held: true,
    });
    const stopLoss = this.newOrder(slRequest, {
      role: 'stop_loss',
      parentId: entry.id,
      ocoGroup: entry.id,
      held: true,
    });
    await this.writable();
    this.atomically(() => {
      for (const leg of [takeProfit, stopLoss]) {
        this.track(leg);
        this.insert(leg);
      }
    });
    await this.place(entry, true);
    await this.settled();
    return { entry: entry.snapshot(), takeProfit: takeProfit.snapshot(), stopLoss: stopLoss.snapshot() };
  }

  /** Two live orders; the first fill of either cancels the other. */
  async submitOco(oco: OcoOrderRequest): Promise<[OrderSnapshot, OrderSnapshot]> {
    this.assertTrading();
    const firstRequest = this.normalize(oco.first);
    const secondRequest = this.normalize(oco.second);
    this.validate(firstRequest);
    this.validate(secondRequest);
    const group = `oco-${newOrderId()}`;
    const first = this.newOrder(firstRequest, { role: 'oco', ocoGroup: group });
    const second = this.newOrder(secondRequest, { role: 'oco', ocoGroup: group });
    // Journal both before either can fill, so the sibling exists when the first fill cancels it.
    await this.writable();
    this.atomically(() => {
      for (const o of [first, second]) {
        this.track(o);
        this.insert(o);
      }
    });
    await this.place(first, false);
    if (second.isOpen) await this.place(second, false);
    await this.settled();
    return [first.snapshot(), second.snapshot()];
  }

  private legsOf(parentId: string): Order[] {
    const legs = [...this.orders.values()].filter((o) => o.parentId === parentId);
    if (legs.length > 0 || !this.journal) return legs;
    this.flushDirty();
    return this.journal
      .listOrders()
      .filter((s) => s.parentId === parentId)
      .map((s) => this.findTracked(s.id) as Order);
  }

  // ---- cancel / replace ----------------------------------------------------------------------------

  async cancelOrder(id: string): Promise<OrderSnapshot> {
    const order = this.findTracked(id);
    if (!order)
      throw new NeuralTraderError('NOT_FOUND', `no order ${id}`, {
        field: 'id',
        hint: 'list orders with `npx neural-trader order list`',
      });
    if (!order.isOpen) {
      throw new ValidationError(
        `order ${order.id} is already ${order.status}; only open orders can be canceled`,
        {
          field: 'id',
        },
      );
    }
    this.assertTrading();
    if (order.held || !order.brokerOrderId) {
      await this.writable();
      this.atomically(() => this.transition(order, 'canceled', this.stamp(), 'canceled by request'));
      await this.durable();
      return order.snapshot();
    }
    // An in-process broker reports the cancel synchronously: hold the lock before asking it.
    if (!this.broker.persistent) await this.writable();
    await this.broker.cancel(order.brokerOrderId);
    await this.settleEvents();
    await this.durable();
    return order.snapshot();
  }

  /** Cancel every open order (e.g. on shutdown with --cancel-on-exit). Returns how many were canceled. */
  async cancelAll(): Promise<number> {
    let count = 0;
    for (const order of [...this.orders.values()]) {
      if (!order.isOpen) continue;
      try {
        await this.cancelOrder(order.id);
        count++;
      } catch (error) {
        log.warn('cancel failed', { orderId: order.id, error });
      }
    }
    return count;
  }

  async replaceOrder(id: string, changes: OrderChanges): Promise<OrderSnapshot> {
    const order = this.findTracked(id);
    if (!order) throw new NeuralTraderError('NOT_FOUND', `no order ${id}`, { field: 'id' });
    if (!order.isOpen) {
      throw new ValidationError(
        `order ${order.id} is already ${order.status}; only open orders can be replaced`,
        {
          field: 'id',
        },
      );
    }
    const merged: OrderRequest = { ...order.toRequest(), ...stripUndefined(changes) };
    const shape = checkOrderShape(merged);
    if (shape) throw new OrderRejectedError(shape);
    // A total at or below what already filled leaves nothing to work: that is a cancel, and a broker
    // order replaced down to zero remaining would stay open with nothing left to fill.
    if (order.filledQuantity > 0 && merged.quantity <= order.filledQuantity + EPS) {
      throw new OrderRejectedError({
        check: 'order-shape',
        field: 'quantity',
        message:
          `quantity: ${merged.quantity} is not above the ${order.filledQuantity} already filled; ` +
          'cancel the order to stop the rest',
      });
    }
    const apply = () => {
      order.quantity = merged.quantity;
      order.limitPrice = merged.limitPrice;
      order.stopPrice = merged.stopPrice;
      order.trailPercent = merged.trailPercent;
      order.trailPrice = merged.trailPrice;
      order.timeInForce = merged.timeInForce ?? order.timeInForce;
      order.touch(this.stamp());
    };
    this.assertTrading();
    if (order.held || !order.brokerOrderId) {
      await this.writable();
      this.atomically(() => {
        apply();
        this.save(order);
        this.notify({ type: 'replaced', order: order.snapshot() });
      });
      await this.durable();
      return order.snapshot();
    }
    // Our quantity is the order's total; a broker counts only what its standing order covers. Alpaca
    // replaces with a new order for what is still unfilled; the paper broker edits its order in place,
    // which covers everything since it was (re)placed.
    const brokerChanges: OrderChanges = { ...changes };
    if (changes.quantity !== undefined) {
      const covered = this.broker.persistent ? order.filledQuantity : (this.fillBase.get(order.id) ?? 0);
      brokerChanges.quantity = changes.quantity - covered;
    }
    if (!this.broker.persistent) await this.writable();
    const ack = await this.broker.replace(order.brokerOrderId, brokerChanges, order.clientOrderId);
    await this.writable();
    this.atomically(() => {
      apply();
      if (ack.brokerOrderId !== order.brokerOrderId) {
        // The broker booked a new order for the rest; its cumulative fills start from what is filled now.
        this.fillBase.set(order.id, order.filledQuantity);
      }
      this.setBrokerId(order, ack.brokerOrderId);
      this.save(order);
      this.notify({ type: 'replaced', order: order.snapshot() });
    });
    await this.durable();
    return order.snapshot();
  }

  // ---- queries --------------------------------------------------------------------------------------

  getOrderStatus(id: string): OrderSnapshot | undefined {
    return this.findTracked(id)?.snapshot();
  }

  getOrders(filter: OrderQuery = {}): OrderSnapshot[] {
    if (this.journal) {
      this.flushDirty();
      return this.journal.listOrders({ broker: this.broker.name, ...filter });
    }
    const status = filter.status ?? 'all';
    return [...this.orders.values()]
      .filter((o) =>
        status === 'all'
          ? true
          : status === 'open'
            ? o.isOpen
            : status === 'closed'
              ? !o.isOpen
              : o.status === status,
      )
      .filter((o) => !filter.symbol || o.symbol === filter.symbol)
      .map((o) => o.snapshot());
  }

  getFills(filter: FillsFilter = {}): (Fill & { fillId: string })[] {
    if (this.journal) return this.journal.listFills({ broker: this.broker.name, ...filter });
    return this.memoryFills.filter(
      (f) =>
        (!filter.orderId || f.orderId === filter.orderId) && (!filter.symbol || f.symbol === filter.symbol),
    );
  }

  // ---- broker events ----------------------------------------------------------------------------------

  private handleBrokerEvent(event: BrokerEvent): void {
    const order =
      (event.brokerOrderId ? this.byBrokerId.get(event.brokerOrderId) : undefined) ??
      this.byClientId.get(event.clientOrderId) ??
      this.findTracked(event.clientOrderId);
    if (!order) {
      log.debug('event for an order this manager does not know', {
        type: event.type,
        clientOrderId: event.clientOrderId,
      });
      return;
    }
    if (this.depth > 0) {
      // Inside a unit of work (e.g. placing a paper order): a failure must abort that whole unit.
      this.atomically(() => this.applyEvent(order, event));
      return;
    }
    if (this.eventQueue.length > 0) {
      // Keep broker events in their order: earlier ones are still waiting for the lock.
      this.eventQueue.push(event);
      return;
    }
    try {
      this.atomically(() => this.applyEvent(order, event));
    } catch (error) {
      if (isBusy(error)) {
        // Another connection holds the journal's lock: wait for it asynchronously, never on the event loop.
        this.eventQueue.push(event);
        this.drainEvents();
        return;
      }
      // The broker did something the journal could not record: the book no longer matches the broker.
      const failure =
        error instanceof NeuralTraderError
          ? error
          : new NeuralTraderError(
              'IO',
              `could not journal a ${event.type} of order ${order.id}: ${(error as Error).message}`,
            );
      this.halt(failure);
      log.error('could not apply broker event', { type: event.type, orderId: order.id, error });
    }
  }

  /** Apply queued broker events, in order, as soon as the journal can be written. */
  private drainEvents(): void {
    if (this.draining) return;
    this.draining = (async () => {
      try {
        while (this.eventQueue.length > 0) {
          await this.writable();
          const event = this.eventQueue.shift() as BrokerEvent;
          const order =
            (event.brokerOrderId ? this.byBrokerId.get(event.brokerOrderId) : undefined) ??
            this.findTracked(event.clientOrderId);
          if (order) this.atomically(() => this.applyEvent(order, event));
        }
      } catch (error) {
        this.eventQueue.length = 0;
        this.halt(
          error instanceof NeuralTraderError
            ? error
            : new NeuralTraderError('IO', `could not journal broker events: ${(error as Error).message}`),
        );
      } finally {
        this.draining = undefined;
      }
    })();
  }

  /** Resolves when broker events waiting for the journal's lock have been applied. */
  private async settleEvents(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private applyEvent(order: Order, event: BrokerEvent): void {
    if (event.brokerOrderId && !order.brokerOrderId) this.setBrokerId(order, event.brokerOrderId);
    switch (event.type) {
      case 'accepted':
        if (order.status === 'new') this.transition(order, 'accepted', this.stamp());
        return;
      case 'fill':
        if (event.fill) this.applyFill(order, event.fill);
        return;
      case 'canceled':
      case 'expired':
        if (order.isOpen) this.transition(order, event.type, this.stamp(), event.reason);
        this.afterClose(order);
        return;
      case 'rejected':
        if (order.status === 'new') this.transition(order, 'rejected', this.stamp(), event.reason);
        // A broker may refuse an order it had already accepted (e.g. the exchange refused it): the
        // state machine has no accepted -> rejected, so it is a cancel with the broker's reason.
        else if (order.isOpen)
          this.transition(order, 'canceled', this.stamp(), `rejected by broker: ${event.reason ?? ''}`);
        this.afterClose(order);
        return;
      case 'replaced':
        if (event.replacedByBrokerOrderId) {
          this.fillBase.set(order.id, order.filledQuantity);
          this.setBrokerId(order, event.replacedByBrokerOrderId);
        }
        return;
    }
  }

  /** Book one execution exactly once: by fill id, and by the broker's cumulative quantity when given. */
  private applyFill(order: Order, brokerFill: BrokerFill): void {
    let quantity = brokerFill.quantity;
    if (brokerFill.cumulativeQuantity !== undefined) {
      const base = this.fillBase.get(order.id) ?? 0;
      const unbooked = base + brokerFill.cumulativeQuantity - order.filledQuantity;
      if (unbooked <= EPS) return; // already booked (e.g. by reconciliation while the stream was away)
      quantity = Math.min(quantity, unbooked);
    }
    if (quantity > order.remainingQuantity + EPS) {
      log.warn('broker filled more than the remaining quantity; booking the remainder', {
        orderId: order.id,
        reported: quantity,
        remaining: order.remainingQuantity,
      });
      quantity = order.remainingQuantity;
    }
    if (quantity <= EPS) return;
    const recordedAt = this.stamp();
    const fill: JournalFill = {
      fillId: brokerFill.fillId,
      orderId: order.id,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      quantity,
      price: brokerFill.price,
      commission: brokerFill.commission,
      timestamp: brokerFill.timestamp,
      priceTime: brokerFill.priceTime ?? brokerFill.timestamp,
      recordedAt,
    };
    if (this.journal) {
      if (!this.journal.recordFill(fill)) return;
    } else {
      if (this.memoryFillIds.has(fill.fillId)) return;
      this.memoryFillIds.add(fill.fillId);
      this.memoryFills.push(fill);
    }
    const from = order.status;
    const wasUnfilled = order.filledQuantity === 0;
    // The order changes at wall-clock time; the fill keeps the market time it happened at.
    order.applyFill(quantity, fill.price, recordedAt);
    this.portfolio.applyFill(fill);
    this.save(order, from === 'new' ? undefined : from);
    if (from === 'new') this.journal?.recordEvent(order.id, 'new', 'accepted', recordedAt);
    if (from === 'new') this.journal?.recordEvent(order.id, 'accepted', order.status, recordedAt);
    this.notify({ type: 'fill', order: order.snapshot(), fill });
    if (wasUnfilled && order.ocoGroup) this.cancelSiblings(order);
    if (order.status === 'filled' && order.role === 'bracket_entry')
      this.activateLegs(order, order.filledQuantity);
  }

  /** OCO: the first fill of one order cancels the others in its group. */
  private cancelSiblings(order: Order): void {
    for (const sibling of this.orders.values()) {
      if (sibling === order || sibling.ocoGroup !== order.ocoGroup || !sibling.isOpen) continue;
      if (sibling.held || !sibling.brokerOrderId) {
        this.transition(sibling, 'canceled', this.stamp(), `OCO: ${order.id} filled`);
      } else {
        const brokerOrderId = sibling.brokerOrderId;
        this.defer(() => this.broker.cancel(brokerOrderId));
      }
    }
  }

  /** Bracket: the entry's fills make the exit legs live, sized to what was filled. */
  private activateLegs(entry: Order, filledQuantity: number): void {
    for (const leg of this.legsOf(entry.id)) {
      if (!leg.held || !leg.isOpen) continue;
      leg.held = false;
      leg.quantity = filledQuantity;
      this.save(leg);
      this.defer(() => this.place(leg, false));
    }
  }

  /** A bracket entry that ends without filling takes its held legs with it; a partial entry activates them for what filled. */
  private afterClose(order: Order): void {
    if (order.role !== 'bracket_entry') return;
    if (order.filledQuantity > EPS) {
      this.activateLegs(order, order.filledQuantity);
      return;
    }
    for (const leg of this.legsOf(order.id)) {
      if (leg.held && leg.isOpen)
        this.transition(leg, 'canceled', this.stamp(), `bracket entry ${order.status}`);
    }
  }

  /** Run follow-up broker calls after the current commit (a broker call never runs inside a transaction). */
  private defer(task: () => Promise<unknown>): void {
    const promise = Promise.resolve()
      .then(task)
      .catch((error) => log.error('follow-up order action failed', { error }))
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
  }

  /** Resolves when follow-up actions (bracket legs, OCO cancels) started so far have finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0 || this.group || this.draining) {
      if (this.pending.size > 0) await Promise.all([...this.pending]);
      await this.settleEvents();
      await this.durable();
    }
  }

  // ---- restart ------------------------------------------------------------------------------------------

  /**
   * Bring journaled open orders in line with the broker after a restart. A persistent broker (Alpaca) is
   * asked for each order by client order id: executions that happened while we were down are booked once
   * (their ids derive from the broker's cumulative quantity, so reconciling twice books nothing new), and
   * orders it never received are marked rejected. A non-persistent broker (paper) gets the open orders
   * re-placed for their remaining quantity.
   */
  async reconcile(): Promise<ReconcileReport> {
    this.assertTrading();
    const report: ReconcileReport = { checked: 0, fillsApplied: 0, closed: 0, replaced: 0, expired: 0 };
    for (const order of [...this.orders.values()]) {
      if (!order.isOpen || order.held) continue;
      report.checked++;
      if (!this.broker.persistent) {
        await this.writable();
        if (this.sessionEnded(order)) {
          // The broker that held it is gone and so is its trading day: a day order ends there.
          this.atomically(() =>
            this.transition(order, 'expired', this.stamp(), 'day order expired at the end of its session'),
          );
          report.expired++;
          continue;
        }
        await this.place(order, false);
        report.replaced++;
        continue;
      }
      const state = await this.broker.lookup(order.clientOrderId);
      await this.writable();
      if (!state) {
        if (order.status === 'new') {
          this.atomically(() =>
            this.transition(
              order,
              'rejected',
              this.stamp(),
              'never placed: the broker has no order with this client order id',
            ),
          );
          report.closed++;
        } else {
          log.warn('broker has no record of an accepted order', { orderId: order.id });
        }
        continue;
      }
      this.atomically(() => {
        this.setBrokerId(order, state.brokerOrderId);
        this.fillBase.set(order.id, state.priorFilledQuantity ?? 0);
        const missing = state.filledQuantity - order.filledQuantity;
        if (missing > EPS) {
          const price =
            order.filledQuantity > 0
              ? (state.averageFillPrice * state.filledQuantity -
                  order.averageFillPrice * order.filledQuantity) /
                missing
              : state.averageFillPrice;
          this.applyFill(order, {
            fillId: `${state.brokerOrderId}:reconciled:${state.filledQuantity}`,
            quantity: missing,
            price,
            commission: 0,
            timestamp: this.now(),
            // The standing broker order's own count (its predecessors' fills are in fillBase).
            cumulativeQuantity: state.filledQuantity - (state.priorFilledQuantity ?? 0),
          });
          report.fillsApplied++;
        }
        if (order.status === 'new' && state.status !== 'new' && state.status !== 'rejected') {
          this.transition(order, 'accepted', this.stamp());
        }
        if (order.isOpen && !isOpenStatus(state.status) && state.status !== 'filled') {
          if (state.status === 'rejected')
            this.applyEvent(order, {
              type: 'rejected',
              clientOrderId: order.clientOrderId,
              timestamp: this.stamp(),
              reason: 'rejected while offline',
            });
          else this.transition(order, state.status, this.stamp(), `${state.status} while offline`);
          report.closed++;
        }
      });
    }
    await this.settled();
    return report;
  }

  /**
   * Expire the day orders of an in-process (paper) broker whose trading day has ended by the market
   * clock: a long-running session (the MCP server) calls it from time to time. Returns how many.
   */
  async expireEndedDayOrders(): Promise<number> {
    if (this.broker.persistent) return 0;
    const ended = [...this.orders.values()].filter((o) => o.isOpen && !o.held && this.sessionEnded(o));
    if (ended.length === 0) return 0;
    await this.writable();
    const paper = this.broker as { forget?: (clientOrderId: string) => void };
    for (const order of ended) {
      if (!order.isOpen) continue;
      this.atomically(() =>
        this.transition(order, 'expired', this.stamp(), 'day order expired at the end of its session'),
      );
      paper.forget?.(order.clientOrderId);
    }
    await this.durable();
    return ended.length;
  }

  /**
   * True for a day order whose session (of its instrument: 16:00 New York for US equities, 00:00 UTC
   * for crypto, see day-orders.ts) has closed by the account's market clock. Used for orders of a broker
   * that forgot them (paper) when they are re-placed, and by the sweep of a long-running session.
   */
  private sessionEnded(order: Order): boolean {
    if (order.timeInForce !== 'day') return false;
    return this.now() >= dayOrderExpiry(order.symbol, order.marketTime);
  }

  /**
   * Open the journal's write lock now (asynchronously, waiting for another connection's lock without
   * blocking the event loop). Callers that are about to feed an in-process broker bars (whose fills are
   * journaled synchronously) call it first.
   */
  async prepareWrite(): Promise<void> {
    this.assertTrading();
    await this.writable();
  }

  /**
   * Stop listening to the broker, wait for follow-ups, end update iterators, and give up the account's
   * lease. Does not close the journal or broker.
   */
  async close(): Promise<void> {
    await this.settled();
    this.unsubscribe();
    this.unsubscribe = () => {};
    this.emitter.emit('close');
    if (this.journal?.isOpen) {
      this.commitGroup(this.group);
      this.journal.lease.release(this);
    }
  }
}
