import type { SignalInput } from '../indicators/cache.js';
import type { SharedSeries, Trial, TrialBatchTask, TrialJob } from './trial.js';

/** An indicator series computed once by the main thread, in a SharedArrayBuffer every thread reads. */
export interface SharedSignalInput {
  input: SignalInput;
  /** The series of `input` over the sweep's first series' close (all bars). */
  values: Float64Array;
}

/**
 * Messages between the optimiser and its pool threads. A thread serves any number of sweeps (by id):
 * `open` hands it a sweep's job and shared columns, `seed` the sweep's shared indicator series, `run` a
 * chunk of trials, `close` lets it drop the sweep.
 */
export type WorkerRequest =
  | { type: 'open'; sweep: number; job: TrialJob; series: SharedSeries[] }
  | { type: 'seed'; sweep: number; signals: SharedSignalInput[] }
  | { type: 'run'; sweep: number; batch: number; first: number; tasks: TrialBatchTask[] }
  | { type: 'close'; sweep: number };

export type WorkerReply =
  | { type: 'done'; sweep: number; batch: number; first: number; trials: Trial[] }
  | { type: 'error'; sweep: number; batch: number; message: string };
