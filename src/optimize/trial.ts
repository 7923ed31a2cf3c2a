import { runBacktest } from '../backtest/engine.js';
import type { BacktestMetrics } from '../backtest/metrics.js';
import type { BacktestOptions } from '../backtest/types.js';
import { BarSeries } from '../core/bars.js';
import type { Timeframe } from '../core/timeframe.js';
import { createStrategy } from '../strategies/registry.js';
import type { ParamSet } from './space.js';

/**
 * One optimisation trial: build the strategy with a parameter set, backtest it over bars [from, to) of
 * the aligned series, and keep the metrics. Runs in worker threads and in-process alike, so the numbers
 * an optimisation reports are exactly what `neural-trader backtest` would print for those parameters.
 */
export interface Trial {
  params: ParamSet;
  metrics?: BacktestMetrics;
  finalEquity?: number;
  /** Set when the parameter set was invalid or the run failed; such trials rank last. */
  error?: string;
  /** The equity curve and its timestamps, when the task asked for them (walk-forward test windows). */
  equity?: Float64Array;
  timestamps?: Float64Array;
}

/** Backtest options that can cross a worker boundary (no functions, no class instances). */
export type PlainBacktestOptions = Omit<
  BacktestOptions,
  'preTradeChecks' | 'equityObservers' | 'commission'
> & {
  commission?: number;
};

export interface TrialJob {
  strategy: string;
  /** Parameters every trial shares (e.g. symbols). */
  fixed: Record<string, unknown>;
  options: PlainBacktestOptions;
}

export function runTrial(
  job: TrialJob,
  series: readonly BarSeries[],
  params: ParamSet,
  from: number,
  to: number,
  keepEquity = false,
): Trial {
  try {
    const strategy = createStrategy(job.strategy, { ...job.fixed, ...params });
    const window = series.map((s) => s.slice(from, to));
    const result = runBacktest(strategy, window, job.options);
    const trial: Trial = { params, metrics: result.metrics, finalEquity: result.finalEquity };
    if (keepEquity) {
      trial.equity = result.equity;
      trial.timestamps = result.timestamps;
    }
    return trial;
  } catch (error) {
    return { params, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Column buffers of one series, shareable with workers without copying. */
export interface SharedSeries {
  symbol: string;
  timeframe: Timeframe;
  closeOnly: boolean;
  columns: Record<'timestamps' | 'open' | 'high' | 'low' | 'close' | 'volume', Float64Array>;
}

const COLUMNS = ['timestamps', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Copy series into SharedArrayBuffer-backed columns (once per optimisation). */
export function toShared(series: readonly BarSeries[]): SharedSeries[] {
  return series.map((s) => {
    const columns = {} as SharedSeries['columns'];
    for (const name of COLUMNS) {
      const shared = new Float64Array(new SharedArrayBuffer(s.length * 8));
      shared.set(s[name]);
      columns[name] = shared;
    }
    return { symbol: s.symbol, timeframe: s.timeframe, closeOnly: s.closeOnly, columns };
  });
}

export function fromShared(shared: readonly SharedSeries[]): BarSeries[] {
  return shared.map((s) => new BarSeries(s.symbol, s.timeframe, s.columns, s.closeOnly));
}
