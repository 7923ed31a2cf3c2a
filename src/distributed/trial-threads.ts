import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NeuralTraderError } from '../core/errors.js';
import type { SharedSeries, Trial, TrialJob, TrialTask } from './trial-adapter.js';
import type { ThreadReply, ThreadRequest } from './trial-thread.js';

/**
 * The threads a queue worker computes trials on: one per unit of concurrency, so the process's main
 * thread stays free for Redis (job locks are renewed on time however long a trial runs, and SIGTERM is
 * heard at once). Tasks wait in one FIFO; each sweep's columns are sent to a thread once, as
 * SharedArrayBuffers.
 */
export interface SweepContext {
  id: string;
  job: TrialJob;
  series: SharedSeries[];
}

/** A task taken back from a thread (shutdown): its job goes back to the queue for another worker. */
export class TaskReturned extends Error {
  constructor() {
    super('trial returned to the queue');
    this.name = 'TaskReturned';
  }
}

interface Pending {
  n: number;
  context: SweepContext;
  task: TrialTask;
  resolve: (trial: Trial) => void;
  reject: (error: Error) => void;
}

interface Slot {
  thread: Worker;
  busy: Pending | undefined;
  /** Sweeps whose data this thread holds, oldest first. */
  sweeps: string[];
}

/** Sweeps a thread keeps loaded at once. */
const SWEEPS_PER_THREAD = 4;

function threadScript(): URL {
  const beside = new URL('./trial-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../dist/distributed/trial-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new NeuralTraderError(
    'UNSUPPORTED',
    'the trial thread script is missing (dist/distributed/trial-thread.js)',
    {
      hint: 'run `npm run build`',
    },
  );
}

export class TrialThreads {
  readonly size: number;
  private readonly script = threadScript();
  private readonly slots: Slot[] = [];
  private readonly waiting: Pending[] = [];
  private next = 0;
  private closed = false;

  constructor(size: number) {
    this.size = size;
    for (let i = 0; i < size; i++) this.slots.push(this.startSlot());
  }

  private startSlot(): Slot {
    const slot: Slot = { thread: new Worker(this.script), busy: undefined, sweeps: [] };
    slot.thread.on('message', (reply: ThreadReply) => {
      const pending = slot.busy;
      if (!pending || pending.n !== reply.n) return;
      slot.busy = undefined;
      if (reply.type === 'done') pending.resolve(reply.trial);
      else pending.reject(new Error(reply.message));
      this.dispatch();
    });
    const lost = (error: Error) => {
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      const pending = slot.busy;
      slot.busy = undefined;
      pending?.reject(this.closed ? new TaskReturned() : new Error(`trial thread stopped: ${error.message}`));
      if (this.closed) return;
      // A thread that died (out of memory, a crash in native code) is replaced; its task fails once.
      this.slots[at] = this.startSlot();
      this.dispatch();
    };
    slot.thread.on('error', lost);
    slot.thread.on('exit', (code) => lost(new Error(`exit code ${code}`)));
    return slot;
  }

  /** Number of trials running or waiting. */
  get load(): number {
    return this.waiting.length + this.slots.filter((s) => s.busy).length;
  }

  run(context: SweepContext, task: TrialTask): Promise<Trial> {
    if (this.closed) return Promise.reject(new TaskReturned());
    return new Promise<Trial>((resolve, reject) => {
      this.waiting.push({ n: this.next++, context, task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) return;
      if (slot.busy) continue;
      const pending = this.waiting.shift() as Pending;
      slot.busy = pending;
      this.ensureOpen(slot, pending.context);
      const request: ThreadRequest = {
        type: 'run',
        n: pending.n,
        sweep: pending.context.id,
        task: pending.task,
      };
      slot.thread.postMessage(request);
    }
  }

  private ensureOpen(slot: Slot, context: SweepContext): void {
    const at = slot.sweeps.indexOf(context.id);
    if (at >= 0) {
      slot.sweeps.splice(at, 1);
      slot.sweeps.push(context.id);
      return;
    }
    const open: ThreadRequest = { type: 'open', sweep: context.id, job: context.job, series: context.series };
    slot.thread.postMessage(open);
    slot.sweeps.push(context.id);
    while (slot.sweeps.length > SWEEPS_PER_THREAD) {
      const close: ThreadRequest = { type: 'close', sweep: slot.sweeps.shift() as string };
      slot.thread.postMessage(close);
    }
  }

  /**
   * Stop: waiting tasks and (with `returnRunning`) running ones are rejected with TaskReturned so their
   * jobs go back to the queue; otherwise running trials finish first.
   */
  async close(returnRunning: boolean): Promise<void> {
    this.closed = true;
    for (const pending of this.waiting.splice(0)) pending.reject(new TaskReturned());
    if (!returnRunning) {
      while (this.slots.some((s) => s.busy)) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(this.slots.map((s) => s.thread.terminate()));
  }
}
