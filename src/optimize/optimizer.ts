import { assumptionsOf, type BacktestAssumptions } from '../backtest/assumptions.js';
import type { BacktestMetrics } from '../backtest/metrics.js';
import { alignSeries } from '../core/bar-ops.js';
import type { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import { checkRequiredColumns } from '../strategies/columns.js';
import { parseParams } from '../strategies/params.js';
import { createStrategy, getStrategyDefinition } from '../strategies/registry.js';
import type { Strategy } from '../strategies/types.js';
import { chooseWorkerCount, createTrialRunner, type TrialRunner } from './pool.js';
import { type QueueOption, sweepSettings } from './queue.js';
import { gridCombinations, type ParamSet, type ParamSpace, randomCombinations } from './space.js';
import type { PlainBacktestOptions, Trial, TrialJob } from './trial.js';

/**
 * Grid and random search over a strategy's parameters, in parallel across cores, ranked by a chosen
 * metric. The optimiser only ranks; it cannot tell a robust parameter set from a lucky one. Use
 * walk-forward analysis (walk-forward.ts) to see whether in-sample winners hold up out of sample.
 */
export type OptimizationMetric =
  | 'sharpeRatio'
  | 'sortinoRatio'
  | 'calmarRatio'
  | 'totalReturn'
  | 'annualizedReturn'
  | 'profitFactor'
  | 'winRate'
  | 'maxDrawdown';

export const OPTIMIZATION_METRICS: readonly OptimizationMetric[] = [
  'sharpeRatio',
  'sortinoRatio',
  'calmarRatio',
  'totalReturn',
  'annualizedReturn',
  'profitFactor',
  'winRate',
  'maxDrawdown',
];

/** Lower is better only for drawdown. */
export function metricDirection(metric: OptimizationMetric): 1 | -1 {
  return metric === 'maxDrawdown' ? -1 : 1;
}

export interface OptimizeInput extends QueueOption {
  strategy: string;
  /** Series to optimise over (already fetched). They are aligned on common timestamps. */
  series: readonly BarSeries[];
  /** Parameters shared by every trial (symbols is filled in from the series when absent). */
  fixedParams?: Record<string, unknown>;
  space: ParamSpace;
  method?: 'grid' | 'random';
  /** Random search: how many parameter sets. Default 50. */
  samples?: number;
  seed?: number;
  metric?: OptimizationMetric;
  /** Worker threads; default: one per core when the sweep is long enough to repay starting them. 1 runs in-process. */
  workers?: number;
  backtestOptions?: PlainBacktestOptions;
  /**
   * Share indicator series between trials (computed once per sweep, src/indicators/cache.ts). Default
   * true; false runs every trial bar by bar with its own indicators, which ranks identically.
   */
  indicatorCache?: boolean;
  /** The provider the series came from (e.g. "sample"), as stated in the result's assumptions. */
  dataSource?: string;
  /** Called after each finished trial. */
  onProgress?: (done: number, total: number, best?: RankedTrial) => void;
  signal?: AbortSignal;
}

export interface RankedTrial extends Trial {
  rank: number;
  /** The ranking metric's value (NaN for failed trials). */
  score: number;
}

export interface OptimizeResult {
  strategy: string;
  symbols: string[];
  metric: OptimizationMetric;
  method: 'grid' | 'random';
  start: number;
  end: number;
  bars: number;
  trials: RankedTrial[];
  best: RankedTrial | undefined;
  workers: number;
  elapsedMs: number;
  /** Costs, financing, annualisation and fill rules every trial used. */
  assumptions: BacktestAssumptions;
}

export function scoreOf(metrics: BacktestMetrics | undefined, metric: OptimizationMetric): number {
  if (!metrics) return Number.NaN;
  const value = metrics[metric];
  return typeof value === 'number' ? value : Number.NaN;
}

/** Sort best first; NaN and failed trials last; ties keep their original order. */
export function rankTrials(trials: readonly Trial[], metric: OptimizationMetric): RankedTrial[] {
  const direction = metricDirection(metric);
  const scored = trials.map((t, i) => ({ trial: t, i, score: scoreOf(t.metrics, metric) }));
  scored.sort((a, b) => {
    const aBad = Number.isNaN(a.score);
    const bBad = Number.isNaN(b.score);
    if (aBad !== bBad) return aBad ? 1 : -1;
    if (!aBad && a.score !== b.score) return direction * (b.score - a.score);
    return a.i - b.i;
  });
  return scored.map((s, k) => ({ ...s.trial, score: s.score, rank: k + 1 }));
}

export function validateMetric(metric: string): OptimizationMetric {
  if ((OPTIMIZATION_METRICS as readonly string[]).includes(metric)) return metric as OptimizationMetric;
  throw new ValidationError(`metric: unknown "${metric}"`, {
    field: 'metric',
    hint: `use one of ${OPTIMIZATION_METRICS.join(', ')}`,
  });
}

/** Parameter sets to try. */
export function candidateSets(
  input: Pick<OptimizeInput, 'space' | 'method' | 'samples' | 'seed'>,
): ParamSet[] {
  const method = input.method ?? 'grid';
  const sets =
    method === 'grid'
      ? gridCombinations(input.space)
      : randomCombinations(input.space, input.samples ?? 50, input.seed);
  if (sets.length === 0) throw new ValidationError('the parameter space is empty', { field: 'space' });
  return sets;
}

/**
 * Refuse a space that cannot work before any trial runs: an unknown parameter, or a value (a list entry,
 * a range's end) that the parameter's own spec refuses, e.g. `fast=5-50` (a word, not a range). One error
 * for the whole run instead of every trial failing with the same message.
 */
export function checkSpaceAgainstStrategy(strategy: string, space: ParamSpace): void {
  const definition = getStrategyDefinition(strategy);
  const known = new Set(definition.params.map((p) => p.name));
  for (const [name, dimension] of Object.entries(space)) {
    if (!known.has(name)) {
      throw new ValidationError(`${strategy} has no parameter "${name}"`, {
        field: name,
        hint: `its parameters are ${[...known].join(', ')}`,
      });
    }
    const values = Array.isArray(dimension)
      ? dimension
      : [(dimension as { min: number }).min, (dimension as { max: number }).max];
    for (const value of values) {
      try {
        // One parameter at a time: cross-parameter rules (fast < slow) legitimately fail some combinations.
        parseParams(strategy, definition.params, { [name]: value });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new ValidationError(`parameter space: ${error.message}`, {
          field: name,
          hint: 'write a range as name=min:max:step (e.g. fast=5:50:5) or a list as name=a,b,c',
        });
      }
    }
  }
}

/**
 * Refuse a sweep whose strategy needs a column the data lacks (e.g. volume on close-only bars) before any
 * trial runs, with the one-line error a single backtest gives, instead of every trial failing with it.
 * Checked on the first parameter set that builds a strategy (a column need follows from parameters such
 * as volumeFilter, which the sets may vary: each distinct need is checked).
 */
export function checkSweepColumns(
  job: TrialJob,
  sets: readonly ParamSet[],
  series: readonly BarSeries[],
): void {
  const seen = new Set<string>();
  for (const params of sets) {
    let strategy: Strategy;
    try {
      strategy = createStrategy(job.strategy, { ...job.fixed, ...params });
    } catch {
      continue; // an invalid combination fails as a trial
    }
    const key = (strategy.requiredColumns ?? []).map((r) => r.column).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    checkRequiredColumns(strategy, series);
    if (seen.size > 8) return;
  }
}

/** A sweep in which every trial failed has no result: its error is the first failure's message. */
export function checkSomeTrialRan(trials: readonly Trial[]): void {
  if (trials.length === 0 || trials.some((t) => t.error === undefined)) return;
  const first = trials[0];
  throw new ValidationError(
    `all ${trials.length} trials failed; the first (${describeParams(first.params)}): ${first.error}`,
    {
      hint: 'check the parameter ranges and fixed parameters against `npx neural-trader strategies info NAME`',
    },
  );
}

function describeParams(params: ParamSet): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

export async function optimizeStrategy(input: OptimizeInput): Promise<OptimizeResult> {
  const metric = input.metric ?? 'sharpeRatio';
  checkSpaceAgainstStrategy(input.strategy, input.space);
  const sets = candidateSets(input);
  const series = alignSeries(input.series);
  const symbols = series.map((s) => s.symbol);
  const fixed = { symbols, ...input.fixedParams };
  const started = performance.now();
  const job: TrialJob = {
    strategy: input.strategy,
    fixed,
    options: input.backtestOptions ?? {},
    ...(input.indicatorCache === false ? { indicatorCache: false } : {}),
  };
  checkSweepColumns(job, sets, series);
  const runner: TrialRunner = input.queue
    ? await input.queue.open({ kind: 'optimize', job, series, settings: sweepSettings(input) })
    : createTrialRunner(
        job,
        series,
        await chooseWorkerCount(
          job,
          series,
          [
            { params: sets[0], from: 0, to: series[0].length },
            { params: sets[sets.length - 1], from: 0, to: series[0].length },
          ],
          sets.length,
          input.workers,
        ),
      );
  let best: RankedTrial | undefined;
  try {
    const bars = series[0].length;
    const trials = await runner.run(
      sets.map((params) => ({ params, from: 0, to: bars })),
      (done, trial) => {
        const score = scoreOf(trial.metrics, metric);
        if (!Number.isNaN(score) && (!best || metricDirection(metric) * (score - best.score) > 0)) {
          best = { ...trial, score, rank: 1 };
        }
        input.onProgress?.(done, sets.length, best);
      },
      input.signal,
    );
    checkSomeTrialRan(trials);
    const ranked = rankTrials(trials, metric);
    return {
      strategy: input.strategy,
      symbols,
      metric,
      method: input.method ?? 'grid',
      start: series[0].firstTimestamp,
      end: series[0].lastTimestamp,
      bars,
      trials: ranked,
      best: ranked.find((t) => !Number.isNaN(t.score)),
      workers: runner.workers,
      elapsedMs: performance.now() - started,
      assumptions: assumptionsOf(job.options, series[0], input.dataSource),
    };
  } finally {
    await runner.close();
  }
}
