import type { BarSeries } from '../core/bars.js';
import type { Fill, OrderRequest } from '../core/orders.js';
import type { EpochMs } from '../core/time.js';
import type { SignalInput } from '../indicators/cache.js';

export type { IndicatorSource, SignalInput } from '../indicators/cache.js';

/**
 * The strategy interface, one for backtest and live (the NautilusTrader model): a strategy object is
 * written once and driven by the backtest engine over history with a simulated broker, or by the live
 * runner over streaming bars with a paper or real broker. It only ever sees data up to the current bar
 * through its context, so look-ahead is impossible through the API.
 */

/** Order parameters a strategy passes; symbol defaults to the strategy's first symbol. */
export type StrategyOrder = Omit<OrderRequest, 'symbol'> & { symbol?: string };

/** Read-only view of the account a strategy trades. */
export interface PortfolioView {
  readonly cash: number;
  /** Cash plus the market value of all positions at the current bar's close. */
  readonly equity: number;
  /** Signed quantity held (negative = short); 0 when flat. */
  position(symbol: string): number;
  averageCost(symbol: string): number;
}

export interface StrategyContext {
  /** The symbols this run trades, in the order the strategy declared them. */
  readonly symbols: readonly string[];
  /** Index of the current bar in the aligned data (0-based). */
  readonly barIndex: number;
  /** Timestamp of the current bar (ms since epoch UTC). */
  readonly timestamp: EpochMs;
  readonly portfolio: PortfolioView;

  /** Bars up to and including the current one (zero-copy view; never later bars). */
  history(symbol?: string): BarSeries;
  /** The current bar's prices (allocation-free, for hot paths). */
  open(symbol?: string): number;
  high(symbol?: string): number;
  low(symbol?: string): number;
  close(symbol?: string): number;
  volume(symbol?: string): number;
  /** Signed position in a symbol (default: the first symbol). */
  position(symbol?: string): number;

  /** Submit an order; returns its id. Market orders fill on the next bar's open in a backtest. */
  submitOrder(order: StrategyOrder): string;
  buy(quantity: number, options?: Omit<StrategyOrder, 'side' | 'quantity'>): string;
  sell(quantity: number, options?: Omit<StrategyOrder, 'side' | 'quantity'>): string;
  /** Order whatever brings the position to `targetQuantity` (signed). Returns the order id or null if none needed. */
  orderTargetQuantity(
    symbol: string,
    targetQuantity: number,
    options?: Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'>,
  ): string | null;
  /** Order whatever makes the position worth `percent` (e.g. 0.5 = 50%, -0.5 = 50% short) of equity at the current close. */
  orderTargetPercent(
    symbol: string,
    percent: number,
    options?: Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'>,
  ): string | null;
  cancelOrder(orderId: string): void;
  /** Orders submitted and not yet filled, canceled or rejected. */
  openOrders(symbol?: string): readonly { id: string; request: OrderRequest }[];
  /** A note attached to the run's log (e.g. why a trade was made). */
  log(message: string): void;
}

/** Where a planned exposure changes: at bar `bars[j]` it becomes `exposures[j]` (j < count, bars increasing). */
export interface ExposureChanges {
  count: number;
  bars: Int32Array;
  exposures: Float64Array;
}

/** Collects exposure changes into growing typed arrays (no per-change allocation). */
export class ExposureChangeLog implements ExposureChanges {
  count = 0;
  bars = new Int32Array(256);
  exposures = new Float64Array(256);

  push(bar: number, exposure: number): void {
    if (this.count === this.bars.length) {
      const bars = new Int32Array(this.count * 2);
      bars.set(this.bars);
      this.bars = bars;
      const exposures = new Float64Array(this.count * 2);
      exposures.set(this.exposures);
      this.exposures = exposures;
    }
    this.bars[this.count] = bar;
    this.exposures[this.count] = exposure;
    this.count++;
  }
}

/** A bar column besides the close, which every series has. */
export type BarColumn = 'open' | 'high' | 'low' | 'volume';

/** A column a strategy cannot run without, and why (checked before a run by checkRequiredColumns). */
export interface ColumnRequirement {
  column: BarColumn;
  /** What reads it, completing "needs volume ...", e.g. "for its volume filter (volumeFilter=true)". */
  because: string;
  /** How to run without it, e.g. "set volumeFilter=false". */
  withoutIt: string;
}

export interface Strategy {
  /** Registry name, e.g. "pairs", "sma-crossover". */
  readonly name: string;
  /** Symbols the strategy trades (or reads). */
  readonly symbols: readonly string[];
  /** Bars of history the strategy needs before it can trade (the engine still calls onBar during warm-up). */
  readonly warmup?: number;
  /**
   * Columns besides the close the strategy reads. A backtest on data without them (close-only series)
   * is refused before it starts instead of running on placeholders.
   */
  readonly requiredColumns?: readonly ColumnRequirement[];
  /**
   * Asynchronous set-up before a run (load a model, start a compute backend). The backtester, sweep trials
   * and the live runner await it once before `onStart`; the bar loop itself stays synchronous. `data`:
   * the series the run will be given (exactly those passed to the engine) when the driver knows them
   * before the loop (backtests, optimiser and queue trials); undefined in a live or paper run. A strategy
   * may precompute its decisions from it (neural-trend batches its forecasts), provided onBar decides
   * exactly as it would bar by bar and reads nothing after the current bar.
   */
  prepare?(data?: readonly BarSeries[]): Promise<void>;
  /**
   * The indicator series the strategy's decisions rest on (e.g. sma-crossover: SMA(fast) and SMA(slow) of
   * its close). Declared so a sweep computes each distinct series once and trials share it
   * (src/indicators/cache.ts). Only meaningful together with `exposurePlan`.
   */
  signalInputs?(): readonly SignalInput[];
  /**
   * The bars where the desired exposure (signed fraction of equity in the first symbol, 0 before the
   * first change) changes, from the declared inputs and the close, computed before the run: exactly what
   * onBar would decide bar by bar. When a strategy has one, the engine skips onBar and calls
   * `orderTargetPercent(symbol, exposure)` on those bars, so between them a bar costs a mark to market.
   * `inputs[k]` is the series of `signalInputs()[k]` over the first symbol's close.
   */
  exposurePlan?(inputs: readonly Float64Array[], close: Float64Array): ExposureChanges;
  onStart?(context: StrategyContext): void;
  onBar(context: StrategyContext): void;
  onFill?(fill: Fill, context: StrategyContext): void;
  onEnd?(context: StrategyContext): void;
}

/** The old system's simple form: look at data, say what to do. */
export type Signal = 'buy' | 'sell' | 'hold';

export interface SignalGenerator {
  /** Decide on the most recent bar of `data` (a series, bars, or closes). Uses nothing after the last element. */
  generateSignal(data: BarSeries | readonly { close: number }[] | ArrayLike<number>): Signal;
}
