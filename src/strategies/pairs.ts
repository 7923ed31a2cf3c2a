import { ValidationError } from '../core/errors.js';
import { RollingOls } from '../indicators/regression.js';
import { signalFromChange } from './base.js';
import { type BarReader, SeriesCursor, type SignalData, toSignalColumns } from './input.js';
import { type ParamSpec, paramError, parseParams } from './params.js';
import type { Signal, SignalGenerator, Strategy, StrategyContext } from './types.js';

export interface PairsParams {
  /** Bars in the rolling regression (hedge ratio and spread statistics). */
  lookback: number;
  /** Open a position when |z| exceeds this. */
  entryThreshold: number;
  /** Close it when |z| falls below this. */
  exitThreshold: number;
  /** Close it (a stop) when |z| exceeds this; no new entry until |z| is back below entryThreshold. */
  stopThreshold: number;
  /** Fraction of equity in each leg (0.5 = 50% long one, 50% short the other). */
  capitalFraction: number;
  /** dollar-neutral: equal value in both legs; hedge-ratio: shares of the second leg = beta x shares of the first. */
  sizing: 'dollar-neutral' | 'hedge-ratio';
}

export type PairsOptions = Partial<Omit<PairsParams, 'lookback' | 'entryThreshold'>>;

export const pairsParams: readonly ParamSpec[] = [
  {
    name: 'lookback',
    type: 'integer',
    default: 20,
    min: 2,
    max: 500,
    grid: { min: 10, max: 60, step: 5 },
    description: 'bars in the rolling hedge-ratio regression and spread z-score',
  },
  {
    name: 'entryThreshold',
    type: 'number',
    default: 2,
    min: 0.1,
    max: 10,
    grid: { min: 1, max: 3, step: 0.25 },
    description: 'enter when the spread z-score is beyond +/- this',
  },
  {
    name: 'exitThreshold',
    type: 'number',
    default: 0.5,
    min: 0,
    max: 10,
    grid: { min: 0, max: 1, step: 0.25 },
    description: 'exit when |z| falls below this',
  },
  {
    name: 'stopThreshold',
    type: 'number',
    default: 4,
    min: 0.2,
    max: 50,
    grid: { min: 3, max: 6, step: 1 },
    description: 'stop out when |z| exceeds this',
  },
  {
    name: 'capitalFraction',
    type: 'number',
    default: 0.5,
    min: 0.01,
    max: 5,
    description: 'fraction of equity in each leg',
  },
  {
    name: 'sizing',
    type: 'choice',
    default: 'dollar-neutral',
    choices: ['dollar-neutral', 'hedge-ratio'],
    description:
      'dollar-neutral (equal value per leg) or hedge-ratio (beta shares of the second per share of the first)',
  },
];

/**
 * Pairs trading (statistical arbitrage) on two symbols, first = y, second = x. Each bar a rolling OLS
 * of y on x over `lookback` bars gives the hedge ratio beta and intercept alpha; the spread is
 * y - alpha - beta * x and its z-score is the spread over the standard deviation of the window's spreads.
 * z > entry: short the spread (short y, long x); z < -entry: long the spread; |z| < exit: close;
 * |z| > stop: close and wait for |z| < entry before trading again.
 */
export class PairsStrategy implements Strategy, SignalGenerator {
  readonly name = 'pairs';
  readonly symbols: readonly [string, string];
  readonly warmup: number;
  readonly params: Readonly<PairsParams>;
  private readonly ols: RollingOls;
  /** +1 long the spread, -1 short it, 0 flat. */
  private spreadPosition = 0;
  private stoppedOut = false;

  constructor(symbols: readonly string[], lookback = 20, entryThreshold = 2.0, options: PairsOptions = {}) {
    if (!Array.isArray(symbols) || symbols.length !== 2 || symbols.some((s) => typeof s !== 'string' || !s)) {
      throw new ValidationError(`symbols: pairs needs exactly 2 symbols, got ${JSON.stringify(symbols)}`, {
        field: 'symbols',
        hint: "pass two tickers, e.g. ['KO', 'PG']",
      });
    }
    if (symbols[0] === symbols[1]) {
      throw new ValidationError(`symbols: pairs needs two different symbols, got ${symbols[0]} twice`, {
        field: 'symbols',
      });
    }
    const p = parseParams<PairsParams>('pairs', pairsParams, { ...options, lookback, entryThreshold });
    if (p.exitThreshold >= p.entryThreshold) {
      paramError(
        'exitThreshold',
        `${p.exitThreshold} must be less than entryThreshold (${p.entryThreshold})`,
      );
    }
    if (p.stopThreshold <= p.entryThreshold) {
      paramError(
        'stopThreshold',
        `${p.stopThreshold} must be greater than entryThreshold (${p.entryThreshold})`,
      );
    }
    this.symbols = [symbols[0], symbols[1]];
    this.params = p;
    this.warmup = p.lookback;
    this.ols = new RollingOls(p.lookback);
  }

  /** Latest hedge ratio (beta of the first symbol on the second); NaN during warm-up. */
  get hedgeRatio(): number {
    return this.ols.beta;
  }

  /** Latest spread z-score; NaN during warm-up. */
  get zScore(): number {
    return this.ols.zScore;
  }

  /** Advance one bar; returns the desired spread position (+1 long, -1 short, 0 flat). */
  nextSpreadPosition(bar: BarReader): number {
    const y = bar.close(this.symbols[0]);
    const x = bar.close(this.symbols[1]);
    if (Number.isNaN(y) || Number.isNaN(x)) return this.spreadPosition;
    this.ols.update(y, x);
    const z = this.ols.zScore;
    if (Number.isNaN(z)) return this.spreadPosition;
    const { entryThreshold, exitThreshold, stopThreshold } = this.params;
    const size = Math.abs(z);
    if (this.spreadPosition !== 0) {
      if (size > stopThreshold) {
        this.spreadPosition = 0;
        this.stoppedOut = true;
      } else if (size < exitThreshold) {
        this.spreadPosition = 0;
      }
      return this.spreadPosition;
    }
    if (this.stoppedOut) {
      if (size < entryThreshold) this.stoppedOut = false;
      return 0;
    }
    if (size > entryThreshold && size <= stopThreshold) this.spreadPosition = z > 0 ? -1 : 1;
    return this.spreadPosition;
  }

  onStart(_context: StrategyContext): void {
    this.ols.reset();
    this.spreadPosition = 0;
    this.stoppedOut = false;
  }

  onBar(context: StrategyContext): void {
    const before = this.spreadPosition;
    const position = this.nextSpreadPosition(context);
    if (position === before) return;
    const [first, second] = this.symbols;
    const fraction = this.params.capitalFraction;
    if (position === 0 || this.params.sizing === 'dollar-neutral') {
      context.orderTargetPercent(first, position * fraction);
      context.orderTargetPercent(second, -position * fraction);
      return;
    }
    // Hedge-ratio sizing: q shares of the first leg against beta * q of the second, with the gross
    // value 2 * fraction * equity.
    const y = context.close(first);
    const x = context.close(second);
    const beta = this.ols.beta;
    const shares = (2 * fraction * context.portfolio.equity) / (y + Math.abs(beta) * x);
    context.orderTargetQuantity(first, position * shares);
    context.orderTargetQuantity(second, -position * beta * shares);
  }

  /**
   * The old system's form for a pair: run over the two aligned series and report the change of the
   * spread position at the last bar: 'buy' = buy the spread (long first, short second) or cover a short
   * spread, 'sell' = the opposite, 'hold' = no change.
   */
  generateSignal(data: SignalData, second?: SignalData): Signal {
    if (second === undefined) {
      throw new ValidationError('pairs: generateSignal needs both series: generateSignal(first, second)', {
        field: 'data',
        hint: `pass the ${this.symbols[0]} and ${this.symbols[1]} series, aligned bar for bar`,
      });
    }
    const a = toSignalColumns(data);
    const b = toSignalColumns(second);
    if (a.close.length !== b.close.length) {
      throw new ValidationError(
        `pairs: the two series have different lengths (${a.close.length} and ${b.close.length})`,
        { field: 'data', hint: 'align them first (alignSeries) so bar i is the same time in both' },
      );
    }
    const fresh = new PairsStrategy(
      this.symbols,
      this.params.lookback,
      this.params.entryThreshold,
      this.params,
    );
    const cursor = new SeriesCursor(this.symbols, [a, b]);
    let previous = 0;
    let current = 0;
    for (let i = 0; i < cursor.length; i++) {
      cursor.barIndex = i;
      previous = current;
      current = fresh.nextSpreadPosition(cursor);
    }
    return signalFromChange(previous, current);
  }
}
