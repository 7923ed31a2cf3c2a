import { runBacktest } from '../backtest/engine.js';
import type { BacktestMetrics } from '../backtest/metrics.js';
import type { BacktestOptions } from '../backtest/types.js';
import { BarSeries } from '../core/bars.js';
import type { Timeframe } from '../core/timeframe.js';
import { type SignalInput, signalInputKey } from '../indicators/cache.js';
import { createStrategy } from '../strategies/registry.js';
import type { Strategy } from '../strategies/types.js';
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
  'preTradeChecks' | 'equityObservers' | 'commission' | 'indicators' | 'equityBuffer'
> & {
  commission?: number;
};

export interface TrialJob {
  strategy: string;
  /** Parameters every trial shares (e.g. symbols). */
  fixed: Record<string, unknown>;
  options: PlainBacktestOptions;
  /**
   * false: trials do not use the indicator cache or exposure plans; each strategy runs bar by bar with
   * its own indicators (the reference the cached path must equal). Default true.
   */
  indicatorCache?: boolean;
}

/**
 * Run one trial. Asynchronous because the strategy may need set-up first: `prepare(window)` (e.g.
 * neural-trend loads the wasm backend and batches its forecasts over the trial's bars) is awaited before
 * the run, exactly as a single backtest does, so a sweep trial and `neural-trader backtest` compute on
 * the same backend the same way.
 */
export async function runTrial(
  job: TrialJob,
  series: readonly BarSeries[],
  params: ParamSet,
  from: number,
  to: number,
  keepEquity = false,
): Promise<Trial> {
  try {
    const strategy = createStrategy(job.strategy, { ...job.fixed, ...params });
    const window = trialWindow(series, from, to);
    if (strategy.prepare) await strategy.prepare(window);
    return backtestTrial(job, window, strategy, params, keepEquity);
  } catch (error) {
    return failedTrial(params, error);
  }
}

function failedTrial(params: ParamSet, error: unknown): Trial {
  return { params, error: error instanceof Error ? error.message : String(error) };
}

/** Bars [from, to) of the aligned series (the series themselves for the full range). */
function trialWindow(series: readonly BarSeries[], from: number, to: number): readonly BarSeries[] {
  return from === 0 && to === series[0].length ? series : series.map((s) => s.slice(from, to));
}

function backtestTrial(
  job: TrialJob,
  window: readonly BarSeries[],
  strategy: Strategy,
  params: ParamSet,
  keepEquity: boolean,
): Trial {
  // A trial keeping only metrics writes its curve into a reused buffer (one per window length).
  const bars = window.length === 1 ? window[0].length : -1;
  const equityBuffer = !keepEquity && bars > 0 ? scratchEquity(bars) : undefined;
  const result = runBacktest(strategy, window, {
    ...job.options,
    ...(job.indicatorCache === false ? { indicators: false } : {}),
    equityBuffer,
  });
  const trial: Trial = { params, metrics: result.metrics, finalEquity: result.finalEquity };
  if (keepEquity) {
    trial.equity = result.equity;
    trial.timestamps = result.timestamps;
  }
  return trial;
}

let scratch = new Float64Array(0);
function scratchEquity(length: number): Float64Array {
  if (scratch.length !== length) scratch = new Float64Array(length);
  return scratch;
}

/** One task of a batch: which parameters over which bars. */
export interface TrialBatchTask {
  params: ParamSet;
  from: number;
  to: number;
  keepEquity?: boolean;
}

/**
 * Run a batch of trials in order (what a worker thread does with each chunk it is handed). Strategies
 * without `prepare` run synchronously back to back; one with it awaits it first.
 */
export async function runTrialBatch(
  job: TrialJob,
  series: readonly BarSeries[],
  tasks: readonly TrialBatchTask[],
): Promise<Trial[]> {
  const out: Trial[] = new Array(tasks.length);
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i];
    let strategy: Strategy;
    let window: readonly BarSeries[];
    try {
      strategy = createStrategy(job.strategy, { ...job.fixed, ...task.params });
      window = trialWindow(series, task.from, task.to);
      if (strategy.prepare) await strategy.prepare(window);
    } catch (error) {
      out[i] = failedTrial(task.params, error);
      continue;
    }
    try {
      out[i] = backtestTrial(job, window, strategy, task.params, task.keepEquity ?? false);
    } catch (error) {
      out[i] = failedTrial(task.params, error);
    }
  }
  return out;
}

/**
 * The distinct indicator series (declared signal inputs) the trials of a full-range sweep read, so they
 * can be computed once before the trials and shared; empty when the strategy declares none.
 */
export function sweepSignalInputs(job: TrialJob, sets: readonly ParamSet[]): SignalInput[] {
  if (job.indicatorCache === false) return [];
  const inputs = new Map<string, SignalInput>();
  for (const params of sets) {
    let strategy: Strategy;
    try {
      strategy = createStrategy(job.strategy, { ...job.fixed, ...params });
    } catch {
      continue; // an invalid combination fails as a trial, not here
    }
    if (!strategy.signalInputs || !strategy.exposurePlan || strategy.symbols.length !== 1) return [];
    for (const input of strategy.signalInputs()) inputs.set(signalInputKey(input), input);
  }
  return [...inputs.values()];
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
