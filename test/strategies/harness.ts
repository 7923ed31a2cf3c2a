import { BarSeries } from '../../src/core/bars.js';
import type { OrderRequest } from '../../src/core/orders.js';
import type { PortfolioView, Strategy, StrategyContext, StrategyOrder } from '../../src/strategies/types.js';

/**
 * A minimal StrategyContext over aligned BarSeries for tests (the real engine lives in src/backtest and
 * is built separately): market orders fill at the next bar's open with no costs, positions and cash are
 * tracked, and every order is recorded with the bar that submitted it.
 */
export interface OrderRecord {
  bar: number;
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  tag?: string;
}

type OrderOptions = Omit<StrategyOrder, 'side' | 'quantity' | 'symbol'>;

export class TestContext implements StrategyContext {
  readonly symbols: readonly string[];
  barIndex = -1;
  readonly orders: OrderRecord[] = [];
  readonly logs: string[] = [];
  cash: number;
  private readonly series: readonly BarSeries[];
  private readonly index = new Map<string, number>();
  private readonly positions = new Map<string, number>();
  private readonly costs = new Map<string, number>();
  private pending: { id: string; request: OrderRequest }[] = [];
  private nextId = 1;
  readonly portfolio: PortfolioView;

  constructor(series: readonly BarSeries[], symbols: readonly string[], initialCash = 100_000) {
    this.series = series;
    this.symbols = symbols;
    this.cash = initialCash;
    for (const [i, s] of symbols.entries()) this.index.set(s, i);
    const self = this;
    this.portfolio = {
      get cash() {
        return self.cash;
      },
      get equity() {
        return self.equity();
      },
      position: (symbol: string) => self.positions.get(symbol) ?? 0,
      averageCost: (symbol: string) => self.costs.get(symbol) ?? 0,
    };
  }

  get timestamp(): number {
    return this.series[0].timestamps[this.barIndex];
  }

  private seriesOf(symbol?: string): BarSeries {
    if (symbol === undefined) return this.series[0];
    const i = this.index.get(symbol);
    if (i === undefined) throw new Error(`test context: unknown symbol ${symbol}`);
    return this.series[i];
  }

  equity(): number {
    let value = this.cash;
    for (const [symbol, quantity] of this.positions) value += quantity * this.close(symbol);
    return value;
  }

  /** Move to bar i: fill pending market orders at its open, then it is the current bar. */
  advance(i: number): void {
    this.barIndex = i;
    for (const { request } of this.pending) {
      const price = this.seriesOf(request.symbol).open[i];
      const signed = request.side === 'buy' ? request.quantity : -request.quantity;
      const before = this.positions.get(request.symbol) ?? 0;
      this.positions.set(request.symbol, before + signed);
      this.costs.set(request.symbol, price);
      this.cash -= signed * price;
    }
    this.pending = [];
  }

  history(symbol?: string): BarSeries {
    return this.seriesOf(symbol).slice(0, this.barIndex + 1);
  }
  open(symbol?: string): number {
    return this.seriesOf(symbol).open[this.barIndex];
  }
  high(symbol?: string): number {
    return this.seriesOf(symbol).high[this.barIndex];
  }
  low(symbol?: string): number {
    return this.seriesOf(symbol).low[this.barIndex];
  }
  close(symbol?: string): number {
    return this.seriesOf(symbol).close[this.barIndex];
  }
  volume(symbol?: string): number {
    return this.seriesOf(symbol).volume[this.barIndex];
  }
  position(symbol?: string): number {
    return this.positions.get(symbol ?? this.symbols[0]) ?? 0;
  }

  submitOrder(order: StrategyOrder): string {
    const request: OrderRequest = { ...order, symbol: order.symbol ?? this.symbols[0] };
    if (!(request.quantity > 0)) throw new Error(`test context: bad quantity ${request.quantity}`);
    const id = `o${this.nextId++}`;
    this.pending.push({ id, request });
    this.orders.push({
      bar: this.barIndex,
      symbol: request.symbol,
      side: request.side,
      quantity: request.quantity,
      tag: request.tag,
    });
    return id;
  }
  buy(quantity: number, options: Omit<StrategyOrder, 'side' | 'quantity'> = {}): string {
    return this.submitOrder({ type: 'market', ...options, side: 'buy', quantity });
  }
  sell(quantity: number, options: Omit<StrategyOrder, 'side' | 'quantity'> = {}): string {
    return this.submitOrder({ type: 'market', ...options, side: 'sell', quantity });
  }
  orderTargetQuantity(symbol: string, targetQuantity: number, options: OrderOptions = {}): string | null {
    let pendingQuantity = 0;
    for (const { request } of this.pending) {
      if (request.symbol === symbol)
        pendingQuantity += request.side === 'buy' ? request.quantity : -request.quantity;
    }
    const difference = targetQuantity - this.position(symbol) - pendingQuantity;
    if (Math.abs(difference) < 1e-9) return null;
    return this.submitOrder({
      type: 'market',
      ...options,
      symbol,
      side: difference > 0 ? 'buy' : 'sell',
      quantity: Math.abs(difference),
    });
  }
  orderTargetPercent(symbol: string, percent: number, options: OrderOptions = {}): string | null {
    return this.orderTargetQuantity(symbol, (percent * this.equity()) / this.close(symbol), options);
  }
  cancelOrder(orderId: string): void {
    this.pending = this.pending.filter((o) => o.id !== orderId);
  }
  openOrders(symbol?: string): readonly { id: string; request: OrderRequest }[] {
    return this.pending.filter((o) => symbol === undefined || o.request.symbol === symbol);
  }
  log(message: string): void {
    this.logs.push(message);
  }
}

export function run(strategy: Strategy, series: readonly BarSeries[], initialCash = 100_000): TestContext {
  const context = new TestContext(series, strategy.symbols, initialCash);
  strategy.onStart?.(context);
  for (let i = 0; i < series[0].length; i++) {
    context.advance(i);
    strategy.onBar(context);
  }
  strategy.onEnd?.(context);
  return context;
}

const DAY = 86_400_000;
const START = Date.UTC(2020, 0, 1);

/** A daily series from closes (open = previous close, high/low around them), with optional volumes. */
export function seriesFromCloses(
  symbol: string,
  closes: readonly number[],
  volumes?: readonly number[],
): BarSeries {
  return BarSeries.fromBars(
    symbol,
    '1d',
    closes.map((close, i) => {
      const open = i === 0 ? close : closes[i - 1];
      return {
        timestamp: START + i * DAY,
        open,
        high: Math.max(open, close) * 1.001,
        low: Math.min(open, close) * 0.999,
        close,
        volume: volumes ? volumes[i] : 1_000_000,
      };
    }),
  );
}

export function dayIndexDate(i: number): string {
  return new Date(START + i * DAY).toISOString().slice(0, 10);
}
