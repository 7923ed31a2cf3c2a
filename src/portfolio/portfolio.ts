import { annualisationOf, timeframeOfSpacing } from '../core/calendar.js';
import { ValidationError } from '../core/errors.js';
import { type Fill, type OrderRequest, signedQuantity } from '../core/orders.js';
import { maxDrawdown, sharpeRatio } from '../core/performance.js';
import type { EpochMs } from '../core/time.js';
import type { PortfolioView } from '../strategies/types.js';

/**
 * The account: cash, positions (long and short, at average cost), realised and unrealised P&L and an
 * equity history. The backtester, the paper broker and live trading all keep their books in this one
 * class, so a fill means the same thing everywhere.
 *
 * Accounting conventions (what a trader would expect):
 * - Cash moves by quantity x price on every fill, and commission is paid from cash.
 * - Average cost is the volume-weighted entry price of the open position; it does not change when a
 *   position is reduced, and resets to the fill price when a position flips from long to short or back.
 * - Realised P&L is booked on the reducing part of a fill: closed quantity x (exit - average cost),
 *   sign-adjusted for shorts. It is gross of commission; `commissions` is tracked on its own.
 * - Unrealised P&L is quantity x (last price - average cost).
 * This is float64 analytics accounting; ledgers that owe money (syndicates, betting) use minor units.
 */
export interface Position {
  readonly symbol: string;
  /** Signed: positive long, negative short. */
  quantity: number;
  /** Volume-weighted entry price of the open quantity (0 when flat). */
  averageCost: number;
  /** Realised P&L booked on this symbol so far (gross of commission). */
  realizedPnl: number;
  /** Last price the position was marked at. */
  lastPrice: number;
}

export interface PortfolioMetrics {
  /** Cash plus market value of positions (same as equity; named as the old system named it). */
  totalValue: number;
  cash: number;
  equity: number;
  /** Sum of |quantity| x price: the capital at work on both sides. */
  grossExposure: number;
  /** Long value minus short value. */
  netExposure: number;
  positionsValue: number;
  realizedPnl: number;
  unrealizedPnl: number;
  commissions: number;
  /** equity - initial capital. */
  totalPnl: number;
  /** totalPnl / initial capital, in percent. */
  returnPct: number;
  /** Annualised Sharpe of the recorded equity history (risk-free 0); NaN with fewer than 3 points. */
  sharpeRatio: number;
  /** Largest peak-to-trough fall of recorded equity, as a positive fraction (0.1 = 10%). */
  maxDrawdown: number;
  positionCount: number;
}

export interface RebalanceOptions {
  /** Skip trades smaller than this notional (avoids churn). Default 0. */
  minTradeValue?: number;
  /** Whole shares only (default true). */
  wholeUnits?: boolean;
  /** Portfolio value to size against; default current equity. */
  portfolioValue?: number;
}

export class Portfolio implements PortfolioView {
  readonly initialCapital: number;
  private cashBalance: number;
  private readonly book = new Map<string, Position>();
  private realized = 0;
  private commissionPaid = 0;
  private historyTimes = new Float64Array(256);
  private historyEquity = new Float64Array(256);
  private historyLength = 0;

  constructor(initialCapital = 100_000) {
    if (!Number.isFinite(initialCapital) || initialCapital < 0) {
      throw new ValidationError(`initialCapital must be a finite number >= 0, got ${initialCapital}`, {
        field: 'initialCapital',
      });
    }
    this.initialCapital = initialCapital;
    this.cashBalance = initialCapital;
  }

  get cash(): number {
    return this.cashBalance;
  }

  get equity(): number {
    let value = this.cashBalance;
    for (const p of this.book.values()) value += p.quantity * p.lastPrice;
    return value;
  }

  get realizedPnl(): number {
    return this.realized;
  }

  get commissions(): number {
    return this.commissionPaid;
  }

  position(symbol: string): number {
    return this.book.get(symbol)?.quantity ?? 0;
  }

  averageCost(symbol: string): number {
    return this.book.get(symbol)?.averageCost ?? 0;
  }

  getPosition(symbol: string): Readonly<Position> | undefined {
    return this.book.get(symbol);
  }

  /** Open (non-zero) positions. */
  positions(): Readonly<Position>[] {
    const out: Position[] = [];
    for (const p of this.book.values()) if (p.quantity !== 0) out.push(p);
    return out;
  }

  /** Signed quantities by symbol (the shape pre-trade checks take). */
  positionMap(): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.book.values()) if (p.quantity !== 0) out.set(p.symbol, p.quantity);
    return out;
  }

  private entry(symbol: string, price: number): Position {
    let p = this.book.get(symbol);
    if (!p) {
      p = { symbol, quantity: 0, averageCost: 0, realizedPnl: 0, lastPrice: price };
      this.book.set(symbol, p);
    }
    return p;
  }

  /**
   * Back to the starting cash with no positions, keeping each symbol's last price (the OrderManager
   * rebuilds its book from the journal's fills after a failed write).
   */
  clearBook(): void {
    const marks = new Map([...this.book.values()].map((p) => [p.symbol, p.lastPrice]));
    this.book.clear();
    this.cashBalance = this.initialCapital;
    this.realized = 0;
    this.commissionPaid = 0;
    for (const [symbol, price] of marks) this.entry(symbol, price);
  }

  /** Book an execution: cash, position, average cost, realised P&L, commission. Allocation-free after the first fill of a symbol. */
  applyFill(fill: Pick<Fill, 'symbol' | 'side' | 'quantity' | 'price' | 'commission'>): void {
    const delta = signedQuantity(fill);
    const price = fill.price;
    const p = this.entry(fill.symbol, price);
    this.cashBalance -= delta * price + fill.commission;
    this.commissionPaid += fill.commission;
    // A zero-quantity fill only moves cash (a fee or an adjustment); averaging it in would divide by zero.
    if (delta === 0) return;
    const before = p.quantity;
    const after = before + delta;
    if (before === 0 || Math.sign(before) === Math.sign(delta)) {
      // Opening or adding: average in.
      p.averageCost = (Math.abs(before) * p.averageCost + Math.abs(delta) * price) / Math.abs(after);
    } else {
      // Reducing, closing or flipping: realise on the closed part.
      const closed = Math.min(Math.abs(delta), Math.abs(before));
      const pnl = closed * (price - p.averageCost) * Math.sign(before);
      p.realizedPnl += pnl;
      this.realized += pnl;
      if (Math.abs(after) < 1e-12) p.averageCost = 0;
      else if (Math.sign(after) !== Math.sign(before)) p.averageCost = price;
    }
    p.quantity = Math.abs(after) < 1e-12 ? 0 : after;
    p.lastPrice = price;
  }

  /** Pay `amount` from cash that is not a commission (e.g. margin interest or a borrow fee). */
  debit(amount: number): void {
    this.cashBalance -= amount;
  }

  /** Mark a symbol to a new price (e.g. the bar's close). */
  mark(symbol: string, price: number): void {
    const p = this.book.get(symbol);
    if (p) p.lastPrice = price;
  }

  lastPrice(symbol: string): number | undefined {
    return this.book.get(symbol)?.lastPrice;
  }

  unrealizedPnl(symbol?: string): number {
    if (symbol !== undefined) {
      const p = this.book.get(symbol);
      return p ? p.quantity * (p.lastPrice - p.averageCost) : 0;
    }
    let total = 0;
    for (const p of this.book.values()) total += p.quantity * (p.lastPrice - p.averageCost);
    return total;
  }

  /** Append (timestamp, equity) to the history; call once per bar or per mark-to-market. */
  recordEquity(timestamp: EpochMs, equity: number = this.equity): void {
    if (this.historyLength === this.historyTimes.length) {
      const times = new Float64Array(this.historyTimes.length * 2);
      const values = new Float64Array(this.historyTimes.length * 2);
      times.set(this.historyTimes);
      values.set(this.historyEquity);
      this.historyTimes = times;
      this.historyEquity = values;
    }
    this.historyTimes[this.historyLength] = timestamp;
    this.historyEquity[this.historyLength] = equity;
    this.historyLength++;
  }

  /** Make room for `capacity` history points up front (a backtest knows its bar count). */
  reserveHistory(capacity: number): void {
    if (capacity <= this.historyTimes.length) return;
    const times = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    times.set(this.historyTimes.subarray(0, this.historyLength));
    values.set(this.historyEquity.subarray(0, this.historyLength));
    this.historyTimes = times;
    this.historyEquity = values;
  }

  /** Recorded equity history (views, not copies). */
  equityHistory(): { timestamps: Float64Array; equity: Float64Array } {
    return {
      timestamps: this.historyTimes.subarray(0, this.historyLength),
      equity: this.historyEquity.subarray(0, this.historyLength),
    };
  }

  /** Old-system API: open or add to a position bought at `price` (paid from cash, no commission). */
  addPosition(symbol: string, quantity: number, price: number): void {
    if (!Number.isFinite(quantity) || quantity === 0) {
      throw new ValidationError(`quantity must be a non-zero finite number, got ${quantity}`, {
        field: 'quantity',
      });
    }
    if (!Number.isFinite(price) || price <= 0) {
      throw new ValidationError(`price must be a positive finite number, got ${price}`, { field: 'price' });
    }
    this.applyFill({
      symbol,
      side: quantity > 0 ? 'buy' : 'sell',
      quantity: Math.abs(quantity),
      price,
      commission: 0,
    });
  }

  /** Old-system API: close a position at `price` (default: its last price). Returns the realised P&L. */
  removePosition(symbol: string, price?: number): number {
    const p = this.book.get(symbol);
    if (!p || p.quantity === 0) {
      throw new ValidationError(`no open position in ${symbol}`, { field: 'symbol' });
    }
    const exitPrice = price ?? p.lastPrice;
    const before = p.realizedPnl;
    this.applyFill({
      symbol,
      side: p.quantity > 0 ? 'sell' : 'buy',
      quantity: Math.abs(p.quantity),
      price: exitPrice,
      commission: 0,
    });
    return p.realizedPnl - before;
  }

  /**
   * Current values and performance of the recorded equity history. Sharpe is annualised with
   * `periodsPerYear` when given, else by the time model from the history's timestamps (measured over a
   * year or more of marks, else the nominal count of the calendar they look like).
   */
  calculateMetrics(periodsPerYear?: number): PortfolioMetrics {
    let positionsValue = 0;
    let gross = 0;
    let count = 0;
    for (const p of this.book.values()) {
      if (p.quantity === 0) continue;
      const value = p.quantity * p.lastPrice;
      positionsValue += value;
      gross += Math.abs(value);
      count++;
    }
    const equity = this.cashBalance + positionsValue;
    const totalPnl = equity - this.initialCapital;
    const { equity: curve, timestamps } = this.equityHistory();
    const perYear =
      periodsPerYear ?? annualisationOf(timestamps, timeframeOfSpacing(timestamps)).periodsPerYear;
    return {
      totalValue: equity,
      cash: this.cashBalance,
      equity,
      grossExposure: gross,
      netExposure: positionsValue,
      positionsValue,
      realizedPnl: this.realized,
      unrealizedPnl: this.unrealizedPnl(),
      commissions: this.commissionPaid,
      totalPnl,
      returnPct: this.initialCapital > 0 ? (totalPnl / this.initialCapital) * 100 : 0,
      sharpeRatio: sharpeRatio(curve, perYear),
      maxDrawdown: maxDrawdownOfCurve(curve),
      positionCount: count,
    };
  }

  /**
   * Orders that move the portfolio to target weights of equity (weights may be negative for shorts;
   * symbols held but absent from `targets` are closed). Sells come first so buys can use their cash.
   */
  rebalance(
    targets: Readonly<Record<string, number>>,
    prices: Readonly<Record<string, number>>,
    options: RebalanceOptions = {},
  ): OrderRequest[] {
    const wholeUnits = options.wholeUnits ?? true;
    const minTrade = options.minTradeValue ?? 0;
    for (const [symbol, price] of Object.entries(prices)) this.mark(symbol, price);
    const value = options.portfolioValue ?? this.equity;
    const symbols = new Set([...Object.keys(targets), ...this.positions().map((p) => p.symbol)]);
    const orders: OrderRequest[] = [];
    for (const symbol of symbols) {
      const weight = targets[symbol] ?? 0;
      if (!Number.isFinite(weight)) {
        throw new ValidationError(`target weight for ${symbol} must be finite, got ${weight}`, {
          field: symbol,
        });
      }
      const price = prices[symbol] ?? this.lastPrice(symbol);
      if (price === undefined || !(price > 0)) {
        throw new ValidationError(`no price for ${symbol}; pass it in prices`, { field: symbol });
      }
      let target = (weight * value) / price;
      if (wholeUnits) target = Math.trunc(target);
      const delta = target - this.position(symbol);
      if (delta === 0 || Math.abs(delta * price) < minTrade) continue;
      orders.push({ symbol, side: delta > 0 ? 'buy' : 'sell', quantity: Math.abs(delta), type: 'market' });
    }
    orders.sort((a, b) =>
      a.side === b.side ? a.symbol.localeCompare(b.symbol) : a.side === 'sell' ? -1 : 1,
    );
    return orders;
  }

  toJSON(): {
    initialCapital: number;
    cash: number;
    equity: number;
    positions: Array<Position & { marketValue: number; unrealizedPnl: number }>;
  } {
    return {
      initialCapital: this.initialCapital,
      cash: this.cashBalance,
      equity: this.equity,
      positions: this.positions().map((p) => ({
        ...p,
        marketValue: p.quantity * p.lastPrice,
        unrealizedPnl: p.quantity * (p.lastPrice - p.averageCost),
      })),
    };
  }
}

/**
 * Annualised Sharpe ratio of per-period simple returns of an equity curve (risk-free rate 0): the one
 * implementation in src/core/performance.ts, with its zero-deviation convention.
 */
export function sharpeOfCurve(curve: ArrayLike<number>, periodsPerYear: number): number {
  return sharpeRatio(curve, periodsPerYear);
}

/** Largest peak-to-trough decline as a positive fraction (src/core/performance.ts). */
export const maxDrawdownOfCurve: (curve: ArrayLike<number>) => number = maxDrawdown;
