import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BarSeries } from '../core/bars.js';
import { NeuralTraderError } from '../core/errors.js';
import type { ParamSet } from './space.js';
import { runTrial, type Trial, type TrialJob, toShared } from './trial.js';
import type { WorkerRequest } from './worker.js';

/**
 * Runs trials on a pool of worker threads (one per core by default) that share the price columns
 * through SharedArrayBuffers. With one worker, trials run in-process (no thread start-up cost).
 */
export interface TrialTask {
  params: ParamSet;
  from: number;
  to: number;
  /** Return the run's equity curve too. */
  keepEquity?: boolean;
}

export interface TrialRunner {
  readonly workers: number;
  run(
    tasks: readonly TrialTask[],
    onDone?: (done: number, trial: Trial) => void,
    signal?: AbortSignal,
  ): Promise<Trial[]>;
  close(): Promise<void>;
}

export function defaultWorkerCount(): number {
  return Math.max(1, cpus().length);
}

/**
 * Starting a worker thread costs a few hundred milliseconds (it loads the strategy registry and the
 * engine), so threads only pay off when the sweep is long enough. Below this estimated in-process time
 * the sweep runs in-process.
 */
export const PARALLEL_THRESHOLD_MS = 1500;

/**
 * How many workers to use: the caller's number when given (capped by the number of trials), otherwise
 * one per core if a timed sample trial says the whole sweep would take longer than PARALLEL_THRESHOLD_MS
 * in-process, else 1.
 */
export function chooseWorkerCount(
  job: TrialJob,
  series: readonly BarSeries[],
  sample: TrialTask,
  trials: number,
  requested?: number,
): number {
  if (requested !== undefined) return Math.max(1, Math.min(requested, trials));
  const cores = defaultWorkerCount();
  if (cores <= 1 || trials <= 1) return 1;
  const started = performance.now();
  runTrial(job, series, sample.params, sample.from, sample.to);
  const estimate = (performance.now() - started) * trials;
  return estimate < PARALLEL_THRESHOLD_MS ? 1 : Math.min(cores, trials);
}

/** The compiled worker script: beside this module in dist/, or in dist/ when running from src/ (tests). */
function workerScript(): URL {
  const beside = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/optimize/worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new NeuralTraderError(
    'UNSUPPORTED',
    'the optimisation worker script is missing (dist/optimize/worker.js)',
    {
      hint: 'run `npm run build`, or pass workers: 1 to optimise in-process',
    },
  );
}

function cancelled(): NeuralTraderError {
  return new NeuralTraderError('CANCELLED', 'optimisation cancelled');
}

export function createTrialRunner(job: TrialJob, series: readonly BarSeries[], workers: number): TrialRunner {
  if (workers <= 1) return inProcessRunner(job, series);
  return threadRunner(job, series, workers);
}

function inProcessRunner(job: TrialJob, series: readonly BarSeries[]): TrialRunner {
  return {
    workers: 1,
    async run(tasks, onDone, signal) {
      const out: Trial[] = [];
      for (const task of tasks) {
        if (signal?.aborted) throw cancelled();
        const trial = runTrial(job, series, task.params, task.from, task.to, task.keepEquity);
        out.push(trial);
        onDone?.(out.length, trial);
        // Yield so progress output and Ctrl-C are handled during long sweeps.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return out;
    },
    async close() {},
  };
}

function threadRunner(job: TrialJob, series: readonly BarSeries[], workerCount: number): TrialRunner {
  const script = workerScript();
  const shared = toShared(series);
  const threads: Worker[] = [];
  for (let i = 0; i < workerCount; i++) {
    const worker = new Worker(script);
    const init: WorkerRequest = { type: 'init', job, series: shared };
    worker.postMessage(init);
    threads.push(worker);
  }
  let closed = false;
  return {
    workers: workerCount,
    run(tasks, onDone, signal) {
      return new Promise<Trial[]>((resolve, reject) => {
        const results: Trial[] = new Array(tasks.length);
        let next = 0;
        let done = 0;
        let failed = false;
        const listeners: Array<() => void> = [];
        const finish = (error?: unknown) => {
          if (failed) return;
          for (const off of listeners) off();
          if (error) {
            failed = true;
            reject(error);
          } else resolve(results);
        };
        if (tasks.length === 0) {
          resolve(results);
          return;
        }
        const onAbort = () => {
          finish(cancelled());
          for (const t of threads) void t.terminate();
          closed = true;
        };
        if (signal) {
          if (signal.aborted) return onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          listeners.push(() => signal.removeEventListener('abort', onAbort));
        }
        const dispatch = (worker: Worker) => {
          if (next >= tasks.length) return;
          const id = next++;
          const request: WorkerRequest = { type: 'run', id, ...tasks[id] };
          worker.postMessage(request);
        };
        for (const worker of threads) {
          const onMessage = (message: { id: number; trial: Trial }) => {
            results[message.id] = message.trial;
            done++;
            onDone?.(done, message.trial);
            if (done === tasks.length) finish();
            else dispatch(worker);
          };
          const onError = (error: Error) => finish(error);
          worker.on('message', onMessage);
          worker.on('error', onError);
          listeners.push(() => {
            worker.off('message', onMessage);
            worker.off('error', onError);
          });
          dispatch(worker);
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(threads.map((t) => t.terminate()));
    },
  };
}
