import type { BarSeries } from '../core/bars.js';
import type { TrialRunner } from './pool.js';
import type { ParamSpace } from './space.js';
import type { PlainBacktestOptions, TrialJob } from './trial.js';

/**
 * Somewhere other than this process's threads to run a sweep's trials: a job queue served by worker
 * processes on any number of machines (src/distributed implements it on BullMQ and Redis). The optimiser
 * hands over the sweep - what every trial shares, the aligned data, and the settings that produced the
 * trials, so a coordinator that dies can be resumed from them - and gets back a runner whose results come
 * back in task order, exactly as the local runner's do. Ranking stays here, so both rank identically.
 */
export interface TrialQueue {
  open(sweep: QueuedSweep): Promise<TrialRunner>;
}

export interface QueuedSweep {
  kind: 'optimize' | 'walk-forward';
  job: TrialJob;
  /** Aligned on common timestamps; trials index its bars. */
  series: readonly BarSeries[];
  settings: SweepSettings;
}

/** The serialisable part of an optimisation or walk-forward request (no data, callbacks or signals). */
export interface SweepSettings {
  strategy: string;
  fixedParams?: Record<string, unknown>;
  space: ParamSpace;
  method?: 'grid' | 'random';
  samples?: number;
  seed?: number;
  metric?: string;
  backtestOptions?: PlainBacktestOptions;
  inSampleBars?: number;
  outOfSampleBars?: number;
  anchored?: boolean;
  /** Where the bars came from (stated in the result's assumptions). */
  dataSource?: string;
}

export function sweepSettings(input: SweepSettings): SweepSettings {
  const {
    strategy,
    fixedParams,
    space,
    method,
    samples,
    seed,
    metric,
    backtestOptions,
    inSampleBars,
    outOfSampleBars,
    anchored,
    dataSource,
  } = input;
  const settings: SweepSettings = { strategy, space };
  const optional = {
    fixedParams,
    method,
    samples,
    seed,
    metric,
    backtestOptions,
    inSampleBars,
    outOfSampleBars,
    anchored,
    dataSource,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  return settings;
}

/** Sweep input that can run on a queue. */
export interface QueueOption {
  /** Run the trials on this queue instead of this machine's threads (`workers` is then ignored). */
  queue?: TrialQueue;
}
