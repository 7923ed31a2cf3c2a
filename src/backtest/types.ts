import type { MarketCalendar } from '../core/calendar.js';
import type { OrderRequest, PreTradeCheck, Side, TimeInForce } from '../core/orders.js';
import type { EpochMs } from '../core/time.js';
import type { Timeframe } from '../core/timeframe.js';
import type { IndicatorSource } from '../indicators/cache.js';
import type { CommissionModel } from './fill-models.js';
import type { BacktestMetrics } from './metrics.js';

/**
 * Called once per bar after the engine marks the portfolio to the close. Risk tools (a circuit breaker,
 * a drawdown monitor) watch equity through this hook and then refuse orders through a PreTradeCheck.
 */
export interface EquityObserver {
  onEquity(timestamp: EpochMs, equity: number): void;
}

/**
 * Rules of the simulated account and broker. Every default is stated; `presets` bundles sets of them.
 */
export interface BacktestOptions {
  /** Starting cash. Default 100,000. */
  initialCapital?: number;
  /**
   * A number is a percent-of-notional rate (0.001 = 10 bps); or any CommissionModel. Default
   * DEFAULT_COMMISSION_RATE (0.001) on every face; 0 turns it off.
   */
  commission?: number | CommissionModel;
  /** Slippage against the trader in basis points, on every fill. Default 0. */
  slippageBps?: number;
  /** Allow fractional quantities. Default false: quantities are floored toward zero to whole units. */
  fractional?: boolean;
  /** Allow short positions. Default true; when false a sell larger than the long position is rejected. */
  allowShort?: boolean;
  /**
   * Margin rule: after a fill that increases exposure, gross exposure (sum of |quantity| x price) may be
   * at most `maxLeverage` x equity, otherwise the order is rejected ("buying-power"). Default 2, a Reg T
   * margin account (50% initial margin), so a dollar-neutral long/short book fits with room for gaps
   * between the signal close and the fill open. Use 1 for a cash account: a long-only book can then never
   * spend more cash than it has (the peer-parity preset does).
   */
  maxLeverage?: number;
  /**
   * Size target orders (orderTargetPercent/orderTargetQuantity) at the fill price instead of at the
   * signal bar's close, and cap buys at what cash affords including commission. Default false. The
   * peer-parity preset turns it on, which is how backtrader's order_target_percent-style all-in sizing works.
   */
  sizeAtFill?: boolean;
  /** Time in force for orders that do not say. Default 'gtc'. */
  defaultTimeInForce?: TimeInForce;
  /** Close every open position at the last bar's close (recorded as fills). Default false. */
  closeAtEnd?: boolean;
  /**
   * Override the annualisation factor. Default: measured from the timestamps when the run spans a year
   * or more, else the nominal count of the market calendar (src/core/calendar.ts).
   */
  periodsPerYear?: number;
  /** Annualise with this market calendar's nominal count (us-equity 252 sessions, fx 24x5, crypto 24x7) instead of measuring. */
  calendar?: MarketCalendar;
  /**
   * Annual interest on negative cash (money borrowed to buy on margin), accrued over the calendar time
   * between bar timestamps. Default DEFAULT_MARGIN_INTEREST_RATE (0.06); 0 turns it off (peer-parity does).
   */
  marginInterestRate?: number;
  /**
   * Annual fee on the market value of short positions (at the previous bar's close), accrued like the
   * interest. Default DEFAULT_BORROW_FEE_RATE (0.005); 0 turns it off (peer-parity does).
   */
  borrowFeeRate?: number;
  /**
   * Where strategies that declare signal inputs (sma-crossover) get their indicator series: the thread's
   * shared cache by default (src/indicators/cache.ts), any IndicatorSource, or false to run the strategy
   * bar by bar through onBar with its own indicators (no plan, no cache). Same fills either way.
   */
  indicators?: IndicatorSource | false;
  /**
   * Write the equity curve into this array instead of allocating one (it must have one slot per aligned
   * bar; the result's `equity` is then this array). Sweeps reuse one buffer across trials that keep only
   * metrics, which saves a full-length allocation and its garbage collection per trial.
   */
  equityBuffer?: Float64Array;
  /** Checks run on every order before it is accepted; a refusal is recorded in `rejections`. */
  preTradeChecks?: readonly PreTradeCheck[];
  /** Told the equity at every bar's close. */
  equityObservers?: readonly EquityObserver[];
}

/** The options after defaults are applied. */
export interface ResolvedBacktestOptions {
  initialCapital: number;
  commission: CommissionModel;
  slippageBps: number;
  fractional: boolean;
  allowShort: boolean;
  maxLeverage: number;
  sizeAtFill: boolean;
  defaultTimeInForce: TimeInForce;
  closeAtEnd: boolean;
  periodsPerYear?: number;
  calendar?: MarketCalendar;
  marginInterestRate: number;
  borrowFeeRate: number;
  indicators: IndicatorSource | false;
  equityBuffer?: Float64Array;
  preTradeChecks: readonly PreTradeCheck[];
  equityObservers: readonly EquityObserver[];
}

/** One execution in the fill log. */
export interface BacktestFill {
  timestamp: EpochMs;
  /** Index of the bar the fill happened on. */
  barIndex: number;
  orderId: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  commission: number;
  /** Cash after this fill. */
  cashAfter: number;
  /** Signed position in the symbol after this fill. */
  positionAfter: number;
  tag?: string;
}

/** An order the simulated broker or a pre-trade check refused. */
export interface BacktestRejection {
  timestamp: EpochMs;
  barIndex: number;
  orderId: string;
  order: OrderRequest;
  /** Which rule refused: a PreTradeCheck's name, or "buying-power", "no-short", "quantity", "order". */
  check: string;
  field?: string;
  message: string;
}

/**
 * An order that left the book without filling: expired (day/ioc/fok not filled on its bar), canceled (by
 * the strategy, or a target order with nothing left to do at the fill), or still open when the data ended.
 */
export interface BacktestCancellation {
  timestamp: EpochMs;
  orderId: string;
  order: OrderRequest;
  reason: 'expired' | 'canceled' | 'open-at-end';
}

/** A FIFO round trip: an entry lot matched against the exit that closed it. */
export interface RoundTripTrade {
  symbol: string;
  direction: 'long' | 'short';
  entryTime: EpochMs;
  exitTime: EpochMs;
  entryPrice: number;
  exitPrice: number;
  quantity: number;
  /** Net P&L including the entry and exit commissions attributable to this quantity. */
  pnl: number;
  /**
   * pnl / (entry price x quantity), as a fraction (0.05 = 5%). Named for its unit: a field ending in `Pct`
   * holds a percent, every other ratio a fraction (CONTRIBUTING.md "Output conventions").
   */
  returnFraction: number;
  barsHeld: number;
  commission: number;
}

/** A lot still open at the end, marked at the last close. */
export interface OpenTrade {
  symbol: string;
  direction: 'long' | 'short';
  entryTime: EpochMs;
  entryPrice: number;
  quantity: number;
  lastPrice: number;
  unrealizedPnl: number;
  barsHeld: number;
}

/**
 * The conventions a backtest's figures rest on, stated with every result (library object, CLI table
 * footer and JSON, MCP output) so two numbers are only ever compared under the same assumptions.
 */
export interface BacktestAssumptions {
  /** Commission model, e.g. "percent(0.001)" (0.1% of notional per fill) or "none". */
  commission: string;
  /** Slippage against every fill, in basis points of price. */
  slippageBps: number;
  /** What borrowed cash and short positions cost. */
  financing: string;
  /** How per-bar figures become yearly ones. */
  annualization: { periodsPerYear: number; riskFreeRate: number; description: string };
  /** How orders become fills. */
  fills: string;
  /** Where the bars came from and their bar size. */
  dataSource: string;
}

/** Everything a backtest produced: enough to print a summary, export JSON or render a report. */
export interface BacktestResult {
  strategy: string;
  /** The strategy's parameters when it exposes them (`strategy.params`), for reports. */
  params: Record<string, unknown>;
  symbols: string[];
  timeframe: Timeframe;
  start: EpochMs;
  end: EpochMs;
  bars: number;
  initialCapital: number;
  finalEquity: number;
  finalCash: number;
  /** Signed position per symbol at the end. */
  positions: Record<string, number>;
  /** Equity at each bar's close, aligned with `timestamps`. */
  timestamps: Float64Array;
  equity: Float64Array;
  /** Drawdown from the running peak at each bar, as a fraction <= 0 (-0.1 = 10% below the peak). */
  drawdown: Float64Array;
  /** Close of every symbol aligned with `timestamps` (views of the aligned data, for charts). */
  closes: Record<string, Float64Array>;
  /** Equal-weight buy-and-hold of the traded symbols, same starting capital, aligned with `timestamps`. */
  benchmarkEquity: Float64Array;
  fills: BacktestFill[];
  trades: RoundTripTrade[];
  openTrades: OpenTrade[];
  rejections: BacktestRejection[];
  cancellations: BacktestCancellation[];
  metrics: BacktestMetrics;
  /** Strategy notes from context.log(). */
  logs: { timestamp: EpochMs; message: string }[];
  /** The rules the run used (commission as the model's name). */
  options: {
    commission: string;
    slippageBps: number;
    fractional: boolean;
    allowShort: boolean;
    maxLeverage: number;
    sizeAtFill: boolean;
    defaultTimeInForce: TimeInForce;
    closeAtEnd: boolean;
    marginInterestRate: number;
    borrowFeeRate: number;
    periodsPerYear: number;
  };
  /** The conventions the figures rest on (costs, financing, annualisation, fills, data source). */
  assumptions: BacktestAssumptions;
  /** One line each for a legitimate but degenerate run (e.g. no trades because capital is too small). */
  warnings: string[];
  /** Wall time of the engine loop in ms. */
  elapsedMs: number;
  /**
   * Wall time of the strategy's `prepare()` in ms when the driver ran it (a neural-trend backtest trains its
   * models and makes its batched forecasts there, so most of such a run's time is here, not in elapsedMs).
   */
  prepareMs?: number;
}
