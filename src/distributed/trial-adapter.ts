import type { BarSeries } from '../core/bars.js';
import type { TrialRunner, TrialTask } from '../optimize/pool.js';
import { fromShared, runTrial, type SharedSeries, type Trial, type TrialJob } from '../optimize/trial.js';

/**
 * The one place queue mode touches the optimiser's trial code. A queue worker runs exactly the trial a
 * local sweep runs (same function, same inputs), which is why queue and thread mode rank identically;
 * when the optimiser's trial entry point changes, only this module follows it.
 */
export type { QueuedSweep, SweepSettings, TrialQueue } from '../optimize/queue.js';
export type { SharedSeries, Trial, TrialJob, TrialRunner, TrialTask };
export { optimizeStrategy, validateMetric } from '../optimize/optimizer.js';
export { walkForward } from '../optimize/walk-forward.js';

/**
 * Run one trial over bars [from, to) of the aligned series. Asynchronous because a trial may have to
 * prepare its strategy first (the optimiser's reworked entry point awaits `strategy.prepare()`).
 */
export async function runOneTrial(
  job: TrialJob,
  series: readonly BarSeries[],
  task: TrialTask,
): Promise<Trial> {
  return runTrial(job, series, task.params, task.from, task.to, task.keepEquity);
}

/** BarSeries over columns that may live in SharedArrayBuffers (shared with trial threads, not copied). */
export function seriesFromColumns(shared: readonly SharedSeries[]): BarSeries[] {
  return fromShared(shared);
}
