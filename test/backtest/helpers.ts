import { readFileSync } from 'node:fs';
import { BarSeries } from '../../src/core/bars.js';
import type { Strategy, StrategyContext } from '../../src/strategies/types.js';

const DAY = 86_400_000;
export const T0 = Date.UTC(2024, 0, 1);

/** A daily series from [open, high, low, close] rows, one per day from T0. */
export function seriesFrom(symbol: string, rows: readonly (readonly number[])[]): BarSeries {
  return BarSeries.fromBars(
    symbol,
    '1Day',
    rows.map(([open, high, low, close], i) => ({
      timestamp: T0 + i * DAY,
      open,
      high,
      low,
      close,
      volume: 1000,
    })),
  );
}

/** A series whose bars all equal `close` (o = h = l = c). */
export function flatSeries(symbol: string, closes: readonly number[]): BarSeries {
  return seriesFrom(
    symbol,
    closes.map((c) => [c, c, c, c]),
  );
}

/** Load a Date,Open,High,Low,Close,Volume CSV. */
export function loadCsvSeries(path: string, symbol: string): BarSeries {
  const lines = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  const series = BarSeries.allocate(symbol, '1Day', lines.length);
  lines.forEach((line, i) => {
    const [date, open, high, low, close, volume] = line.split(',');
    const [y, m, d] = date.split('-').map(Number);
    series.timestamps[i] = Date.UTC(y, m - 1, d);
    series.open[i] = Number(open);
    series.high[i] = Number(high);
    series.low[i] = Number(low);
    series.close[i] = Number(close);
    series.volume[i] = Number(volume);
  });
  return series;
}

/** A strategy that runs a script: actions[barIndex](ctx) on each bar. */
export function scripted(
  symbols: readonly string[],
  actions: Record<number, (ctx: StrategyContext) => void>,
  extra: Partial<Strategy> = {},
): Strategy {
  return {
    name: 'scripted',
    symbols,
    onBar(ctx) {
      actions[ctx.barIndex]?.(ctx);
    },
    ...extra,
  };
}

/**
 * SMA(fast)/SMA(slow) long-only crossover exactly as the golden README states it: signals on bar t's
 * close, SMAs undefined before a full window (comparisons false), buy all-in when flat on a cross up,
 * sell everything when long on a cross down.
 */
export class GoldenSmaCross implements Strategy {
  readonly name = 'golden-sma-cross';
  readonly symbols: readonly string[];
  constructor(
    symbol: string,
    private readonly fast = 10,
    private readonly slow = 30,
  ) {
    this.symbols = [symbol];
  }
  private sma(close: Float64Array, t: number, window: number): number {
    if (t < window - 1) return Number.NaN;
    let sum = 0;
    for (let j = t - window + 1; j <= t; j++) sum += close[j];
    return sum / window;
  }
  onBar(ctx: StrategyContext): void {
    const t = ctx.barIndex;
    if (t < 1) return;
    const close = ctx.history().close;
    const f0 = this.sma(close, t - 1, this.fast);
    const s0 = this.sma(close, t - 1, this.slow);
    const f1 = this.sma(close, t, this.fast);
    const s1 = this.sma(close, t, this.slow);
    const symbol = this.symbols[0];
    const position = ctx.position(symbol);
    if (f0 <= s0 && f1 > s1 && position === 0) ctx.orderTargetPercent(symbol, 1);
    else if (f0 >= s0 && f1 < s1 && position > 0) ctx.orderTargetQuantity(symbol, 0);
  }
}
