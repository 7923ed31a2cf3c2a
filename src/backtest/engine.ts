import { alignSeries } from '../core/bar-ops.js';
import type { BarSeries } from '../core/bars.js';
import { annualisationOf, MS_PER_YEAR } from '../core/calendar.js';
import { DataError, ValidationError } from '../core/errors.js';
import type { Fill, OrderRequest, PreTradeContext, TimeInForce } from '../core/orders.js';
import { type EpochMs, formatTimestamp } from '../core/time.js';
import { Portfolio } from '../portfolio/portfolio.js';
import { checkRequiredColumns } from '../strategies/columns.js';
import type { ExposureChanges, Strategy, StrategyOrder } from '../strategies/types.js';
import { backtestAssumptions, backtestWarnings } from './assumptions.js';
import { EngineContext, type EngineHost } from './context.js';
import { type BarPrices, executionPrice, maxAffordableQuantity, slippedFillPrice } from './fill-models.js';
import {
  type BacktestMetrics,
  buyAndHoldCurve,
  curveMetrics,
  drawdownCurve,
  tradeMetrics,
} from './metrics.js';
import { resolveBacktestOptions } from './options.js';
import { sharedFiguresKey, sharedRunFigures } from './run-cache.js';
import { RoundTripTracker } from './trades.js';
import type {
  BacktestCancellation,
  BacktestFill,
  BacktestOptions,
  BacktestRejection,
  BacktestResult,
  ResolvedBacktestOptions,
} from './types.js';

/** An accepted order waiting in the simulated broker's book. */
interface PendingOrder {
  id: string;
  request: OrderRequest;
  symbolIndex: number;
  /** Bar on which the order was submitted; it is first tested against the next bar. */
  submittedBar: number;
  tif: TimeInForce;
  /** What executionPrice reads; for trailing stops stopPrice moves with the water mark. */
  exec: Pick<OrderRequest, 'side' | 'type' | 'limitPrice' | 'stopPrice'>;
  stopTriggered: boolean;
  /** Trailing stops: highest high (sell) or lowest low (buy) since submission. */
  waterMark: number;
  /** sizeAtFill: re-size at the fill to this fraction of equity (NaN if not a target-percent order) ... */
  targetPercent: number;
  /** ... or to this signed quantity (NaN if not a target-quantity order). */
  targetQuantity: number;
  canceled: boolean;
}

const EMPTY_OPTIONS = {};
const ORDER_TYPES: ReadonlySet<string> = new Set(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']);

/**
 * The event-driven backtest engine. For every bar of the aligned data, in this order:
 * (a) the simulated broker tests pending orders against the bar (market orders submitted on bar t fill at
 *     bar t+1's open; limit/stop/stop-limit/trailing against its range with gap handling; time in force);
 * (b) the portfolio is marked to the close and equity recorded (equity observers are told);
 * (c) the strategy's onBar runs with a context that sees bars up to this one only.
 * The loop allocates nothing per bar: the context is one object whose fields move, the equity curve is
 * preallocated, and pending orders live in a small array.
 */
export class BacktestEngine implements EngineHost {
  readonly options: ResolvedBacktestOptions;
  readonly series: readonly BarSeries[];
  readonly symbols: readonly string[];
  readonly portfolio: Portfolio;

  private readonly strategy: Strategy;
  private readonly symbolIndex = new Map<string, number>();
  private readonly opens: Float64Array[];
  private readonly highs: Float64Array[];
  private readonly lows: Float64Array[];
  private readonly closes: Float64Array[];
  private readonly volumes: Float64Array[];
  private readonly timestamps: Float64Array;
  /** Signed positions by symbol index, mirrored from the portfolio for the hot loop. */
  private readonly positionQty: Float64Array;
  private pending: PendingOrder[] = [];
  private readonly clientIds = new Map<string, string>();
  private readonly fills: BacktestFill[] = [];
  private readonly rejections: BacktestRejection[] = [];
  private readonly cancellations: BacktestCancellation[] = [];
  private readonly logs: { timestamp: EpochMs; message: string }[] = [];
  private readonly tracker = new RoundTripTracker();
  private readonly bar: BarPrices = { open: 0, high: 0, low: 0, close: 0 };
  private readonly context: EngineContext;
  private readonly historyViews: BarSeries[] = [];
  private readonly historyIndex: Int32Array;
  private nextOrderNumber = 1;
  private tradedNotional = 0;
  /** Whether financing is charged (either rate > 0). */
  private readonly financed: boolean;
  private marginInterest = 0;
  private borrowFees = 0;
  private ran = false;
  /** Current bar index (-1 before the first bar). */
  index = -1;

  constructor(strategy: Strategy, series: readonly BarSeries[], options: BacktestOptions = {}) {
    this.options = resolveBacktestOptions(options);
    this.strategy = strategy;
    if (series.length === 0) {
      throw new DataError('backtest needs at least one price series', { hint: 'pass data with setData()' });
    }
    const bySymbol = new Map(series.map((s) => [s.symbol, s]));
    for (const symbol of strategy.symbols) {
      if (!bySymbol.has(symbol)) {
        throw new DataError(`strategy ${strategy.name} trades ${symbol} but no data was given for it`, {
          field: symbol,
          hint: `provide series for ${strategy.symbols.join(', ')}`,
        });
      }
    }
    // The strategy's symbols first, in its order, then any extra series it may read.
    const ordered = [
      ...strategy.symbols.map((s) => bySymbol.get(s) as BarSeries),
      ...series.filter((s) => !strategy.symbols.includes(s.symbol)),
    ];
    for (const s of ordered) {
      if (s.length === 0) {
        throw new DataError(`no bars for ${s.symbol}`, {
          field: s.symbol,
          hint: 'pick a date range the data covers',
        });
      }
    }
    // Symbols whose date ranges do not even overlap: say so with each one's range.
    const overlapStart = Math.max(...ordered.map((s) => s.firstTimestamp));
    const overlapEnd = Math.min(...ordered.map((s) => s.lastTimestamp));
    if (overlapStart > overlapEnd) {
      const ranges = ordered
        .map((s) => `${s.symbol} ${formatTimestamp(s.firstTimestamp)} to ${formatTimestamp(s.lastTimestamp)}`)
        .join('; ');
      throw new DataError(`symbols ${this.symbolsText(ordered)} have no overlapping dates (${ranges})`, {
        hint: 'pick symbols from the same dataset or a date range they all cover (see `npx neural-trader data list`)',
      });
    }
    // A strategy reading volume (or another column) the data lacks would run on placeholders.
    checkRequiredColumns(strategy, ordered);
    const aligned = alignSeries(ordered);
    this.series = aligned;
    this.symbols = aligned.map((s) => s.symbol);
    this.symbols.forEach((s, i) => {
      this.symbolIndex.set(s, i);
    });
    this.opens = aligned.map((s) => s.open);
    this.highs = aligned.map((s) => s.high);
    this.lows = aligned.map((s) => s.low);
    this.closes = aligned.map((s) => s.close);
    this.volumes = aligned.map((s) => s.volume);
    this.timestamps = aligned[0].timestamps;
    this.positionQty = new Float64Array(aligned.length);
    this.historyIndex = new Int32Array(aligned.length).fill(-2);
    this.portfolio = new Portfolio(this.options.initialCapital);
    this.financed = this.options.marginInterestRate > 0 || this.options.borrowFeeRate > 0;
    this.context = new EngineContext(this, {
      open: this.opens,
      high: this.highs,
      low: this.lows,
      close: this.closes,
      volume: this.volumes,
    });
  }

  /** Run once over all bars and return the result. */
  run(): BacktestResult {
    if (this.ran) throw new ValidationError('a BacktestEngine runs once; create a new one to run again');
    this.ran = true;
    const started = performance.now();
    const n = this.timestamps.length;
    const buffer = this.options.equityBuffer;
    if (buffer !== undefined && buffer.length !== n) {
      throw new ValidationError(`equityBuffer has ${buffer.length} slots for ${n} bars`, {
        field: 'equityBuffer',
      });
    }
    const equity = buffer ?? new Float64Array(n);
    const strategy = this.strategy;
    const context = this.context;
    // A strategy that plans its exposure from declared indicator inputs (e.g. sma-crossover) is not called
    // per bar: the engine orders on the bars where the plan changes, exactly as its onBar would.
    const plan = this.exposurePlan();
    this.index = -1;
    strategy.onStart?.(context);
    const barsInMarket = plan ? this.runPlanned(plan, equity) : this.runPerBar(equity);
    strategy.onEnd?.(context);
    const last = n - 1;
    const portfolio = this.portfolio;
    for (let s = 0; s < this.symbols.length; s++) portfolio.mark(this.symbols[s], this.closes[s][last]);
    for (const order of this.pending) {
      if (!order.canceled) {
        this.cancellations.push({
          timestamp: this.timestamps[last],
          orderId: order.id,
          order: order.request,
          reason: 'open-at-end',
        });
      }
    }
    this.pending = [];
    if (this.options.closeAtEnd) {
      this.closeAllAtClose(last);
      equity[last] = this.markedEquity(last);
    }
    const elapsedMs = performance.now() - started;
    return this.buildResult(equity, barsInMarket, elapsedMs);
  }

  /** The strategy's exposure plan when it has one and the run may use it, else undefined. */
  private exposurePlan(): ExposureChanges | undefined {
    const strategy = this.strategy;
    const source = this.options.indicators;
    if (source === false || !strategy.exposurePlan || !strategy.signalInputs) return undefined;
    if (strategy.symbols.length !== 1) return undefined;
    const close = this.closes[0];
    const inputs = strategy.signalInputs().map((input) => source.series(input, close));
    return strategy.exposurePlan(inputs, close);
  }

  /**
   * The general loop: per bar (a) pending orders against the bar, only when some are pending;
   * (b) financing for the time since the previous bar, only when it is charged and something is
   * borrowed; (c) mark to market into the preallocated curve; (d) the strategy's onBar.
   */
  private runPerBar(equity: Float64Array): number {
    const n = equity.length;
    const k = this.symbols.length;
    const timestamps = this.timestamps;
    const observers = this.options.equityObservers;
    const observerCount = observers.length;
    const strategy = this.strategy;
    const context = this.context;
    const portfolio = this.portfolio;
    const positionQty = this.positionQty;
    const closes = this.closes;
    const financed = this.financed;
    let barsInMarket = 0;
    for (let i = 0; i < n; i++) {
      this.index = i;
      const ts = timestamps[i];
      context.timestamp = ts;
      context.barIndex = i;
      if (financed && i > 0) this.accrueFinancing(i);
      if (this.pending.length > 0) this.processOrders(i);
      let value = portfolio.cash;
      let inMarket = false;
      for (let s = 0; s < k; s++) {
        const q = positionQty[s];
        if (q !== 0) {
          value += q * closes[s][i];
          inMarket = true;
        }
      }
      if (inMarket) barsInMarket++;
      equity[i] = value;
      for (let o = 0; o < observerCount; o++) observers[o].onEquity(ts, value);
      strategy.onBar(context);
    }
    return barsInMarket;
  }

  /**
   * The planned loop (one traded symbol): the same steps with onBar replaced by an order on the bars
   * where the planned exposure changes. Between orders a bar costs a mark to market.
   */
  private runPlanned(plan: ExposureChanges, equity: Float64Array): number {
    const n = equity.length;
    const k = this.symbols.length;
    const timestamps = this.timestamps;
    const observers = this.options.equityObservers;
    const observerCount = observers.length;
    const context = this.context;
    const portfolio = this.portfolio;
    const positionQty = this.positionQty;
    const closes = this.closes;
    const symbol = this.symbols[0];
    const financed = this.financed;
    const changeBars = plan.bars;
    const changeExposures = plan.exposures;
    const changeCount = plan.count;
    // Cash and the positions change only at fills and financing: between those, a bar is one multiply-add
    // per held symbol, run as a tight loop up to the next bar where something can happen.
    let cash = portfolio.cash;
    const held = new Int32Array(k);
    let heldCount = 0;
    let short = false;
    let barsInMarket = 0;
    let c = 0;
    let i = 0;
    while (i < n) {
      const accrue = financed && i > 0 && (cash < 0 || short);
      if (!accrue && this.pending.length === 0 && observerCount === 0) {
        const stop = c < changeCount ? changeBars[c] : n;
        const from = i;
        if (heldCount === 0) {
          for (; i < stop; i++) equity[i] = cash;
        } else if (heldCount === 1) {
          const s = held[0];
          const q = positionQty[s];
          const column = closes[s];
          for (; i < stop; i++) equity[i] = cash + q * column[i];
        } else {
          for (; i < stop; i++) {
            let value = cash;
            for (let h = 0; h < heldCount; h++) value += positionQty[held[h]] * closes[held[h]][i];
            equity[i] = value;
          }
        }
        if (heldCount > 0) barsInMarket += i - from;
        if (i >= n) break;
      }
      // A bar where something happens: financing, fills, observers, or an exposure change.
      this.index = i;
      context.timestamp = timestamps[i];
      context.barIndex = i;
      if (financed && i > 0 && (cash < 0 || short)) this.accrueFinancing(i);
      if (this.pending.length > 0) this.processOrders(i);
      cash = portfolio.cash;
      heldCount = 0;
      short = false;
      for (let s = 0; s < k; s++) {
        const q = positionQty[s];
        if (q !== 0) held[heldCount++] = s;
        if (q < 0) short = true;
      }
      let value = cash;
      for (let h = 0; h < heldCount; h++) value += positionQty[held[h]] * closes[held[h]][i];
      if (heldCount > 0) barsInMarket++;
      equity[i] = value;
      for (let o = 0; o < observerCount; o++) observers[o].onEquity(timestamps[i], value);
      if (c < changeCount && changeBars[c] === i) {
        context.orderTargetPercent(symbol, changeExposures[c]);
        c++;
      }
      i++;
    }
    this.index = n - 1;
    context.timestamp = timestamps[n - 1];
    context.barIndex = n - 1;
    return barsInMarket;
  }

  /**
   * Financing for the calendar time between bar i-1 and bar i, on the book held over it: margin interest
   * on negative cash and the borrow fee on the market value of shorts (at bar i-1's close), simple interest
   * on a 365.25-day year (src/core/calendar.ts). Paid from cash before bar i's orders fill.
   */
  private accrueFinancing(i: number): void {
    const years = (this.timestamps[i] - this.timestamps[i - 1]) / MS_PER_YEAR;
    if (!(years > 0)) return;
    const cash = this.portfolio.cash;
    let interest = 0;
    if (cash < 0 && this.options.marginInterestRate > 0) {
      interest = -cash * this.options.marginInterestRate * years;
    }
    let fee = 0;
    if (this.options.borrowFeeRate > 0) {
      let shortValue = 0;
      for (let s = 0; s < this.positionQty.length; s++) {
        const q = this.positionQty[s];
        if (q < 0) shortValue -= q * this.closes[s][i - 1];
      }
      fee = shortValue * this.options.borrowFeeRate * years;
    }
    if (interest === 0 && fee === 0) return;
    this.marginInterest += interest;
    this.borrowFees += fee;
    this.portfolio.debit(interest + fee);
  }

  private symbolsText(series: readonly BarSeries[]): string {
    return series.map((s) => s.symbol).join(', ');
  }

  // ---- orders ---------------------------------------------------------------------------------------

  /** Called by the context: validate, size, run pre-trade checks, and queue. Returns the order id. */
  submit(
    order: StrategyOrder,
    targetPercent = Number.NaN,
    targetQuantity = Number.NaN,
    plainMarket = false,
  ): string {
    const symbol = order.symbol ?? this.symbols[0];
    const symbolIndex = this.symbolIndex.get(symbol);
    if (symbolIndex === undefined) {
      throw new ValidationError(`order for ${symbol}: not one of this backtest's symbols`, {
        field: 'symbol',
        hint: `trade one of ${this.symbols.join(', ')}`,
      });
    }
    if (order.clientOrderId !== undefined) {
      const existing = this.clientIds.get(order.clientOrderId);
      if (existing !== undefined) return existing;
    }
    const id = `bt-${this.nextOrderNumber++}`;
    if (order.clientOrderId !== undefined) this.clientIds.set(order.clientOrderId, id);
    const quantity = this.options.fractional ? order.quantity : Math.floor(order.quantity);
    // A plain market order (a target order without options) is built as a literal: same keys in the same
    // order as the spread, without the cost of copying an object of unknown shape.
    const request: OrderRequest = plainMarket
      ? { symbol, side: order.side, quantity, type: 'market', timeInForce: this.options.defaultTimeInForce }
      : {
          ...order,
          symbol,
          quantity,
          timeInForce: order.timeInForce ?? this.options.defaultTimeInForce,
        };
    const problem = this.validate(request, order.quantity);
    if (problem) {
      this.reject(id, request, problem.check, problem.message, problem.field);
      return id;
    }
    const checks = this.options.preTradeChecks;
    for (let c = 0; c < checks.length; c++) {
      const check = checks[c];
      const refusal = check.check(request, this.preTradeContext());
      if (refusal) {
        this.reject(id, request, refusal.check || check.name, refusal.message, refusal.field);
        return id;
      }
    }
    let waterMark = Number.NaN;
    let stopPrice = request.stopPrice;
    if (request.type === 'trailing_stop') {
      waterMark = this.index >= 0 ? this.closes[symbolIndex][this.index] : Number.NaN;
      stopPrice = trailingStop(request, waterMark);
    }
    this.pending.push({
      id,
      request,
      symbolIndex,
      submittedBar: this.index,
      tif: request.timeInForce as TimeInForce,
      exec: { side: request.side, type: request.type, limitPrice: request.limitPrice, stopPrice },
      stopTriggered: false,
      waterMark,
      targetPercent,
      targetQuantity,
      canceled: false,
    });
    return id;
  }

  private validate(
    request: OrderRequest,
    requestedQuantity: number,
  ): { check: string; message: string; field?: string } | null {
    if (request.side !== 'buy' && request.side !== 'sell') {
      return { check: 'order', field: 'side', message: `side must be buy or sell, got ${request.side}` };
    }
    if (!Number.isFinite(requestedQuantity) || requestedQuantity <= 0) {
      return {
        check: 'order',
        field: 'quantity',
        message: `quantity must be a positive number, got ${requestedQuantity}`,
      };
    }
    if (request.quantity <= 0) {
      return {
        check: 'quantity',
        field: 'quantity',
        message: `quantity ${requestedQuantity} rounds to 0 whole units (set fractional to trade fractions)`,
      };
    }
    const needsLimit = request.type === 'limit' || request.type === 'stop_limit';
    const needsStop = request.type === 'stop' || request.type === 'stop_limit';
    if (needsLimit && !(Number(request.limitPrice) > 0)) {
      return { check: 'order', field: 'limitPrice', message: `${request.type} order needs a limitPrice > 0` };
    }
    if (needsStop && !(Number(request.stopPrice) > 0)) {
      return { check: 'order', field: 'stopPrice', message: `${request.type} order needs a stopPrice > 0` };
    }
    if (request.type === 'trailing_stop') {
      const pct = request.trailPercent;
      const abs = request.trailPrice;
      if (!((pct !== undefined && pct > 0 && pct < 100) || (abs !== undefined && abs > 0))) {
        return {
          check: 'order',
          field: 'trailPercent',
          message: 'trailing_stop order needs trailPercent in (0, 100) or trailPrice > 0',
        };
      }
      if (this.index < 0) {
        return {
          check: 'order',
          field: 'type',
          message: 'trailing_stop needs a current price; submit it in onBar',
        };
      }
    }
    if (!ORDER_TYPES.has(request.type)) {
      return { check: 'order', field: 'type', message: `unknown order type ${request.type}` };
    }
    return null;
  }

  private reject(id: string, order: OrderRequest, check: string, message: string, field?: string): void {
    const i = Math.max(this.index, 0);
    this.rejections.push({
      timestamp: this.timestamps[i],
      barIndex: this.index,
      orderId: id,
      order,
      check,
      field,
      message,
    });
  }

  cancel(orderId: string): void {
    for (const order of this.pending) {
      if (order.id === orderId && !order.canceled) {
        order.canceled = true;
        this.cancellations.push({
          timestamp: this.timestamps[Math.max(this.index, 0)],
          orderId,
          order: order.request,
          reason: 'canceled',
        });
      }
    }
  }

  openOrders(symbol?: string): { id: string; request: OrderRequest }[] {
    const out: { id: string; request: OrderRequest }[] = [];
    for (const order of this.pending) {
      if (!order.canceled && (symbol === undefined || order.request.symbol === symbol)) {
        out.push({ id: order.id, request: order.request });
      }
    }
    return out;
  }

  log(message: string): void {
    this.logs.push({ timestamp: this.timestamps[Math.max(this.index, 0)], message });
  }

  private preTradeContext(): PreTradeContext {
    const i = this.index;
    const closes = this.closes;
    const symbolIndex = this.symbolIndex;
    return {
      timestamp: this.timestamps[Math.max(i, 0)],
      cash: this.portfolio.cash,
      equity: i >= 0 ? this.markedEquity(i) : this.portfolio.cash,
      positions: this.portfolio.positionMap(),
      price: (symbol: string) => {
        const s = symbolIndex.get(symbol);
        return s === undefined || i < 0 ? undefined : closes[s][i];
      },
    };
  }

  /** Test every eligible pending order against bar i; compact the book in place. */
  private processOrders(i: number): void {
    const pending = this.pending;
    let write = 0;
    for (let r = 0; r < pending.length; r++) {
      const order = pending[r];
      if (order.canceled) continue;
      // Orders placed during this bar (from onFill) wait for the next one.
      if (order.submittedBar >= i || !this.tryFill(order, i)) pending[write++] = order;
    }
    pending.length = write;
  }

  /** Returns true when the order leaves the book (filled, rejected or expired). */
  private tryFill(order: PendingOrder, i: number): boolean {
    const s = order.symbolIndex;
    const bar = this.bar;
    bar.open = this.opens[s][i];
    bar.high = this.highs[s][i];
    bar.low = this.lows[s][i];
    bar.close = this.closes[s][i];
    const exec = order.exec;
    let raw = executionPrice(exec, bar, order.stopTriggered);
    if (exec.type === 'stop_limit' && !order.stopTriggered) {
      const stop = exec.stopPrice as number;
      if (exec.side === 'buy' ? bar.high >= stop : bar.low <= stop) order.stopTriggered = true;
    }
    if (Number.isNaN(raw) || !(raw > 0)) {
      if (exec.type === 'trailing_stop') {
        // Ratchet the stop with the water mark after the bar (so the bar that set the mark cannot also
        // trigger against it).
        if (exec.side === 'sell' ? bar.high > order.waterMark : bar.low < order.waterMark) {
          order.waterMark = exec.side === 'sell' ? bar.high : bar.low;
          exec.stopPrice = trailingStop(order.request, order.waterMark);
        }
      }
      if (order.tif !== 'gtc') {
        this.cancellations.push({
          timestamp: this.timestamps[i],
          orderId: order.id,
          order: order.request,
          reason: 'expired',
        });
        return true;
      }
      return false;
    }
    raw = this.slipped(exec, raw);
    this.execute(order, i, raw);
    return true;
  }

  /** Slippage against the trader; limit prices are never crossed. */
  private slipped(exec: PendingOrder['exec'], price: number): number {
    return slippedFillPrice(exec, price, this.options.slippageBps);
  }

  /** Size (if sized at fill), check account rules, and book the fill. */
  private execute(order: PendingOrder, i: number, price: number): void {
    const s = order.symbolIndex;
    const symbol = this.symbols[s];
    const position = this.positionQty[s];
    const options = this.options;
    let side = order.request.side;
    let quantity = order.request.quantity;
    if (options.sizeAtFill && !(Number.isNaN(order.targetPercent) && Number.isNaN(order.targetQuantity))) {
      let target = order.targetQuantity;
      if (!Number.isNaN(order.targetPercent)) {
        const equityAtFill = this.equityAtOpen(i, s, price).equity;
        target = (order.targetPercent * equityAtFill) / price;
        if (!options.fractional) target = Math.trunc(target);
      }
      let delta = target - position;
      if (delta > 0 && position >= 0) {
        delta = Math.min(
          delta,
          maxAffordableQuantity(this.portfolio.cash, price, options.commission, options.fractional),
        );
      }
      if (Math.abs(delta) < 1e-12 || (!options.fractional && Math.trunc(delta) === 0)) {
        this.cancellations.push({
          timestamp: this.timestamps[i],
          orderId: order.id,
          order: order.request,
          reason: 'canceled',
        });
        return;
      }
      side = delta > 0 ? 'buy' : 'sell';
      quantity = options.fractional ? Math.abs(delta) : Math.trunc(Math.abs(delta));
    }
    let signed = side === 'buy' ? quantity : -quantity;
    let after = position + signed;
    const request = order.request;
    if (!options.allowShort && after < -1e-12) {
      this.rejectAtFill(
        order,
        i,
        'no-short',
        `sell of ${quantity} ${symbol} would go short (shorting disabled)`,
      );
      return;
    }
    let commission = options.commission.commission(quantity, price);
    if (Math.abs(after) > Math.abs(position)) {
      // Margin rule: gross exposure after the fill at most maxLeverage x equity after the fill.
      // Other positions are marked at this bar's open, the moment the simulated fill happens.
      const others = this.equityAtOpen(i, s, price);
      let equityAfter = others.equity - commission;
      let grossAfter = others.grossOthers + Math.abs(after) * price;
      if (
        grossAfter > options.maxLeverage * equityAfter * (1 + 1e-12) &&
        !Number.isNaN(order.targetPercent) &&
        position * signed >= 0
      ) {
        // A percent-of-equity target was sized at the signal bar's close; a gap at the open must not turn
        // "all in" into "nothing" (the strategy would believe it is in the market while it stays flat).
        // Take the most the margin rule allows instead.
        const allowed = this.maxOpeningQuantity(others, Math.abs(position), price);
        if (allowed > 0 && allowed < quantity) {
          quantity = allowed;
          signed = side === 'buy' ? quantity : -quantity;
          after = position + signed;
          commission = options.commission.commission(quantity, price);
          equityAfter = others.equity - commission;
          grossAfter = others.grossOthers + Math.abs(after) * price;
        }
      }
      if (grossAfter > options.maxLeverage * equityAfter * (1 + 1e-12)) {
        this.rejectAtFill(
          order,
          i,
          'buying-power',
          `${side} ${quantity} ${symbol} at ${price}: gross exposure ${grossAfter.toFixed(2)} would exceed ` +
            `${options.maxLeverage} x equity ${equityAfter.toFixed(2)}`,
        );
        return;
      }
    }
    this.portfolio.applyFill({ symbol, side, quantity, price, commission });
    this.positionQty[s] = this.portfolio.position(symbol);
    this.tradedNotional += quantity * price;
    const ts = this.timestamps[i];
    const fill: BacktestFill = {
      timestamp: ts,
      barIndex: i,
      orderId: order.id,
      symbol,
      side,
      quantity,
      price,
      commission,
      cashAfter: this.portfolio.cash,
      positionAfter: this.positionQty[s],
      tag: request.tag,
    };
    this.fills.push(fill);
    this.tracker.onFill(symbol, signed, price, commission, ts, i);
    if (this.strategy.onFill) {
      const event: Fill = {
        orderId: order.id,
        clientOrderId: request.clientOrderId,
        symbol,
        side,
        quantity,
        price,
        commission,
        timestamp: ts,
        fillId: `${order.id}-1`,
      };
      this.strategy.onFill(event, this.context);
    }
  }

  /**
   * The largest quantity that can be added to an open |position| of `held` units at `price` while gross
   * exposure stays within maxLeverage x equity after commission: q p + L c(q) <= L E - G_others - held p.
   */
  private maxOpeningQuantity(
    others: { equity: number; grossOthers: number },
    held: number,
    price: number,
  ): number {
    const leverage = this.options.maxLeverage;
    const model = this.options.commission;
    const budget = leverage * others.equity - others.grossOthers - held * price;
    return maxAffordableQuantity(
      budget,
      price,
      {
        name: model.name,
        rate: model.rate === undefined ? undefined : model.rate * leverage,
        commission: (q, p) => leverage * model.commission(q, p),
      },
      this.options.fractional,
    );
  }

  private rejectAtFill(order: PendingOrder, i: number, check: string, message: string): void {
    this.rejections.push({
      timestamp: this.timestamps[i],
      barIndex: i,
      orderId: order.id,
      order: order.request,
      check,
      message,
    });
  }

  /**
   * Equity at bar i's open with symbol s valued at `price`, and the gross exposure of the other symbols.
   */
  private equityAtOpen(i: number, s: number, price: number): { equity: number; grossOthers: number } {
    let equity = this.portfolio.cash;
    let grossOthers = 0;
    for (let o = 0; o < this.positionQty.length; o++) {
      const q = this.positionQty[o];
      if (q === 0) continue;
      const value = q * (o === s ? price : this.opens[o][i]);
      equity += value;
      if (o !== s) grossOthers += Math.abs(value);
    }
    return { equity, grossOthers };
  }

  /** Cash plus positions at bar i's closes (at bar 0's opens when i < 0). */
  markedEquity(i: number): number {
    let value = this.portfolio.cash;
    for (let s = 0; s < this.positionQty.length; s++) {
      const q = this.positionQty[s];
      if (q !== 0) value += q * (i >= 0 ? this.closes[s][i] : this.opens[s][0]);
    }
    return value;
  }

  private closeAllAtClose(i: number): void {
    const ts = this.timestamps[i];
    for (let s = 0; s < this.symbols.length; s++) {
      const q = this.positionQty[s];
      if (q === 0) continue;
      const side = q > 0 ? 'sell' : 'buy';
      const symbol = this.symbols[s];
      const exec = { side, type: 'market' } as const;
      const price = this.slipped(exec, this.closes[s][i]);
      const quantity = Math.abs(q);
      const commission = this.options.commission.commission(quantity, price);
      this.portfolio.applyFill({ symbol, side, quantity, price, commission });
      this.positionQty[s] = 0;
      this.tradedNotional += quantity * price;
      this.fills.push({
        timestamp: ts,
        barIndex: i,
        orderId: 'close-at-end',
        symbol,
        side,
        quantity,
        price,
        commission,
        cashAfter: this.portfolio.cash,
        positionAfter: 0,
        tag: 'close-at-end',
      });
      this.tracker.onFill(symbol, -q, price, commission, ts, i);
    }
  }

  private buildResult(equity: Float64Array, barsInMarket: number, elapsedMs: number): BacktestResult {
    const n = equity.length;
    const last = n - 1;
    const options = this.options;
    const timeframe = this.series[0].timeframe;
    const timestamps = this.timestamps;
    // Periods per year and elapsed years from the timestamps (src/core/calendar.ts), not a bar count; and
    // the buy-and-hold benchmark: the same for every run over these bars, so shared across a sweep's trials.
    const traded = this.strategy.symbols.length > 0 ? this.strategy.symbols.length : this.symbols.length;
    const tradedCloses = this.closes.slice(0, traded);
    const shared = sharedRunFigures(
      sharedFiguresKey(
        timestamps,
        tradedCloses,
        `${timeframe}|${options.periodsPerYear}|${options.calendar}|${options.initialCapital}`,
      ),
      [timestamps, ...tradedCloses],
      () => {
        const annualisation = annualisationOf(timestamps, timeframe, {
          periodsPerYear: options.periodsPerYear,
          calendar: options.calendar,
        });
        const benchmarkEquity = buyAndHoldCurve(tradedCloses, options.initialCapital);
        const benchmark = curveMetrics(benchmarkEquity, annualisation, timestamps, options.initialCapital);
        return { annualisation, benchmarkEquity, benchmark };
      },
    );
    const annualisation = { ...shared.annualisation };
    const periodsPerYear = annualisation.periodsPerYear;
    const curve = curveMetrics(equity, annualisation, timestamps, options.initialCapital);
    const trades = this.tracker.trades;
    const tradeStats = tradeMetrics(trades.map((t) => t.pnl));
    const benchmarkEquity = shared.benchmarkEquity;
    const benchmark = { ...shared.benchmark };
    let equitySum = 0;
    for (let i = 0; i < n; i++) equitySum += equity[i];
    const averageEquity = n > 0 ? equitySum / n : options.initialCapital;
    const metrics: BacktestMetrics = {
      ...curve,
      ...tradeStats,
      exposure: n > 0 ? barsInMarket / n : 0,
      turnover: averageEquity > 0 ? this.tradedNotional / averageEquity : Number.NaN,
      fillCount: this.fills.length,
      totalCommission: this.portfolio.commissions,
      marginInterest: this.marginInterest,
      borrowFees: this.borrowFees,
      financingCost: this.marginInterest + this.borrowFees,
      periodsPerYear,
      annualisation,
      benchmark,
    };
    let drawdown: Float64Array | undefined;
    const positions: Record<string, number> = {};
    this.symbols.forEach((symbol, s) => {
      if (this.positionQty[s] !== 0) positions[symbol] = this.positionQty[s];
    });
    return {
      strategy: this.strategy.name,
      params: strategyParams(this.strategy),
      symbols: [...this.symbols],
      timeframe,
      start: timestamps[0],
      end: timestamps[last],
      bars: n,
      initialCapital: options.initialCapital,
      finalEquity: equity[last],
      finalCash: this.portfolio.cash,
      positions,
      timestamps,
      equity,
      // Derived on first read (it is a full-length array most callers never look at); enumerable, so
      // JSON output includes it.
      get drawdown() {
        drawdown ??= drawdownCurve(equity);
        return drawdown;
      },
      closes: Object.fromEntries(this.symbols.map((symbol, s) => [symbol, this.closes[s]])),
      benchmarkEquity,
      fills: this.fills,
      trades,
      openTrades: this.tracker.openTrades((symbol) => {
        const s = this.symbolIndex.get(symbol) as number;
        return this.closes[s][last];
      }, last),
      rejections: this.rejections,
      cancellations: this.cancellations,
      metrics,
      logs: this.logs,
      options: {
        commission: options.commission.name,
        slippageBps: options.slippageBps,
        fractional: options.fractional,
        allowShort: options.allowShort,
        maxLeverage: options.maxLeverage,
        sizeAtFill: options.sizeAtFill,
        defaultTimeInForce: options.defaultTimeInForce,
        closeAtEnd: options.closeAtEnd,
        marginInterestRate: options.marginInterestRate,
        borrowFeeRate: options.borrowFeeRate,
        periodsPerYear,
      },
      assumptions: backtestAssumptions(options, annualisation, timeframe),
      warnings: [],
      elapsedMs,
    };
  }

  // ---- what the context reads -------------------------------------------------------------------------

  symbolAt(symbol: string | undefined): number {
    if (symbol === undefined || symbol === this.symbols[0]) return 0;
    const s = this.symbolIndex.get(symbol);
    if (s === undefined) {
      throw new ValidationError(`unknown symbol ${symbol}`, {
        field: 'symbol',
        hint: `this backtest has ${this.symbols.join(', ')}`,
      });
    }
    return s;
  }

  position(s: number): number {
    return this.positionQty[s];
  }

  /** Zero-copy bars [0, current]; repeated calls within one bar return the same view. */
  history(s: number): BarSeries {
    if (this.historyIndex[s] !== this.index) {
      this.historyViews[s] = this.series[s].slice(0, this.index + 1);
      this.historyIndex[s] = this.index;
    }
    return this.historyViews[s];
  }

  targetOrder(
    symbol: string,
    target: number,
    targetPercent: number,
    options: Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'> = EMPTY_OPTIONS as never,
  ): string | null {
    const s = this.symbolAt(symbol);
    if (!this.options.fractional) target = Math.trunc(target);
    const delta = target - this.positionQty[s];
    if (!Number.isFinite(delta) || Math.abs(delta) < 1e-12) return null;
    const quantity = Math.abs(delta);
    const side = delta >= 0 ? 'buy' : 'sell';
    const quantityTarget = Number.isNaN(targetPercent) ? target : Number.NaN;
    if (options === EMPTY_OPTIONS || (options.type === undefined && Object.keys(options).length === 0)) {
      return this.submit(
        { symbol: this.symbols[s], side, quantity, type: 'market' },
        targetPercent,
        quantityTarget,
        true,
      );
    }
    return this.submit(
      {
        ...options,
        symbol: this.symbols[s],
        side,
        quantity,
        type: options.type ?? 'market',
      },
      targetPercent,
      quantityTarget,
    );
  }
}

/** A strategy's `params` object, if it has one (registered strategies do), as a plain copy. */
function strategyParams(strategy: Strategy): Record<string, unknown> {
  const params = (strategy as { params?: unknown }).params;
  return params !== null && typeof params === 'object' && !Array.isArray(params)
    ? { ...(params as Record<string, unknown>) }
    : {};
}

function trailingStop(
  request: Pick<OrderRequest, 'side' | 'trailPercent' | 'trailPrice'>,
  mark: number,
): number {
  const buy = request.side === 'buy';
  if (request.trailPercent !== undefined && request.trailPercent > 0) {
    const f = request.trailPercent / 100;
    return buy ? mark * (1 + f) : mark * (1 - f);
  }
  const distance = request.trailPrice ?? 0;
  return buy ? mark + distance : mark - distance;
}

/** Run `strategy` over `series` (aligned on common timestamps) and return the result. */
export function runBacktest(
  strategy: Strategy,
  series: readonly BarSeries[],
  options: BacktestOptions = {},
): BacktestResult {
  const result = new BacktestEngine(strategy, series, options).run();
  result.warnings = backtestWarnings(result);
  return result;
}
