import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BarSeries } from '../core/bars.js';
import { NeuralTraderError } from '../core/errors.js';
import { computeSignalInput, type SignalInput } from '../indicators/cache.js';
import type { ParamSet } from './space.js';
import {
  runTrialBatch,
  type SharedSeries,
  sweepSignalInputs,
  type Trial,
  type TrialJob,
  toShared,
} from './trial.js';
import type { SharedSignalInput, WorkerReply, WorkerRequest } from './worker-protocol.js';

/**
 * Where a sweep's trials run: in-process (one thread), or on the process's persistent pool of worker
 * threads. The pool is started once per process (a CLI run, an MCP server) and kept warm between sweeps:
 * its threads have loaded the engine and the strategy registry already, so a sweep pays only for sharing
 * its data (SharedArrayBuffers, not copies). Trials go out in chunks (a few per message) so a short trial
 * does not pay a message round trip each, and the distinct indicator series of the sweep are computed
 * once here and shared with every thread (src/indicators/cache.ts).
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
 * What handing a sweep to threads costs beyond the trials themselves: starting the pool when it is cold
 * (each thread loads the engine and the registry; measured ~150-400 ms on a 2-core machine), and sharing
 * the data and collecting results when it is warm.
 */
export const COLD_POOL_COST_MS = 400;
export const WARM_POOL_COST_MS = 25;

/**
 * Cores other processes leave free: the cores less the run queue beyond this thread (1-minute load
 * average). On a machine already saturated by other work a second thread only shares the same cores,
 * so it cannot make a sweep faster (measured: 2 threads 1.59 s vs 1 thread 1.11 s at load 9 on 2 cores).
 */
export function idleCores(): number {
  const cores = defaultWorkerCount();
  const others = Math.max(0, loadavg()[0] - 1);
  return Math.max(1, Math.min(cores, Math.round(cores - others)));
}

/**
 * How many threads to use: the caller's number when given (capped by the number of trials); otherwise
 * the idle cores, if two timed sample trials say the sweep saves clearly more than the pool costs
 * (in-process time x (1 - 1/threads) > 2 x the pool's cost), else 1 thread. The margin and the idle-core
 * count keep the automatic choice from being slower than one thread when the machine is busy.
 */
export async function chooseWorkerCount(
  job: TrialJob,
  series: readonly BarSeries[],
  samples: readonly TrialTask[],
  trials: number,
  requested?: number,
): Promise<number> {
  if (requested !== undefined) return Math.max(1, Math.min(requested, trials));
  const cores = idleCores();
  if (cores <= 1 || trials <= 1) return 1;
  let fastest = Number.POSITIVE_INFINITY;
  for (const sample of samples.slice(0, 2)) {
    const started = performance.now();
    await runTrialBatch(job, series, [sample]);
    fastest = Math.min(fastest, performance.now() - started);
  }
  const estimate = fastest * trials;
  const cost = sharedPool && sharedPool.size >= cores ? WARM_POOL_COST_MS : COLD_POOL_COST_MS;
  return estimate * (1 - 1 / cores) > 2 * cost ? Math.min(cores, trials) : 1;
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
  return poolRunner(job, series, workers);
}

/** How many trials run between two yields to the event loop in-process (progress, Ctrl-C). */
const IN_PROCESS_CHUNK_MS = 50;

function inProcessRunner(job: TrialJob, series: readonly BarSeries[]): TrialRunner {
  return {
    workers: 1,
    async run(tasks, onDone, signal) {
      const out: Trial[] = [];
      let lastYield = performance.now();
      for (const task of tasks) {
        if (signal?.aborted) throw cancelled();
        const [trial] = await runTrialBatch(job, series, [task]);
        out.push(trial);
        onDone?.(out.length, trial);
        // Yield so progress output and Ctrl-C are handled during long sweeps (not after every short trial).
        if (performance.now() - lastYield > IN_PROCESS_CHUNK_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      }
      return out;
    },
    async close() {},
  };
}

// ---- the persistent pool ---------------------------------------------------------------------------------

interface PoolThread {
  worker: Worker;
  /** Runs using this thread now (it is ref'd while any is). */
  users: number;
  dead: boolean;
}

/** The process's worker threads, started on first use and reused by every later sweep. */
class WorkerPool {
  readonly threads: PoolThread[] = [];
  private readonly script = workerScript();

  get size(): number {
    return this.threads.filter((t) => !t.dead).length;
  }

  /** `count` live threads (starting any missing), ref'd until released. */
  acquire(count: number): PoolThread[] {
    for (let i = 0; i < this.threads.length; i++) {
      if (this.threads[i].dead) this.threads.splice(i--, 1);
    }
    while (this.threads.length < count) this.threads.push(this.start());
    const chosen = this.threads.slice(0, count);
    for (const thread of chosen) {
      if (thread.users++ === 0) thread.worker.ref();
    }
    return chosen;
  }

  release(threads: readonly PoolThread[]): void {
    for (const thread of threads) {
      // An idle pool must not keep the process alive.
      if (--thread.users === 0 && !thread.dead) thread.worker.unref();
    }
  }

  private start(): PoolThread {
    const thread: PoolThread = { worker: new Worker(this.script), users: 0, dead: false };
    thread.worker.unref();
    const lost = () => {
      thread.dead = true;
    };
    thread.worker.on('error', lost);
    thread.worker.on('exit', lost);
    return thread;
  }

  async shutdown(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

let sharedPool: WorkerPool | undefined;
let nextSweep = 1;

/** Stop the process's optimisation threads (they are restarted by the next parallel sweep). */
export async function shutdownWorkerPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = undefined;
  await pool?.shutdown();
}

/** Live threads in the process's pool (0 before the first parallel sweep). */
export function workerPoolSize(): number {
  return sharedPool?.size ?? 0;
}

/** Largest total size of indicator series computed up front and shared with the threads. */
const SHARED_SIGNAL_BYTES = 64 * 1024 * 1024;

/** The sweep's signal inputs over the first series' close, in SharedArrayBuffers (full-range tasks only). */
function sharedSignalInputs(
  job: TrialJob,
  shared: readonly SharedSeries[],
  tasks: readonly TrialTask[],
): SharedSignalInput[] {
  const n = shared[0]?.columns.close.length ?? 0;
  if (n === 0 || !tasks.every((t) => t.from === 0 && t.to === n)) return [];
  const inputs: SignalInput[] = sweepSignalInputs(
    job,
    tasks.map((t) => t.params),
  );
  if (inputs.length * n * 8 > SHARED_SIGNAL_BYTES) return [];
  const close = shared[0].columns.close;
  return inputs.map((input) => {
    const values = new Float64Array(new SharedArrayBuffer(n * 8));
    values.set(computeSignalInput(input, close));
    return { input, values };
  });
}

function poolRunner(job: TrialJob, series: readonly BarSeries[], workerCount: number): TrialRunner {
  sharedPool ??= new WorkerPool();
  const pool = sharedPool;
  const threads = pool.acquire(workerCount);
  const sweep = nextSweep++;
  const shared = toShared(series);
  let signalsSent = false;
  let closed = false;
  const open: WorkerRequest = { type: 'open', sweep, job, series: shared };
  for (const thread of threads) thread.worker.postMessage(open);
  return {
    workers: workerCount,
    run(tasks, onDone, signal) {
      if (!signalsSent) {
        signalsSent = true;
        const signals = sharedSignalInputs(job, shared, tasks);
        if (signals.length > 0) {
          const seed: WorkerRequest = { type: 'seed', sweep, signals };
          for (const thread of threads) thread.worker.postMessage(seed);
        }
      }
      return new Promise<Trial[]>((resolve, reject) => {
        const results: Trial[] = new Array(tasks.length);
        // Chunks: about four per thread, so a slow chunk at the end does not leave the others idle.
        const chunk = Math.max(1, Math.min(64, Math.ceil(tasks.length / (threads.length * 4))));
        let next = 0;
        let done = 0;
        let settled = false;
        const listeners: Array<() => void> = [];
        const finish = (error?: unknown) => {
          if (settled) return;
          settled = true;
          for (const off of listeners) off();
          if (error) reject(error);
          else resolve(results);
        };
        if (tasks.length === 0) {
          finish();
          return;
        }
        const onAbort = () => finish(cancelled());
        if (signal) {
          if (signal.aborted) return onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          listeners.push(() => signal.removeEventListener('abort', onAbort));
        }
        let batchId = 0;
        const dispatch = (thread: PoolThread) => {
          if (next >= tasks.length || settled) return;
          const first = next;
          next = Math.min(tasks.length, next + chunk);
          const request: WorkerRequest = {
            type: 'run',
            sweep,
            batch: batchId++,
            first,
            tasks: tasks.slice(first, next),
          };
          thread.worker.postMessage(request);
        };
        for (const thread of threads) {
          const onMessage = (reply: WorkerReply) => {
            if (reply.sweep !== sweep || settled) return;
            if (reply.type === 'error') {
              finish(new Error(`optimisation thread failed: ${reply.message}`));
              return;
            }
            for (let k = 0; k < reply.trials.length; k++) {
              results[reply.first + k] = reply.trials[k];
              done++;
              onDone?.(done, reply.trials[k]);
            }
            if (done === tasks.length) finish();
            else dispatch(thread);
          };
          const onError = (error: Error) => finish(error);
          const onExit = (code: number) =>
            finish(new Error(`an optimisation thread stopped (exit code ${code})`));
          thread.worker.on('message', onMessage);
          thread.worker.on('error', onError);
          thread.worker.on('exit', onExit);
          listeners.push(() => {
            thread.worker.off('message', onMessage);
            thread.worker.off('error', onError);
            thread.worker.off('exit', onExit);
          });
          dispatch(thread);
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const message: WorkerRequest = { type: 'close', sweep };
      for (const thread of threads) if (!thread.dead) thread.worker.postMessage(message);
      pool.release(threads);
    },
  };
}
