import type { BarSeries } from '../core/bars.js';
import type { TrialRunner, TrialTask } from '../optimize/pool.js';
import {
  fromShared,
  runTrialBatch,
  type SharedSeries,
  type Trial,
  type TrialJob,
} from '../optimize/trial.js';

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
 * Run one trial over bars [from, to) of the aligned series, through the optimiser's batch path (the one
 * its pool threads run): the strategy's `prepare(window)` is awaited first, and declared indicator inputs come
 * from the thread's indicator cache, so repeated trials of a sweep on one queue worker share them.
 */
export async function runOneTrial(
  job: TrialJob,
  series: readonly BarSeries[],
  task: TrialTask,
): Promise<Trial> {
  const [trial] = await runTrialBatch(job, series, [task]);
  return trial;
}

/** Run several trials of one sweep in order (a chunk), as the optimiser's pool threads do. */
export function runTrials(
  job: TrialJob,
  series: readonly BarSeries[],
  tasks: readonly TrialTask[],
): Promise<Trial[]> {
  return runTrialBatch(job, series, tasks);
}

/** BarSeries over columns that may live in SharedArrayBuffers (shared with trial threads, not copied). */
export function seriesFromColumns(shared: readonly SharedSeries[]): BarSeries[] {
  return fromShared(shared);
}
