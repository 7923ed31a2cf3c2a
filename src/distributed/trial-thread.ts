import { parentPort } from 'node:worker_threads';
import type { BarSeries } from '../core/bars.js';
import {
  runOneTrial,
  type SharedSeries,
  seriesFromColumns,
  type Trial,
  type TrialJob,
  type TrialTask,
} from './trial-adapter.js';

/**
 * A queue worker's trial thread. It keeps the job and the (shared, not copied) bar columns of the few
 * sweeps its process is serving, and runs one trial at a time as the process hands them out.
 */
export type ThreadRequest =
  | { type: 'open'; sweep: string; job: TrialJob; series: SharedSeries[] }
  | { type: 'close'; sweep: string }
  | { type: 'run'; n: number; sweep: string; task: TrialTask };

export type ThreadReply =
  | { type: 'done'; n: number; trial: Trial }
  | { type: 'error'; n: number; message: string };

const sweeps = new Map<string, { job: TrialJob; series: BarSeries[] }>();

parentPort?.on('message', async (message: ThreadRequest) => {
  if (message.type === 'open') {
    sweeps.set(message.sweep, { job: message.job, series: seriesFromColumns(message.series) });
    return;
  }
  if (message.type === 'close') {
    sweeps.delete(message.sweep);
    return;
  }
  const sweep = sweeps.get(message.sweep);
  let reply: ThreadReply;
  if (!sweep) reply = { type: 'error', n: message.n, message: `trial thread has no sweep ${message.sweep}` };
  else {
    try {
      reply = { type: 'done', n: message.n, trial: await runOneTrial(sweep.job, sweep.series, message.task) };
    } catch (error) {
      reply = {
        type: 'error',
        n: message.n,
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }
  parentPort?.postMessage(reply);
});
