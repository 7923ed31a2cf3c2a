import { type ResourceLimits, Worker } from 'node:worker_threads';
import { NeuralTraderError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { JobFailedError } from './errors.js';

/**
 * A warm, bounded pool of worker threads for heavy tool calls, started once per server. The event loop
 * only hands a job (tool name + validated arguments) to a free worker and relays its progress and
 * result; the computation (data loading, backtests, optimisation, training, Monte Carlo) never blocks
 * it, so `ping` and every other session keep answering.
 *
 * Bounds: `size` workers (each runs one job at a time), at most `maxQueued` jobs waiting (more are
 * refused as busy rather than piling up in memory), long jobs (optimisation, training) on at most
 * size - 1 workers so quick jobs always find one, and per-tool concurrency caps.
 *
 * Cancellation: when a job's signal aborts (client cancel, disconnect, time limit) the worker is asked
 * to stop; if it has not answered within `cancelGraceMs` it is terminated (which also ends any threads
 * it started) and replaced by a fresh one, so a cancelled job never keeps burning CPU.
 */

/** Main thread -> worker. */
export type JobMessage =
  | { type: 'run'; id: number; tool: string; args: unknown; prepared: unknown }
  | { type: 'cancel'; id: number };

/** Worker -> main thread. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; id: number; done: number; total?: number; message?: string }
  | { type: 'result'; id: number; data: Record<string, unknown> }
  | { type: 'failure'; id: number; text: string; expected: boolean; stack?: string };

export interface JobRequest {
  tool: string;
  args: unknown;
  prepared?: unknown;
}

export interface JobOptions {
  /** Aborting it cancels the job (queued: removed; running: stopped, terminated if need be). */
  signal: AbortSignal;
  long?: boolean;
  maxConcurrent?: number;
  onProgress?: (done: number, total?: number, message?: string) => void;
}

export interface JobPoolOptions {
  /** Worker script (an ES module speaking the JobMessage / WorkerMessage protocol). */
  script: URL;
  size: number;
  maxQueued: number;
  /** How long a cancelled job may take to stop by itself before its worker is terminated. */
  cancelGraceMs?: number;
  workerData?: unknown;
  resourceLimits?: ResourceLimits;
  log: Logger;
}

export interface JobPoolStats {
  workers: number;
  busy: number;
  queued: number;
  /** Workers terminated (cancel without cooperation) or lost (crash, out of memory) and replaced. */
  replaced: number;
  completed: number;
}

interface Job {
  id: number;
  request: JobRequest;
  options: JobOptions;
  resolve(data: Record<string, unknown>): void;
  reject(error: unknown): void;
  settled: boolean;
  slot?: Slot;
  onAbort(): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  retired: boolean;
}

export class JobPool {
  private readonly options: Required<Omit<JobPoolOptions, 'workerData' | 'resourceLimits'>> &
    Pick<JobPoolOptions, 'workerData' | 'resourceLimits'>;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private replaced = 0;
  private completed = 0;
  private readonly longLanes: number;

  constructor(options: JobPoolOptions) {
    this.options = { cancelGraceMs: 250, ...options };
    this.longLanes = Math.max(1, options.size - 1);
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  stats(): JobPoolStats {
    const busy = this.slots.filter((slot) => slot.job).length;
    return {
      workers: this.slots.length,
      busy,
      queued: this.queue.length,
      replaced: this.replaced,
      completed: this.completed,
    };
  }

  run(request: JobRequest, options: JobOptions): Promise<Record<string, unknown>> {
    if (this.closed) return Promise.reject(shuttingDown());
    if (options.signal.aborted) return Promise.reject(options.signal.reason);
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(
        new NeuralTraderError(
          'RATE_LIMIT',
          `server busy: ${this.queue.length} heavy calls are already waiting for a worker`,
          { hint: 'retry in a few seconds (the operator can raise NEURAL_TRADER_MCP_QUEUE)' },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        request,
        options,
        resolve,
        reject,
        settled: false,
        onAbort: () => this.cancel(job),
      };
      options.signal.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, shuttingDown());
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      slot.retired = true;
      if (slot.job) this.settle(slot.job, shuttingDown());
    }
    await Promise.allSettled(slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.script, {
      workerData: this.options.workerData,
      resourceLimits: this.options.resourceLimits,
      // The worker's stdout is not the parent's: in stdio mode stdout is the protocol channel, so a
      // stray print from a library in a worker goes to stderr instead.
      stdout: true,
    });
    worker.stdout.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    const slot: Slot = { worker, retired: false };
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error: Error) => this.onWorkerLost(slot, error));
    worker.on('exit', (code) => this.onWorkerLost(slot, new Error(`worker exited with code ${code}`)));
    // A pool's idle workers must not keep a finished server process alive.
    worker.unref();
    return slot;
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.type === 'ready') return;
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    if (message.type === 'progress') {
      if (!job.options.signal.aborted) job.options.onProgress?.(message.done, message.total, message.message);
      return;
    }
    slot.job = undefined;
    this.completed++;
    if (job.options.signal.aborted) {
      // The job stopped by itself within the grace period; the worker is reused.
      this.settle(job, job.options.signal.reason);
    } else if (message.type === 'result') {
      this.settle(job, undefined, message.data);
    } else {
      this.settle(job, new JobFailedError(message.text, message.expected, message.stack));
    }
    this.pump();
  }

  /** A worker crashed, ran out of memory or was terminated: fail its job, put a fresh one in its place. */
  private onWorkerLost(slot: Slot, error: Error): void {
    if (slot.retired) return;
    slot.retired = true;
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      const outOfMemory = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.settle(
        job,
        job.options.signal.aborted
          ? job.options.signal.reason
          : new JobFailedError(
              outOfMemory
                ? `${job.request.tool} ran out of memory in its worker; ask for less (a shorter range, fewer combinations)`
                : `${job.request.tool} stopped unexpectedly: ${error.message}`,
              outOfMemory,
            ),
      );
    }
    this.options.log.warn('worker replaced', { tool: job?.request.tool, reason: error.message });
    this.replace(slot);
  }

  private replace(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index === -1 || this.closed) return;
    this.replaced++;
    this.slots[index] = this.spawn();
    this.pump();
  }

  private cancel(job: Job): void {
    if (job.settled) return;
    const queued = this.queue.indexOf(job);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      this.settle(job, job.options.signal.reason);
      return;
    }
    const slot = job.slot;
    if (!slot || slot.job !== job) return;
    slot.worker.postMessage({ type: 'cancel', id: job.id } satisfies JobMessage);
    const timer = setTimeout(() => {
      if (slot.job !== job || slot.retired) return;
      // It did not stop by itself (a long synchronous step): end the thread, and with it the work.
      slot.retired = true;
      slot.job = undefined;
      this.settle(job, job.options.signal.reason);
      this.options.log.info('terminating a worker that did not stop after cancel', {
        tool: job.request.tool,
      });
      void slot.worker.terminate();
      this.replace(slot);
    }, this.options.cancelGraceMs);
    timer.unref();
  }

  private settle(job: Job, error: unknown, data?: Record<string, unknown>): void {
    if (job.settled) return;
    job.settled = true;
    job.options.signal.removeEventListener('abort', job.onAbort);
    if (error !== undefined) job.reject(error);
    else job.resolve(data ?? {});
  }

  /** Start queued jobs on free workers, oldest first, skipping jobs whose lane or tool cap is full. */
  private pump(): void {
    if (this.closed) return;
    for (const slot of this.slots) {
      if (slot.job || slot.retired) continue;
      const index = this.queue.findIndex((job) => this.mayStart(job));
      if (index === -1) return;
      const [job] = this.queue.splice(index, 1);
      job.slot = slot;
      slot.job = job;
      const message: JobMessage = {
        type: 'run',
        id: job.id,
        tool: job.request.tool,
        args: job.request.args,
        prepared: job.request.prepared,
      };
      slot.worker.postMessage(message);
    }
  }

  private mayStart(job: Job): boolean {
    const running = this.slots.map((slot) => slot.job).filter((j): j is Job => j !== undefined);
    if (job.options.long && running.filter((j) => j.options.long).length >= this.longLanes) return false;
    const cap = job.options.maxConcurrent;
    if (cap !== undefined && running.filter((j) => j.request.tool === job.request.tool).length >= cap) {
      return false;
    }
    return true;
  }
}

function shuttingDown(): NeuralTraderError {
  return new NeuralTraderError('CANCELLED', 'the server is shutting down');
}
