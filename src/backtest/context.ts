import type { BarSeries } from '../core/bars.js';
import type { OrderRequest } from '../core/orders.js';
import type { EpochMs } from '../core/time.js';
import type { PortfolioView, StrategyContext, StrategyOrder } from '../strategies/types.js';

/**
 * What the context needs from the engine that runs it (the engine implements it). Declared here, below
 * the engine, so the two modules do not import each other.
 */
export interface EngineHost {
  readonly symbols: readonly string[];
  readonly portfolio: {
    readonly cash: number;
    position(symbol: string): number;
    averageCost(symbol: string): number;
  };
  readonly index: number;
  markedEquity(i: number): number;
  symbolAt(symbol: string | undefined): number;
  position(s: number): number;
  history(s: number): BarSeries;
  submit(order: StrategyOrder, targetPercent?: number, targetQuantity?: number): string;
  targetOrder(
    symbol: string,
    target: number,
    targetPercent: number,
    options?: Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'>,
  ): string | null;
  cancel(orderId: string): void;
  openOrders(symbol?: string): { id: string; request: OrderRequest }[];
  log(message: string): void;
}

const EMPTY_OPTIONS = {};

/** The one context object a run hands its strategy; its fields move with the bar. */
export class EngineContext implements StrategyContext {
  readonly symbols: readonly string[];
  barIndex = -1;
  timestamp: EpochMs = Number.NaN;
  /** Cash, positions and equity marked at the current bar's close. */
  readonly portfolio: PortfolioView;
  private readonly engine: EngineHost;
  private readonly columns: {
    open: Float64Array[];
    high: Float64Array[];
    low: Float64Array[];
    close: Float64Array[];
    volume: Float64Array[];
  };

  constructor(engine: EngineHost, columns: EngineContext['columns']) {
    this.engine = engine;
    this.symbols = engine.symbols;
    this.columns = columns;
    const book = engine.portfolio;
    this.portfolio = {
      get cash() {
        return book.cash;
      },
      get equity() {
        return engine.markedEquity(engine.index);
      },
      position: (symbol: string) => book.position(symbol),
      averageCost: (symbol: string) => book.averageCost(symbol),
    };
  }

  // Current-bar accessors: an index lookup, no allocation (NaN before the first bar).
  private at(column: Float64Array[], symbol: string | undefined): number {
    const s = symbol === undefined ? 0 : this.engine.symbolAt(symbol);
    return this.barIndex >= 0 ? column[s][this.barIndex] : Number.NaN;
  }

  history(symbol?: string): BarSeries {
    return this.engine.history(this.engine.symbolAt(symbol));
  }
  open(symbol?: string): number {
    return this.at(this.columns.open, symbol);
  }
  high(symbol?: string): number {
    return this.at(this.columns.high, symbol);
  }
  low(symbol?: string): number {
    return this.at(this.columns.low, symbol);
  }
  close(symbol?: string): number {
    return this.at(this.columns.close, symbol);
  }
  volume(symbol?: string): number {
    return this.at(this.columns.volume, symbol);
  }
  position(symbol?: string): number {
    return this.engine.position(symbol === undefined ? 0 : this.engine.symbolAt(symbol));
  }
  submitOrder(order: StrategyOrder): string {
    return this.engine.submit(order);
  }
  buy(quantity: number, options: Omit<StrategyOrder, 'side' | 'quantity'> = EMPTY_OPTIONS as never): string {
    return this.engine.submit({ ...options, side: 'buy', quantity, type: options.type ?? 'market' });
  }
  sell(quantity: number, options: Omit<StrategyOrder, 'side' | 'quantity'> = EMPTY_OPTIONS as never): string {
    return this.engine.submit({ ...options, side: 'sell', quantity, type: options.type ?? 'market' });
  }
  orderTargetQuantity(
    symbol: string,
    targetQuantity: number,
    options?: Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'>,
  ): string | null {
    return this.engine.targetOrder(symbol, targetQuantity, Number.NaN, options);
  }
  orderTargetPercent(
    symbol: string,
    percent: number,
    options?: Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'>,
  ): string | null {
    const s = this.engine.symbolAt(symbol);
    const price = this.columns.close[s][this.barIndex];
    const equity = this.engine.markedEquity(this.barIndex);
    return this.engine.targetOrder(symbol, (percent * equity) / price, percent, options);
  }
  cancelOrder(orderId: string): void {
    this.engine.cancel(orderId);
  }
  openOrders(symbol?: string): readonly { id: string; request: OrderRequest }[] {
    return this.engine.openOrders(symbol);
  }
  log(message: string): void {
    this.engine.log(message);
  }
}
