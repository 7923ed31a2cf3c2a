import { assumptionsOf, type BacktestAssumptions } from '../backtest/assumptions.js';
import type { BacktestMetrics } from '../backtest/metrics.js';
import { alignSeries } from '../core/bar-ops.js';
import type { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import { parseParams } from '../strategies/params.js';
import { getStrategyDefinition } from '../strategies/registry.js';
import { chooseWorkerCount, createTrialRunner, type TrialRunner } from './pool.js';
import { type QueueOption, sweepSettings } from './queue.js';
import { gridCombinations, type ParamSet, type ParamSpace, randomCombinations } from './space.js';
import type { PlainBacktestOptions, Trial } from './trial.js';

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

export async function optimizeStrategy(input: OptimizeInput): Promise<OptimizeResult> {
  const metric = input.metric ?? 'sharpeRatio';
  checkSpaceAgainstStrategy(input.strategy, input.space);
  const sets = candidateSets(input);
  const series = alignSeries(input.series);
  const symbols = series.map((s) => s.symbol);
  const fixed = { symbols, ...input.fixedParams };
  const started = performance.now();
  const job = { strategy: input.strategy, fixed, options: input.backtestOptions ?? {} };
  const runner: TrialRunner = input.queue
    ? await input.queue.open({ kind: 'optimize', job, series, settings: sweepSettings(input) })
    : createTrialRunner(
        job,
        series,
        chooseWorkerCount(
          job,
          series,
          { params: sets[0], from: 0, to: series[0].length },
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
