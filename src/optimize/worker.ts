import { parentPort } from 'node:worker_threads';
import type { BarSeries } from '../core/bars.js';
import type { ParamSet } from './space.js';
import { fromShared, runTrial, type SharedSeries, type TrialJob } from './trial.js';

/**
 * Worker thread for parallel optimisation. It receives the job and the shared price columns once, then
 * runs trials as the pool hands them out, one at a time, so a fast worker takes more of the queue.
 */
export type WorkerRequest =
  | { type: 'init'; job: TrialJob; series: SharedSeries[] }
  | { type: 'run'; id: number; params: ParamSet; from: number; to: number; keepEquity?: boolean };

let job: TrialJob | undefined;
let series: BarSeries[] = [];

parentPort?.on('message', (message: WorkerRequest) => {
  if (message.type === 'init') {
    job = message.job;
    series = fromShared(message.series);
    return;
  }
  if (!job) throw new Error('optimisation worker received a trial before its job');
  const trial = runTrial(job, series, message.params, message.from, message.to, message.keepEquity);
  parentPort?.postMessage({ id: message.id, trial });
});
