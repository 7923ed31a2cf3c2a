import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import type { Job } from 'bullmq';
import { z } from 'zod';
import { DEFAULT_QUEUE_HEARTBEAT_SECONDS, DEFAULT_QUEUE_STALL_TIMEOUT_SECONDS } from '../core/defaults.js';
import { NeuralTraderError } from '../core/errors.js';
import { encodeTrial } from './codec.js';
import { bullConnectionOptions, type ConnectionState, errorReason, openConnection } from './connection.js';
import { DataCache, fetchData } from './data-store.js';
import { QueueKeys, trialQueueName } from './keys.js';
import { parseQueueUrl, type QueueTarget } from './queue-url.js';
import { loadManifest, splitJobId } from './sweep.js';
import { announceFailure, announceRequeued, recordResult } from './sweep-events.js';
import { type SweepContext, TaskReturned, TrialThreads } from './trial-threads.js';
import { type CodeVersion, codeVersion, describeVersion, sameVersion } from './version.js';
import { publishHeartbeat, removeWorker, type WorkerRecord } from './worker-registry.js';

/**
 * A queue worker: takes trial jobs of its own build's queue, runs them on its trial threads, and stores
 * each result once (HSETNX) before acknowledging the job, announcing it on the sweep's event stream.
 *
 * - Concurrency: one trial thread per core by default; twice as many jobs are held, so a thread never
 *   waits for Redis between trials.
 * - A worker that dies mid-trial: its job's lock stops being renewed and another worker's stalled-job
 *   check puts the job back (after `stallTimeoutMs`); the result slot still takes one result.
 * - stop(): no new jobs; running trials finish (or, with returnRunning, go back to the queue at once).
 * - Heartbeat: a record other processes can list, and a look at live sweeps of other builds, said once
 *   per sweep (this worker never sees their jobs: each build has its own queue).
 */
export interface QueueWorkerOptions {
  /** Queue URL: redis://[user:password@]host[:port][/db][?prefix=name] or rediss://... */
  queue: string;
  /** Trial threads (default: one per core). */
  concurrency?: number;
  /** How long a silent worker keeps a job before others take it back (default 30 s). */
  stallTimeoutMs?: number;
  /** Heartbeat period (default 5 s). */
  heartbeatMs?: number;
  /** Lines for the operator (start, sweeps served, versions, connection trouble). */
  log?: (line: string) => void;
}

export interface QueueWorker {
  readonly id: string;
  readonly target: QueueTarget;
  readonly threads: number;
  readonly version: CodeVersion;
  /** Trials whose results this worker stored. */
  readonly done: number;
  /** Stop taking jobs; wait for running trials, or return them to the queue with `returnRunning`. */
  stop(options?: { returnRunning?: boolean }): Promise<void>;
}

export const DEFAULT_STALL_TIMEOUT_MS = DEFAULT_QUEUE_STALL_TIMEOUT_SECONDS * 1000;
const CONNECTION_ERRORS = /^(E[A-Z]+|connection closed)$/;
export const DEFAULT_HEARTBEAT_MS = DEFAULT_QUEUE_HEARTBEAT_SECONDS * 1000;

const jobSchema = z.object({
  s: z.string(),
  k: z.string().regex(/^[0-9a-f]{32}$/),
  t: z.object({
    params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
    from: z.number().int().min(0),
    to: z.number().int().min(1),
    keepEquity: z.boolean().optional(),
  }),
  r: z.literal(1).optional(),
});

function positiveInteger(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new NeuralTraderError('VALIDATION', `${field}: expected a whole number >= 1, got ${value}`, {
      field,
    });
  }
  return value;
}

/** Wait for `work` at most `ms`; true when it settled (either way) in time. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = work.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const target = parseQueueUrl(options.queue);
  const threads = positiveInteger(options.concurrency, Math.max(1, availableParallelism()), 'concurrency');
  const stallTimeoutMs = positiveInteger(options.stallTimeoutMs, DEFAULT_STALL_TIMEOUT_MS, 'stallTimeoutMs');
  const heartbeatMs = positiveInteger(options.heartbeatMs, DEFAULT_HEARTBEAT_MS, 'heartbeatMs');
  const log = options.log ?? (() => {});
  const { UnrecoverableError, WaitingError, Worker } = await import('bullmq');
  const keys = new QueueKeys(target.prefix);
  const version = codeVersion();
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

  // One line per outage, one when it ends (BullMQ's connections report the same outage again).
  let outage: string | undefined;
  const lost = (reason: string) => {
    if (outage !== undefined) return;
    outage = reason;
    log(
      `lost Redis at ${target.display} (${reason}); reconnecting with backoff, trials in hand keep running`,
    );
  };
  const onState = (state: ConnectionState) => {
    if (state.type === 'lost') lost(state.reason);
    else if (outage !== undefined) {
      outage = undefined;
      log(`Redis at ${target.display} is back after ${(state.downMs / 1000).toFixed(1)} s`);
    }
  };
  const redis = await openConnection(target, { onState });

  const pool = new TrialThreads(threads);
  const dataCache = new DataCache();
  const contexts = new Map<string, Promise<SweepContext>>();
  const reportedSweeps = new Set<string>();
  let done = 0;
  const startedAt = Date.now();

  const loadContext = (sweepId: string): Promise<SweepContext> => {
    let entry = contexts.get(sweepId);
    if (entry) return entry;
    entry = (async () => {
      const manifest = await loadManifest(redis, keys, sweepId);
      if (!manifest) throw new UnrecoverableError(`sweep ${sweepId} has no manifest (expired or deleted)`);
      if (!sameVersion(manifest.version, version)) {
        throw new UnrecoverableError(
          `sweep ${sweepId} needs ${describeVersion(manifest.version)}; this worker runs ${describeVersion(version)}`,
        );
      }
      const started = performance.now();
      const series = await dataCache.get(manifest.data.sha256, () =>
        fetchData(redis, keys, manifest.data.sha256),
      );
      log(
        `sweep ${sweepId}: ${manifest.job.strategy} on ${manifest.data.symbols.join('/')} (${manifest.data.bars} bars), ` +
          `data ${manifest.data.sha256.slice(0, 12)} ${(manifest.data.bytes / 2 ** 20).toFixed(1)} MB checked in ${Math.round(performance.now() - started)} ms`,
      );
      return { id: sweepId, job: manifest.job, series };
    })();
    entry.catch(() => contexts.delete(sweepId));
    contexts.set(sweepId, entry);
    // Keep the contexts of a few recent sweeps.
    while (contexts.size > 8) contexts.delete(contexts.keys().next().value as string);
    return entry;
  };

  const processor = async (job: Job, token?: string): Promise<number> => {
    const parsed = jobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('not a neural-trader trial job');
    const { s: sweepId, k: key, t: task, r: resumed } = parsed.data;
    let context: SweepContext;
    try {
      context = await loadContext(sweepId);
    } catch (error) {
      if (error instanceof UnrecoverableError) throw error;
      // A bad or missing data blob fails the sweep's trials at once (retrying cannot fix it).
      if (error instanceof NeuralTraderError) throw new UnrecoverableError(error.message);
      throw error;
    }
    if (resumed && (await redis.hexists(keys.results(sweepId), key))) return 0;
    let trial: Awaited<ReturnType<TrialThreads['run']>>;
    try {
      trial = await pool.run(context, task);
    } catch (error) {
      if (error instanceof TaskReturned && token) {
        // Shutting down: the job goes back to the queue without using up an attempt.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw error;
    }
    const stored = await recordResult(redis, keys, sweepId, key, encodeTrial(trial), id);
    done++;
    return stored;
  };

  const worker = new Worker(trialQueueName(version.engine), processor, {
    connection: bullConnectionOptions(target),
    prefix: target.prefix,
    name: id,
    concurrency: threads * 2,
    lockDuration: stallTimeoutMs,
    stalledInterval: stallTimeoutMs,
    // A job whose worker died is retried on another; one that kills two workers in a row is failed.
    maxStalledCount: 2,
    drainDelay: 5,
    autorun: false,
  });
  const otherErrors = new Set<string>();
  worker.on('error', (error) => {
    const reason = errorReason(error);
    if (CONNECTION_ERRORS.test(reason)) lost(reason);
    else if (!otherErrors.has(reason)) {
      // Said once per distinct reason: BullMQ repeats an error on every attempt.
      otherErrors.add(reason);
      log(`queue error: ${reason}`);
    }
  });
  worker.on('failed', (job, error) => {
    const ids = job?.id ? splitJobId(job.id) : undefined;
    if (!job || !ids) return;
    const final =
      error instanceof UnrecoverableError ||
      error?.name === 'UnrecoverableError' ||
      job.attemptsMade >= (job.opts.attempts ?? 1);
    const reason = (error?.message ?? 'unknown error').split('\n')[0].slice(0, 300);
    if (final && !reportedSweeps.has(`${ids.sweepId}:${reason}`)) {
      reportedSweeps.add(`${ids.sweepId}:${reason}`);
      log(`sweep ${ids.sweepId}: a trial failed for good: ${reason}`);
    }
    announceFailure(redis, keys, ids.sweepId, { key: ids.key, worker: id, reason, final }).catch(() => {});
  });
  worker.on('stalled', (jobId) => {
    const ids = splitJobId(jobId);
    if (ids) announceRequeued(redis, keys, ids.sweepId, ids.key).catch(() => {});
  });

  // Heartbeat, and a word about live sweeps of other builds (once per sweep).
  const seenSweeps = new Set<string>();
  const beat = async () => {
    const record: WorkerRecord = {
      id,
      host: hostname(),
      pid: process.pid,
      version,
      threads,
      startedAt,
      done,
    };
    await publishHeartbeat(redis, keys, record, heartbeatMs * 3);
    const live = await redis.zrangebyscore(keys.activeSweeps, Date.now() - 60_000, '+inf');
    for (const sweepId of live) {
      if (seenSweeps.has(sweepId)) continue;
      seenSweeps.add(sweepId);
      const manifest = await loadManifest(redis, keys, sweepId).catch(() => undefined);
      if (manifest && !sameVersion(manifest.version, version)) {
        log(
          `sweep ${sweepId} runs on ${describeVersion(manifest.version)}; this worker is ${describeVersion(version)} ` +
            'and will not take its trials (update this worker or the coordinator so they match)',
        );
      }
    }
  };
  await beat();
  const timer = setInterval(() => {
    if (outage === undefined) beat().catch(() => {});
  }, heartbeatMs);
  await worker.waitUntilReady();
  void worker.run().catch(() => {});
  log(
    `worker ${id} serving ${target.display} (prefix ${target.prefix}): ${threads} trial thread(s), ${describeVersion(version)}`,
  );

  let stopping: Promise<void> | undefined;
  return {
    id,
    target,
    threads,
    version,
    get done() {
      return done;
    },
    stop(stopOptions = {}) {
      if (stopOptions.returnRunning) {
        // Running trials are abandoned now; their jobs go back to the queue (processor above).
        void pool.close(true);
      }
      stopping ??= (async () => {
        clearInterval(timer);
        const closing = worker.close();
        await pool.close(stopOptions.returnRunning === true);
        // Finishing a job needs Redis; without it (an outage) the worker is closed without waiting.
        if (!(await settlesWithin(closing, outage === undefined ? 10_000 : 1_000))) {
          await settlesWithin(worker.close(true), 1_000);
          // Its connections may still be reconnecting: end them so the process can exit.
          await settlesWithin(worker.disconnect(), 1_000);
        }
        await settlesWithin(removeWorker(redis, keys, id), 1_000);
        redis.disconnect();
      })();
      return stopping;
    },
  };
}
