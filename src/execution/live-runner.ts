import { alignSeries } from '../core/bar-ops.js';
import { BarSeries } from '../core/bars.js';
import type { Config } from '../core/config.js';
import { getConfig } from '../core/config.js';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import type { Fill, OrderRequest, PreTradeCheck } from '../core/orders.js';
import { type EpochMs, formatTimestamp, parseDate } from '../core/time.js';
import type { Timeframe } from '../core/timeframe.js';
import { checkRequiredColumns } from '../strategies/columns.js';
import type { PortfolioView, Strategy, StrategyContext, StrategyOrder } from '../strategies/types.js';
import { defaultAccountFor, parseAccountName, replayAccountName } from './account-names.js';
import { AlpacaMarketDataStream } from './market-stream.js';
import type { OrderManager } from './order-manager.js';
import { PaperBroker } from './paper-broker.js';
import { type BrokerName, openTradingSession } from './session.js';

/**
 * The live runner: the same Strategy object a backtest runs, driven by streaming bars and trading
 * through an OrderManager. With the paper broker and no Alpaca keys the bars are a replay of the
 * bundled sample data (so it works offline); with --broker alpaca they come from Alpaca's data stream.
 *
 * Per bar, exactly as in the backtest engine: the paper broker first sees the new bar (orders placed
 * on the previous bar fill at its open, by the shared fill models), then the portfolio is marked to
 * the close and equity observers run, then the strategy's onBar decides; its orders are journaled
 * before the next bar.
 */
export interface LiveBar {
  timestamp: EpochMs;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** One time step: a bar for every symbol the strategy trades. */
export interface LiveStep {
  timestamp: EpochMs;
  bars: ReadonlyMap<string, LiveBar>;
}

export interface LiveRunOptions {
  strategy: string | Strategy;
  symbols?: string[];
  params?: Record<string, unknown>;
  broker?: BrokerName;
  /**
   * The account to trade. Paper runs replay history, so they run in a replay account of their own: a
   * new `replay-<time>-<id>` per run unless one is named here (an existing replay account continues
   * from its clock; its history never goes back in time). Alpaca runs default to the `alpaca` account.
   */
  account?: string;
  config?: Config;
  home?: string;
  /** Starting cash of a new account. */
  initialCapital?: number;
  /** Paper commission rate of a new account (default DEFAULT_COMMISSION_RATE, as in backtests). */
  commissionRate?: number;
  /** Paper slippage of a new account in bps (default DEFAULT_SLIPPAGE_BPS, as in backtests). */
  slippageBps?: number;
  /** How long to wait for another process that owns the account (default 0: refuse at once). */
  leaseWaitMs?: number;
  /** Paper replay: bars per second (0 or undefined = as fast as possible). */
  replaySpeed?: number;
  /** Stop after this many steps. */
  maxBars?: number;
  /** Paper replay: first bar date. */
  start?: string;
  /** A custom feed (tests, other data sources); default: sample replay (paper) or the Alpaca stream. */
  feed?: AsyncIterable<LiveStep>;
  cancelOnExit?: boolean;
  signal?: AbortSignal;
  /**
   * Extra pre-trade checks registered on the session's OrderManager (the risk capability's
   * `riskLimitsCheck`, `CircuitBreaker`). One with `onEquity` sees the equity of every bar.
   */
  checks?: PreTradeCheck[];
  /** Human-readable progress lines (orders, fills, rejections). */
  onEvent?: (line: string) => void;
  /** Where trading halts (circuit breaker trips) are reported, one line each (default: onEvent). */
  onHalt?: (line: string) => void;
}

export interface LiveRunSummary {
  strategy: string;
  broker: BrokerName;
  /** The account the run traded (see LiveRunOptions.account). */
  account: string;
  /** The account's market clock at the end (the last bar's time), if a bar was seen. */
  marketClock?: EpochMs;
  feed: string;
  bars: number;
  orders: number;
  fills: number;
  rejected: number;
  canceledOnExit: number;
  cash: number;
  equity: number;
  returnPct: number;
  positions: { symbol: string; quantity: number; averageCost: number }[];
  journal: string;
  stoppedBy: 'end-of-feed' | 'max-bars' | 'signal';
  /** Every trading halt during the run (circuit breaker trips), as reported. */
  halts: string[];
}

/** A check that records the halts it imposes (the risk capability's CircuitBreaker has `trips`). */
interface HaltRecorder {
  readonly trips: readonly { message: string }[];
}

function isHaltRecorder(check: PreTradeCheck): check is PreTradeCheck & HaltRecorder {
  return Array.isArray((check as Partial<HaltRecorder>).trips);
}

/** `--param k=v` flags to a params record (values stay strings; strategy schemas coerce them). */
export async function parseParamFlags(flags: readonly string[]): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      throw new ValidationError(`--param: expected key=value, got "${flag}"`, {
        field: 'param',
        hint: 'e.g. --param lookback=20',
      });
    }
    params[flag.slice(0, eq).trim()] = flag.slice(eq + 1).trim();
  }
  return params;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** The bundled sample bars a replay of `symbols` trades: aligned on common timestamps, from `start`. */
export async function sampleReplaySeries(symbols: readonly string[], start?: string): Promise<BarSeries[]> {
  const { loadSampleSeries } = await import('../data/sample.js');
  let series = alignSeries(symbols.map((s) => loadSampleSeries(s)));
  if (start) {
    const from = parseDate(start, 'start');
    series = series.map((s) => s.between(from, Number.POSITIVE_INFINITY));
  }
  return series;
}

/** Replay the bundled sample data for `symbols`, aligned on common timestamps. */
export async function* sampleReplayFeed(
  symbols: readonly string[],
  options: { start?: string; barsPerSecond?: number; signal?: AbortSignal; series?: BarSeries[] } = {},
): AsyncGenerator<LiveStep> {
  const series = options.series ?? (await sampleReplaySeries(symbols, options.start));
  const n = series[0]?.length ?? 0;
  const delay = options.barsPerSecond && options.barsPerSecond > 0 ? 1000 / options.barsPerSecond : 0;
  for (let i = 0; i < n; i++) {
    if (options.signal?.aborted) return;
    const bars = new Map<string, LiveBar>();
    for (let s = 0; s < symbols.length; s++) {
      const x = series[s];
      bars.set(symbols[s], {
        timestamp: x.timestamps[i],
        open: x.open[i],
        high: x.high[i],
        low: x.low[i],
        close: x.close[i],
        volume: x.volume[i],
      });
    }
    yield { timestamp: series[0].timestamps[i], bars };
    // Yield to the event loop every bar so SIGINT/SIGTERM are seen even at full speed.
    if (delay > 0) await sleep(delay, options.signal);
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Group Alpaca stream bars into steps: a step is emitted once every symbol has a bar for that minute. */
export async function* alpacaBarFeed(
  stream: AlpacaMarketDataStream,
  symbols: readonly string[],
): AsyncGenerator<LiveStep> {
  stream.subscribe({ bars: [...symbols] });
  const pending = new Map<EpochMs, Map<string, LiveBar>>();
  for await (const event of stream) {
    if (event.type !== 'bar') continue;
    let bars = pending.get(event.timestamp);
    if (!bars) {
      bars = new Map();
      pending.set(event.timestamp, bars);
    }
    bars.set(event.symbol, event);
    if (bars.size === symbols.length) {
      pending.delete(event.timestamp);
      // Older incomplete steps can no longer complete: a symbol had no trades that minute.
      for (const t of [...pending.keys()]) if (t < event.timestamp) pending.delete(t);
      yield { timestamp: event.timestamp, bars };
    }
  }
}

/** Growable per-symbol bar history with zero-copy views. */
class History {
  length = 0;
  private cols: Record<'timestamps' | 'open' | 'high' | 'low' | 'close' | 'volume', Float64Array>;
  constructor(
    readonly symbol: string,
    readonly timeframe: Timeframe,
  ) {
    const make = () => new Float64Array(256);
    this.cols = {
      timestamps: make(),
      open: make(),
      high: make(),
      low: make(),
      close: make(),
      volume: make(),
    };
  }
  push(bar: LiveBar): void {
    if (this.length === this.cols.timestamps.length) {
      for (const key of Object.keys(this.cols) as (keyof History['cols'])[]) {
        const bigger = new Float64Array(this.length * 2);
        bigger.set(this.cols[key]);
        this.cols[key] = bigger;
      }
    }
    const i = this.length++;
    this.cols.timestamps[i] = bar.timestamp;
    this.cols.open[i] = bar.open;
    this.cols.high[i] = bar.high;
    this.cols.low[i] = bar.low;
    this.cols.close[i] = bar.close;
    this.cols.volume[i] = bar.volume;
  }
  view(): BarSeries {
    const n = this.length;
    const c = this.cols;
    return new BarSeries(this.symbol, this.timeframe, {
      timestamps: c.timestamps.subarray(0, n),
      open: c.open.subarray(0, n),
      high: c.high.subarray(0, n),
      low: c.low.subarray(0, n),
      close: c.close.subarray(0, n),
      volume: c.volume.subarray(0, n),
    });
  }
  last(column: 'open' | 'high' | 'low' | 'close' | 'volume'): number {
    return this.length > 0 ? this.cols[column][this.length - 1] : Number.NaN;
  }
}

class LiveContext implements StrategyContext {
  readonly symbols: readonly string[];
  barIndex = -1;
  timestamp: EpochMs = Number.NaN;
  readonly portfolio: PortfolioView;
  readonly pending: Promise<unknown>[] = [];
  private readonly histories: Map<string, History>;

  constructor(
    private readonly manager: OrderManager,
    symbols: readonly string[],
    histories: Map<string, History>,
    private readonly onOrderError: (request: OrderRequest, error: unknown) => void,
    private readonly onLog: (message: string) => void,
  ) {
    this.symbols = symbols;
    this.histories = histories;
    const book = manager.portfolio;
    this.portfolio = {
      get cash() {
        return book.cash;
      },
      get equity() {
        return book.equity;
      },
      position: (symbol) => book.position(symbol),
      averageCost: (symbol) => book.averageCost(symbol),
    };
  }

  private h(symbol?: string): History {
    const key = symbol ?? this.symbols[0];
    const history = this.histories.get(key);
    if (!history) throw new ValidationError(`symbol: ${key} is not traded by this run`, { field: 'symbol' });
    return history;
  }
  history(symbol?: string): BarSeries {
    return this.h(symbol).view();
  }
  open(symbol?: string): number {
    return this.h(symbol).last('open');
  }
  high(symbol?: string): number {
    return this.h(symbol).last('high');
  }
  low(symbol?: string): number {
    return this.h(symbol).last('low');
  }
  close(symbol?: string): number {
    return this.h(symbol).last('close');
  }
  volume(symbol?: string): number {
    return this.h(symbol).last('volume');
  }
  position(symbol?: string): number {
    return this.manager.portfolio.position(symbol ?? this.symbols[0]);
  }
  /** Returns the client order id (known at once; the order is journaled before the next bar). */
  submitOrder(order: StrategyOrder): string {
    const clientOrderId = order.clientOrderId ?? this.manager.newClientOrderId();
    const request: OrderRequest = { ...order, symbol: order.symbol ?? this.symbols[0], clientOrderId };
    this.pending.push(this.manager.submitOrder(request).catch((error) => this.onOrderError(request, error)));
    return clientOrderId;
  }
  buy(quantity: number, options: Partial<Omit<StrategyOrder, 'side' | 'quantity'>> = {}): string {
    return this.submitOrder({ ...options, side: 'buy', quantity, type: options.type ?? 'market' });
  }
  sell(quantity: number, options: Partial<Omit<StrategyOrder, 'side' | 'quantity'>> = {}): string {
    return this.submitOrder({ ...options, side: 'sell', quantity, type: options.type ?? 'market' });
  }
  orderTargetQuantity(
    symbol: string,
    targetQuantity: number,
    options: Partial<Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'>> = {},
  ): string | null {
    const target = Math.trunc(targetQuantity);
    const delta = target - this.position(symbol);
    if (delta === 0 || !Number.isFinite(delta)) return null;
    return this.submitOrder({
      ...options,
      symbol,
      side: delta > 0 ? 'buy' : 'sell',
      quantity: Math.abs(delta),
      type: options.type ?? 'market',
    });
  }
  orderTargetPercent(
    symbol: string,
    percent: number,
    options?: Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'>,
  ): string | null {
    const price = this.close(symbol);
    if (!(price > 0)) return null;
    return this.orderTargetQuantity(symbol, (percent * this.portfolio.equity) / price, options);
  }
  cancelOrder(orderId: string): void {
    this.pending.push(
      this.manager
        .cancelOrder(orderId)
        .catch((error) => this.onLog(`cancel ${orderId} failed: ${String((error as Error).message)}`)),
    );
  }
  openOrders(symbol?: string): readonly { id: string; request: OrderRequest }[] {
    return this.manager.getOrders({ status: 'open', symbol }).map((o) => ({
      id: o.clientOrderId,
      request: {
        symbol: o.symbol,
        side: o.side,
        quantity: o.remainingQuantity,
        type: o.type,
        limitPrice: o.limitPrice,
        stopPrice: o.stopPrice,
        timeInForce: o.timeInForce,
        clientOrderId: o.clientOrderId,
      },
    }));
  }
  log(message: string): void {
    this.onLog(message);
  }
}

/** Run a strategy on streaming bars until the feed ends, `maxBars` is reached or `signal` aborts. */
export async function runLiveStrategy(options: LiveRunOptions): Promise<LiveRunSummary> {
  const config = options.config ?? getConfig();
  const broker = options.broker ?? 'paper';
  const say = options.onEvent ?? (() => {});
  let strategy: Strategy;
  if (typeof options.strategy === 'string') {
    const { createStrategy } = await import('../strategies/registry.js');
    strategy = createStrategy(options.strategy, {
      ...options.params,
      ...(options.symbols?.length ? { symbols: options.symbols } : {}),
    });
  } else {
    strategy = options.strategy;
  }
  const symbols = [...strategy.symbols];
  if (symbols.length === 0)
    throw new ValidationError('symbols: the strategy trades no symbols', { field: 'symbols' });
  if (options.replaySpeed !== undefined && !(options.replaySpeed >= 0)) {
    throw new ValidationError(`replaySpeed: must be >= 0 bars per second, got ${options.replaySpeed}`, {
      field: 'replaySpeed',
    });
  }
  // The replay's bars are known before anything trades: a strategy that needs a column they lack
  // (volume on close-only data) fails fast with the backtester's one line, before an account is opened.
  const replaySeries =
    !options.feed && broker === 'paper' ? await sampleReplaySeries(symbols, options.start) : undefined;
  if (replaySeries) checkRequiredColumns(strategy, replaySeries);
  // Paper trading runs on the bar clock, as the backtest does: orders are stamped and risk-checked at
  // the time of the bar they were decided on (a circuit breaker's trading day is the bar's day, not
  // the wall clock's). Alpaca trades now, so its orders keep the wall clock.
  let barClock = Number.NaN;
  const account =
    options.account !== undefined
      ? parseAccountName(options.account)
      : broker === 'paper'
        ? replayAccountName()
        : defaultAccountFor(broker);
  const session = await openTradingSession({
    broker,
    account,
    kind: broker === 'paper' ? 'replay' : undefined,
    config,
    home: options.home,
    initialCapital: options.initialCapital,
    commissionRate: options.commissionRate,
    slippageBps: options.slippageBps,
    checks: options.checks,
    leaseWaitMs: options.leaseWaitMs,
    now: broker === 'paper' ? () => (Number.isFinite(barClock) ? barClock : Date.now()) : undefined,
    // Orders decided on a bar fill on the next bar, at its open for market orders: the backtest's rule.
    paper: { fillTiming: 'next-bar' },
    // The feed prices the replay; orders handed over by other processes trade at its bars too.
    samplePrices: false,
  });
  const { manager } = session;
  if (broker === 'paper' && session.settings.kind !== 'replay') {
    await session.close();
    throw new ValidationError(
      `account: ${account} is a ${session.settings.kind} account; a replay of history runs in a replay account of its own`,
      { field: 'account', hint: 'leave --account out for a new replay account per run, or name a new one' },
    );
  }
  const startClock = session.journal.marketClock();
  let stream: AlpacaMarketDataStream | undefined;
  let feedName: string;
  let feed: AsyncIterable<LiveStep>;
  if (options.feed) {
    feed = options.feed;
    feedName = 'custom';
  } else if (broker === 'paper') {
    feed = sampleReplayFeed(symbols, {
      series: replaySeries,
      start: options.start,
      barsPerSecond: options.replaySpeed,
      signal: options.signal,
    });
    feedName = `sample replay (${options.replaySpeed ? `${options.replaySpeed} bars/s` : 'full speed'})`;
  } else {
    stream = new AlpacaMarketDataStream({
      keyId: config.alpaca.apiKey as string,
      secretKey: config.alpaca.secretKey as string,
      symbols, // crypto pairs stream from the crypto endpoint
    });
    feed = alpacaBarFeed(stream, symbols);
    feedName = `alpaca stream ${stream.url}`;
  }
  const histories = new Map(symbols.map((s) => [s, new History(s, '1Day')]));
  let orders = 0;
  let rejected = 0;
  let fills = 0;
  const context = new LiveContext(
    manager,
    symbols,
    histories,
    (request, error) => {
      rejected++;
      say(
        `order refused: ${request.side} ${request.quantity} ${request.symbol}: ${error instanceof NeuralTraderError ? error.message : String(error)}`,
      );
    },
    (message) => say(`[${strategy.name}] ${message}`),
  );
  manager.on('update', (update) => {
    if (update.type === 'submitted') {
      orders++;
      say(
        `order ${update.order.side} ${update.order.quantity} ${update.order.symbol} ${update.order.type} (${update.order.clientOrderId})`,
      );
    } else if (update.type === 'fill' && update.fill) {
      fills++;
      const f: Fill = update.fill;
      say(
        `fill ${f.side} ${f.quantity} ${f.symbol} @ ${f.price.toFixed(4)} on ${formatTimestamp(f.timestamp)}`,
      );
      strategy.onFill?.(f, context);
    } else if (update.type === 'rejected') {
      rejected++;
      say(`rejected ${update.order.clientOrderId}: ${update.order.reason ?? ''}`);
    }
  });
  const halts: string[] = [];
  const reportHalt = options.onHalt ?? say;
  const recorders = (options.checks ?? []).filter(isHaltRecorder);
  const reported = recorders.map((r) => r.trips.length);
  // Trips already recorded before this run (a check reused across runs) are not this run's news.
  const reportNewHalts = () => {
    for (let i = 0; i < recorders.length; i++) {
      const trips = recorders[i].trips;
      for (; reported[i] < trips.length; reported[i]++) {
        const line = `risk halt: ${trips[reported[i]].message}`;
        halts.push(line);
        reportHalt(line);
      }
    }
  };
  let bars = 0;
  let stoppedBy: LiveRunSummary['stoppedBy'] = 'end-of-feed';
  let canceledOnExit = 0;
  const paper = session.broker instanceof PaperBroker ? session.broker : undefined;
  let book: { cash: number; equity: number; initial: number; positions: LiveRunSummary['positions'] };
  const lastBars = new Map<string, LiveBar>();
  try {
    await strategy.prepare?.();
    strategy.onStart?.(context);
    for await (const step of feed) {
      if (options.signal?.aborted) {
        stoppedBy = 'signal';
        break;
      }
      if (startClock !== undefined && step.timestamp < startClock) {
        throw new ValidationError(
          `start: account ${account} is already at ${formatTimestamp(startClock)}; a bar at ${formatTimestamp(step.timestamp)} would take it back in time`,
          {
            field: 'start',
            hint: `start after ${formatTimestamp(startClock)}, or use a new account (leave --account out)`,
          },
        );
      }
      barClock = step.timestamp;
      // The bar's fills are journaled synchronously: take the journal's lock first (asynchronously).
      if (paper) await manager.prepareWrite();
      for (const [symbol, bar] of step.bars) {
        histories.get(symbol)?.push(bar);
        paper?.feedBar(symbol, bar);
      }
      await manager.settled();
      for (const [symbol, bar] of step.bars) {
        manager.portfolio.mark(symbol, bar.close);
        lastBars.set(symbol, bar);
      }
      manager.onEquity(step.timestamp, manager.portfolio.equity);
      reportNewHalts();
      manager.portfolio.recordEquity(step.timestamp);
      context.barIndex++;
      context.timestamp = step.timestamp;
      strategy.onBar(context);
      await Promise.all(context.pending.splice(0));
      reportNewHalts();
      bars++;
      if (options.maxBars !== undefined && bars >= options.maxBars) {
        stoppedBy = 'max-bars';
        break;
      }
    }
    if (options.signal?.aborted) stoppedBy = 'signal';
    strategy.onEnd?.(context);
    await Promise.all(context.pending.splice(0));
    if (options.cancelOnExit) canceledOnExit = await manager.cancelAll();
  } finally {
    stream?.close();
    // The account remembers where it stopped: its clock and the prices its positions were marked at,
    // so `portfolio show` afterwards values it exactly as this summary does.
    if (Number.isFinite(barClock) && session.journal.isOpen) {
      try {
        await manager.settled();
        session.journal.saveMarks(
          [...lastBars].map(([symbol, bar]) => ({ symbol, price: bar.close, timestamp: bar.timestamp })),
        );
        if (broker === 'paper') session.journal.advanceMarketClock(barClock);
      } catch (error) {
        say(`could not save the account's marks: ${(error as Error).message}`);
      }
    }
    book = {
      cash: manager.portfolio.cash,
      equity: manager.portfolio.equity,
      initial: manager.portfolio.initialCapital,
      positions: manager.portfolio
        .positions()
        .map((p) => ({ symbol: p.symbol, quantity: p.quantity, averageCost: p.averageCost })),
    };
    // Waits for follow-ups, then checkpoints and closes the journal: nothing acknowledged is lost.
    await session.close();
  }
  return {
    strategy: strategy.name,
    broker,
    account,
    marketClock: Number.isFinite(barClock) ? barClock : undefined,
    feed: feedName,
    bars,
    orders,
    fills,
    rejected,
    canceledOnExit,
    cash: book.cash,
    equity: book.equity,
    returnPct: book.initial > 0 ? ((book.equity - book.initial) / book.initial) * 100 : 0,
    positions: book.positions,
    journal: session.journal.path,
    stoppedBy,
    halts,
  };
}
