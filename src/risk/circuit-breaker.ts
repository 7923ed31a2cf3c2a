import { ValidationError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { OrderRequest, PreTradeCheck, PreTradeContext, PreTradeRejection } from '../core/orders.js';
import { type EpochMs, formatTimestamp, MS_PER_DAY } from '../core/time.js';

export interface CircuitBreakerOptions {
  /** Halt when equity falls more than this fraction below the previous day's last equity (0.03 = 3%). */
  maxDailyLoss?: number;
  /** Halt when equity falls more than this fraction below its running peak. */
  maxDrawdown?: number;
  /**
   * Where a trading day starts, in minutes relative to 00:00 UTC (default 0 = UTC days). For US equities
   * use e.g. 240 so days roll at 20:00 New York time.
   */
  dayStartOffsetMinutes?: number;
  /** Let orders through that only shrink an existing position while tripped (default false: block all). */
  allowRiskReducing?: boolean;
}

export type TripReason = 'daily-loss' | 'drawdown';

export interface CircuitBreakerTrip {
  reason: TripReason;
  timestamp: EpochMs;
  equity: number;
  /** The loss that tripped it, as a positive fraction. */
  value: number;
  threshold: number;
  message: string;
}

const log = createLogger('risk.circuit-breaker');

/**
 * Halts trading after a bad day or a deep drawdown. Feed it equity with `onEquity` (the backtester's
 * equity observers do) or let `check` read the equity from each PreTradeContext.
 * - The daily loss is measured from the previous trading day's last equity (the prior close). A daily-loss
 *   trip lasts until the next trading day (cleared at the first equity or order of the new day) or a
 *   manual `reset()`.
 * - A drawdown trip lasts until a manual `reset()`, which also restarts the peak at the current equity.
 * While tripped, every order is rejected (or only risk-increasing ones with allowRiskReducing).
 */
export class CircuitBreaker implements PreTradeCheck {
  readonly name = 'circuit-breaker';
  private readonly options: Required<Omit<CircuitBreakerOptions, 'maxDailyLoss' | 'maxDrawdown'>> &
    Pick<CircuitBreakerOptions, 'maxDailyLoss' | 'maxDrawdown'>;
  private peak = Number.NaN;
  private dayStartEquity = Number.NaN;
  private day = Number.NaN;
  private lastEquity = Number.NaN;
  private active = new Map<TripReason, CircuitBreakerTrip>();
  private readonly history: CircuitBreakerTrip[] = [];

  constructor(options: CircuitBreakerOptions) {
    for (const key of ['maxDailyLoss', 'maxDrawdown'] as const) {
      const v = options[key];
      if (v !== undefined && !(v > 0 && v < 1)) {
        throw new ValidationError(`${key} must be a fraction between 0 and 1, got ${v}`, {
          field: key,
          hint: 'e.g. 0.03 for 3%',
        });
      }
    }
    if (options.maxDailyLoss === undefined && options.maxDrawdown === undefined) {
      throw new ValidationError('a circuit breaker needs maxDailyLoss or maxDrawdown', {
        field: 'maxDailyLoss',
      });
    }
    this.options = {
      dayStartOffsetMinutes: options.dayStartOffsetMinutes ?? 0,
      allowRiskReducing: options.allowRiskReducing ?? false,
      maxDailyLoss: options.maxDailyLoss,
      maxDrawdown: options.maxDrawdown,
    };
  }

  private dayOf(timestamp: EpochMs): number {
    return Math.floor((timestamp - this.options.dayStartOffsetMinutes * 60_000) / MS_PER_DAY);
  }

  /** Record the account's equity at `timestamp` (call on every bar or mark). */
  onEquity(timestamp: EpochMs, equity: number): void {
    if (!Number.isFinite(equity)) return;
    const day = this.dayOf(timestamp);
    if (!(day <= this.day)) {
      // A new trading day: the day's loss is measured from the previous day's last equity (its close), as
      // a desk measures daily P&L, so one-bar-per-day data can trip it too; the very first day starts from
      // its first equity. A daily-loss halt ends with the day.
      this.day = day;
      this.dayStartEquity = Number.isFinite(this.lastEquity) ? this.lastEquity : equity;
      this.active.delete('daily-loss');
    }
    this.lastEquity = equity;
    if (!(equity <= this.peak)) this.peak = equity;
    const { maxDailyLoss, maxDrawdown } = this.options;
    if (maxDailyLoss !== undefined && this.dayStartEquity > 0) {
      const loss = (this.dayStartEquity - equity) / this.dayStartEquity;
      if (loss > maxDailyLoss) this.trip('daily-loss', timestamp, equity, loss, maxDailyLoss);
    }
    if (maxDrawdown !== undefined && this.peak > 0) {
      const dd = (this.peak - equity) / this.peak;
      if (dd > maxDrawdown) this.trip('drawdown', timestamp, equity, dd, maxDrawdown);
    }
  }

  private trip(
    reason: TripReason,
    timestamp: EpochMs,
    equity: number,
    value: number,
    threshold: number,
  ): void {
    if (this.active.has(reason)) return;
    const what = reason === 'daily-loss' ? 'daily loss' : 'drawdown from peak';
    const record: CircuitBreakerTrip = {
      reason,
      timestamp,
      equity,
      value,
      threshold,
      message: `circuit breaker tripped at ${formatTimestamp(timestamp)}: ${what} ${(value * 100).toFixed(2)}% exceeds ${(threshold * 100).toFixed(2)}%; new orders are halted${reason === 'daily-loss' ? ' until the next trading day' : ' until reset'}`,
    };
    this.active.set(reason, record);
    this.history.push(record);
    log.warn(record.message);
  }

  /** True while orders are halted. */
  get tripped(): boolean {
    return this.active.size > 0;
  }

  /** The halts in force now (empty when trading is allowed). */
  get activeTrips(): CircuitBreakerTrip[] {
    return [...this.active.values()];
  }

  /** Every trip so far, in order. */
  get trips(): readonly CircuitBreakerTrip[] {
    return this.history;
  }

  /** Manual reset: clears every halt and restarts the peak and the day's base at the latest (or given) equity. */
  reset(equity: number = this.lastEquity): void {
    this.active.clear();
    if (Number.isFinite(equity)) {
      this.peak = equity;
      this.dayStartEquity = equity;
      this.lastEquity = equity;
    }
  }

  check(order: OrderRequest, context: PreTradeContext): PreTradeRejection | null {
    this.onEquity(context.timestamp, context.equity);
    if (this.active.size === 0) return null;
    if (this.options.allowRiskReducing) {
      const held = context.positions.get(order.symbol) ?? 0;
      const delta = order.side === 'buy' ? order.quantity : -order.quantity;
      if (held !== 0 && Math.sign(delta) !== Math.sign(held) && Math.abs(delta) <= Math.abs(held))
        return null;
    }
    const first = this.active.values().next().value as CircuitBreakerTrip;
    return { check: this.name, message: first.message };
  }
}
