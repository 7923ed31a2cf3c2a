import { parentPort } from 'node:worker_threads';
import type { BarSeries } from '../core/bars.js';
import { indicatorCache } from '../indicators/cache.js';
import { fromShared, runTrialBatch, type TrialJob } from './trial.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

/**
 * A thread of the optimiser's persistent pool (src/optimize/pool.ts). It loads the engine and the
 * strategy registry once, then serves sweeps: their shared columns and indicator series arrive once per
 * sweep, trials in chunks. The thread's indicator cache is seeded with the shared series, so trials read
 * them without computing or copying.
 */
export type { WorkerReply, WorkerRequest } from './worker-protocol.js';

const sweeps = new Map<number, { job: TrialJob; series: BarSeries[] }>();

parentPort?.on('message', async (message: WorkerRequest) => {
  if (message.type === 'open') {
    sweeps.set(message.sweep, { job: message.job, series: fromShared(message.series) });
    return;
  }
  if (message.type === 'close') {
    sweeps.delete(message.sweep);
    return;
  }
  const sweep = sweeps.get(message.sweep);
  if (message.type === 'seed') {
    if (!sweep) return;
    const close = sweep.series[0].close;
    for (const { input, values } of message.signals) indicatorCache.seed(input, close, values);
    return;
  }
  let reply: WorkerReply;
  if (!sweep) {
    reply = {
      type: 'error',
      sweep: message.sweep,
      batch: message.batch,
      message: `no sweep ${message.sweep}`,
    };
  } else {
    try {
      const trials = await runTrialBatch(sweep.job, sweep.series, message.tasks);
      reply = { type: 'done', sweep: message.sweep, batch: message.batch, first: message.first, trials };
    } catch (error) {
      reply = {
        type: 'error',
        sweep: message.sweep,
        batch: message.batch,
        message: error instanceof Error ? error.message : String(error),
      };
    }
  }
  parentPort?.postMessage(reply);
});
