import { assumptionsOf, type BacktestAssumptions } from '../backtest/assumptions.js';
import type { BacktestMetrics } from '../backtest/metrics.js';
import { curveMetrics } from '../backtest/metrics.js';
import { alignSeries } from '../core/bar-ops.js';
import { type Annualisation, annualisationOf } from '../core/calendar.js';
import { ValidationError } from '../core/errors.js';
import {
  candidateSets,
  checkSpaceAgainstStrategy,
  checkSweepColumns,
  type OptimizeInput,
  type RankedTrial,
  rankTrials,
  scoreOf,
} from './optimizer.js';
import { chooseWorkerCount, createTrialRunner, type TrialRunner } from './pool.js';
import { sweepSettings } from './queue.js';
import type { ParamSet } from './space.js';

/**
 * Walk-forward analysis: optimise on an in-sample window, trade the winner on the following
 * out-of-sample window, roll forward, repeat. The stitched out-of-sample results are what the strategy
 * would have earned had it been re-optimised on schedule; a large gap between in-sample and
 * out-of-sample scores is the signature of over-fitting.
 *
 * Each out-of-sample window starts flat with fresh indicators, as a freshly deployed strategy would
 * (so strategies with long warm-ups need out-of-sample windows well longer than their warm-up).
 */
export interface WalkForwardInput extends OptimizeInput {
  /** Bars in each in-sample (optimisation) window. */
  inSampleBars: number;
  /** Bars in each out-of-sample (test) window. */
  outOfSampleBars: number;
  /** Anchored: every in-sample window starts at bar 0 and grows. Default false (rolling). */
  anchored?: boolean;
}

export interface WalkForwardWindow {
  inSample: { start: number; end: number; bars: number };
  outOfSample: { start: number; end: number; bars: number };
  bestParams: ParamSet;
  inSampleScore: number;
  outOfSampleScore: number;
  outOfSampleMetrics?: BacktestMetrics;
  outOfSampleReturn: number;
}

export interface WalkForwardResult {
  strategy: string;
  symbols: string[];
  metric: string;
  windows: WalkForwardWindow[];
  /** Out-of-sample windows chained together, starting from 1.0. */
  stitchedEquity: Float64Array;
  stitchedTimestamps: Float64Array;
  outOfSample: {
    totalReturn: number;
    annualizedReturn: number;
    sharpeRatio: number;
    maxDrawdown: number;
    /** How the stitched curve was annualised. */
    annualisation: Annualisation;
  };
  meanInSampleScore: number;
  meanOutOfSampleScore: number;
  /** meanOutOfSampleScore / meanInSampleScore: near 1 is robust, near 0 or negative is over-fit. */
  efficiency: number;
  trialsRun: number;
  workers: number;
  elapsedMs: number;
  /** Costs, financing, annualisation and fill rules every window used. */
  assumptions: BacktestAssumptions;
}

export function walkForwardWindows(
  bars: number,
  inSampleBars: number,
  outOfSampleBars: number,
  anchored = false,
): { isFrom: number; isTo: number; oosFrom: number; oosTo: number }[] {
  if (!Number.isInteger(inSampleBars) || inSampleBars < 2) {
    throw new ValidationError(`inSampleBars must be an integer >= 2, got ${inSampleBars}`, {
      field: 'inSampleBars',
    });
  }
  if (!Number.isInteger(outOfSampleBars) || outOfSampleBars < 2) {
    throw new ValidationError(`outOfSampleBars must be an integer >= 2, got ${outOfSampleBars}`, {
      field: 'outOfSampleBars',
    });
  }
  const windows = [];
  for (let isFrom = 0; ; isFrom += outOfSampleBars) {
    const start = anchored ? 0 : isFrom;
    const isTo = isFrom + inSampleBars;
    const oosTo = Math.min(bars, isTo + outOfSampleBars);
    // A final test window shorter than half the usual length says too little to be worth a row.
    if (oosTo - isTo < Math.max(2, Math.ceil(outOfSampleBars / 2))) break;
    windows.push({ isFrom: start, isTo, oosFrom: isTo, oosTo });
    if (oosTo >= bars) break;
  }
  if (windows.length === 0) {
    throw new ValidationError(
      `walk-forward needs at least ${inSampleBars + Math.max(2, Math.ceil(outOfSampleBars / 2))} bars (in-sample ${inSampleBars} + half an out-of-sample window), got ${bars}`,
      { hint: 'use a longer date range or smaller windows' },
    );
  }
  return windows;
}

export async function walkForward(input: WalkForwardInput): Promise<WalkForwardResult> {
  const metric = input.metric ?? 'sharpeRatio';
  checkSpaceAgainstStrategy(input.strategy, input.space);
  const sets = candidateSets(input);
  const series = alignSeries(input.series);
  const bars = series[0].length;
  const plan = walkForwardWindows(bars, input.inSampleBars, input.outOfSampleBars, input.anchored);
  const symbols = series.map((s) => s.symbol);
  const fixed = { symbols, ...input.fixedParams };
  const job = { strategy: input.strategy, fixed, options: input.backtestOptions ?? {} };
  checkSweepColumns(job, sets, series);
  const runner: TrialRunner = input.queue
    ? await input.queue.open({ kind: 'walk-forward', job, series, settings: sweepSettings(input) })
    : createTrialRunner(
        job,
        series,
        await chooseWorkerCount(
          job,
          series,
          [
            { params: sets[0], from: plan[0].isFrom, to: plan[0].isTo },
            { params: sets[sets.length - 1], from: plan[0].isFrom, to: plan[0].isTo },
          ],
          plan.length * (sets.length + 1),
          input.workers,
        ),
      );
  const started = performance.now();
  const total = plan.length * (sets.length + 1);
  let done = 0;
  const windows: WalkForwardWindow[] = [];
  const ts = series[0].timestamps;
  const stitched: number[] = [];
  const stitchedTimes: number[] = [];
  let level = 1;
  try {
    for (const w of plan) {
      const trials = await runner.run(
        sets.map((params) => ({ params, from: w.isFrom, to: w.isTo })),
        () => input.onProgress?.(++done, total),
        input.signal,
      );
      const ranked: RankedTrial[] = rankTrials(trials, metric);
      const winner = ranked.find((t) => !Number.isNaN(t.score)) ?? ranked[0];
      const [oos] = await runner.run(
        [{ params: winner.params, from: w.oosFrom, to: w.oosTo, keepEquity: true }],
        undefined,
        input.signal,
      );
      input.onProgress?.(++done, total);
      const oosReturn = oos.metrics?.totalReturn ?? 0;
      windows.push({
        inSample: { start: ts[w.isFrom], end: ts[w.isTo - 1], bars: w.isTo - w.isFrom },
        outOfSample: { start: ts[w.oosFrom], end: ts[w.oosTo - 1], bars: w.oosTo - w.oosFrom },
        bestParams: winner.params,
        inSampleScore: winner.score,
        outOfSampleScore: scoreOf(oos.metrics, metric),
        outOfSampleMetrics: oos.metrics,
        outOfSampleReturn: oosReturn,
      });
      // Chain the window's bar-by-bar equity onto the running level.
      if (oos.equity && oos.timestamps && oos.equity.length > 0) {
        // The window's starting capital (equity is measured against it, as totalReturn is).
        const base = (oos.finalEquity ?? oos.equity[oos.equity.length - 1]) / (1 + oosReturn);
        for (let i = 0; i < oos.equity.length; i++) {
          stitched.push(level * (oos.equity[i] / base));
          stitchedTimes.push(oos.timestamps[i]);
        }
      }
      level *= 1 + oosReturn;
    }
  } finally {
    await runner.close();
  }
  const mean = (values: number[]) => {
    const finite = values.filter(Number.isFinite);
    return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
  };
  const meanIs = mean(windows.map((w) => w.inSampleScore));
  const meanOos = mean(windows.map((w) => w.outOfSampleScore));
  const curve = Float64Array.from(stitched.length ? stitched : [1]);
  // The stitched out-of-sample curve is annualised by the same time model as a backtest.
  const annualisation = annualisationOf(stitchedTimes, series[0].timeframe, {
    periodsPerYear: input.backtestOptions?.periodsPerYear,
    calendar: input.backtestOptions?.calendar,
  });
  const summary = curveMetrics(curve, annualisation, stitchedTimes, 1);
  return {
    strategy: input.strategy,
    symbols,
    metric,
    windows,
    stitchedEquity: Float64Array.from(stitched),
    stitchedTimestamps: Float64Array.from(stitchedTimes),
    outOfSample: {
      totalReturn: level - 1,
      annualizedReturn: summary.annualizedReturn,
      sharpeRatio: summary.sharpeRatio,
      maxDrawdown: summary.maxDrawdown,
      annualisation,
    },
    meanInSampleScore: meanIs,
    meanOutOfSampleScore: meanOos,
    efficiency: meanIs !== 0 ? meanOos / meanIs : Number.NaN,
    trialsRun: done,
    workers: runner.workers,
    elapsedMs: performance.now() - started,
    assumptions: assumptionsOf(job.options, series[0], input.dataSource),
  };
}
