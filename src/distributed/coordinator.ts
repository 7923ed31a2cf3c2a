import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DataError, NeuralTraderError } from '../core/errors.js';
import { decodeTrial } from './codec.js';
import { bullConnectionOptions, type ConnectionState, openConnection } from './connection.js';
import { publishData } from './data-store.js';
import { QueueKeys, SWEEP_TTL_SECONDS, trialQueueName } from './keys.js';
import { parseQueueUrl, type QueueTarget } from './queue-url.js';
import {
  jobId,
  loadManifest,
  newSweepId,
  parseSweepId,
  type SweepManifest,
  saveManifest,
  taskKey,
} from './sweep.js';
import type { QueuedSweep, Trial, TrialQueue, TrialRunner, TrialTask } from './trial-adapter.js';
import { type CodeVersion, codeVersion, describeVersion, sameVersion } from './version.js';
import { liveWorkers, type WorkerRecord } from './worker-registry.js';

/**
 * The coordinator side of queue mode: a TrialRunner whose trials run as BullMQ jobs on worker processes.
 *
 * Opening a sweep stores its data (once, by hash) and manifest, then each run() enqueues one job per
 * trial not yet finished - job id = sweep id + parameter hash, so re-adding a queued trial is a no-op -
 * and streams results back from the sweep's event stream until every trial has its result. Results come
 * back in task order; ranking happens in the optimiser exactly as for a local run.
 *
 * Faults: a trial whose job fails for good (after its retries) fails the sweep with its reason and no
 * result; a connection lost for longer than `outageLimitMs` fails it too (Redis keeps what finished, so
 * `--resume` continues). Cancelling leaves queued trials to finish on the workers; `--resume` collects
 * them.
 */
export type QueueEvent =
  | {
      type: 'sweep';
      sweepId: string;
      resumed: boolean;
      url: string;
      prefix: string;
      dataBytes: number;
    }
  | {
      type: 'workers';
      /** Workers on this build: they take this sweep's trials. */
      compatible: number;
      threads: number;
      /** Workers on another build, by version: they will not. */
      incompatible: { version: string; workers: number }[];
    }
  | { type: 'failure'; key: string; reason: string; final: boolean; worker: string }
  | { type: 'requeued'; key: string }
  | { type: 'connection'; state: ConnectionState };

export interface RedisQueueOptions {
  /** Continue this sweep (its finished trials are collected, only the missing ones enqueued). */
  resume?: string;
  onEvent?: (event: QueueEvent) => void;
  /** How long the connection may stay lost before the sweep fails (default 60 s). */
  outageLimitMs?: number;
  /** Attempts per trial before it fails the sweep (default 3; stalled jobs are retried on top). */
  attempts?: number;
  /** How often the coordinator re-checks the workers and signs of life (default 5 s). */
  heartbeatMs?: number;
}

export const DEFAULT_OUTAGE_LIMIT_MS = 60_000;
export const DEFAULT_TRIAL_ATTEMPTS = 3;
const ADD_CHUNK = 500;
const FETCH_CHUNK = 1000;

/** A queue to run sweeps on: `optimizeStrategy({ ..., queue: redisQueue('redis://host:6379') })`. */
export interface SweepQueue extends TrialQueue {
  readonly target: QueueTarget;
  /** The id of the sweep opened last (set once open() has stored it). */
  readonly sweepId: string | undefined;
}

export function redisQueue(url: string, options: RedisQueueOptions = {}): SweepQueue {
  const target = parseQueueUrl(url);
  const resume = options.resume === undefined ? undefined : parseSweepId(options.resume);
  let sweepId: string | undefined;
  return {
    target,
    get sweepId() {
      return sweepId;
    },
    async open(sweep: QueuedSweep): Promise<TrialRunner> {
      const coordinator = await Coordinator.open(target, sweep, { ...options, resume });
      sweepId = coordinator.manifest.id;
      return coordinator;
    },
  };
}

function cancelled(id: string): NeuralTraderError {
  return new NeuralTraderError(
    'CANCELLED',
    `sweep ${id} stopped; its queued trials still run on the workers`,
    {
      hint: `collect them later with \`neural-trader optimize --resume ${id} --queue URL\``,
    },
  );
}

/** The sweep's fields that must match for a resumed run to continue it. */
function sameSweep(manifest: SweepManifest, sweep: QueuedSweep, dataSha: string): boolean {
  return (
    manifest.kind === sweep.kind &&
    manifest.data.sha256 === dataSha &&
    JSON.stringify(manifest.job) === JSON.stringify(sweep.job)
  );
}

class Coordinator implements TrialRunner {
  readonly manifest: SweepManifest;
  private readonly target: QueueTarget;
  private readonly keys: QueueKeys;
  private readonly redis: Redis;
  private readonly reader: Redis;
  private readonly queue: Queue;
  private readonly options: RedisQueueOptions;
  private readonly resumed: boolean;
  private readonly version: CodeVersion;
  private readonly contributors = new Set<string>();
  private lastEventId = '0';
  private timer: NodeJS.Timeout | undefined;
  private downSince = 0;
  private fatal: NeuralTraderError | undefined;
  private readonly fatalListeners = new Set<(error: NeuralTraderError) => void>();
  private lastWorkers = '';
  private closed = false;

  private constructor(fields: {
    target: QueueTarget;
    keys: QueueKeys;
    redis: Redis;
    reader: Redis;
    manifest: SweepManifest;
    options: RedisQueueOptions;
    resumed: boolean;
    version: CodeVersion;
    queue: Queue;
  }) {
    this.target = fields.target;
    this.keys = fields.keys;
    this.redis = fields.redis;
    this.reader = fields.reader;
    this.manifest = fields.manifest;
    this.options = fields.options;
    this.resumed = fields.resumed;
    this.version = fields.version;
    this.queue = fields.queue;
    // Connection trouble is tracked on our own connections; BullMQ's would only repeat it.
    this.queue.on('error', () => {});
  }

  static async open(
    target: QueueTarget,
    sweep: QueuedSweep,
    options: RedisQueueOptions,
  ): Promise<Coordinator> {
    const keys = new QueueKeys(target.prefix);
    let onState: (state: ConnectionState) => void = () => {};
    const relay = (state: ConnectionState) => onState(state);
    const redis = await openConnection(target, { onState: relay });
    let reader: Redis | undefined;
    let queue: Queue | undefined;
    try {
      reader = await openConnection(target, { onState: relay });
      const version = codeVersion();
      const { manifest, resumed, dataBytes } = await Coordinator.prepare(
        redis,
        keys,
        sweep,
        version,
        options.resume,
      );
      const { Queue } = await import('bullmq');
      queue = new Queue(trialQueueName(version.engine), {
        connection: bullConnectionOptions(target),
        prefix: target.prefix,
      });
      const coordinator = new Coordinator({
        target,
        keys,
        redis,
        reader,
        manifest,
        options,
        resumed,
        version,
        queue,
      });
      onState = (state) => coordinator.onConnectionState(state);
      options.onEvent?.({
        type: 'sweep',
        sweepId: manifest.id,
        resumed,
        url: target.display,
        prefix: target.prefix,
        dataBytes,
      });
      await coordinator.start();
      return coordinator;
    } catch (error) {
      redis.disconnect();
      reader?.disconnect();
      await queue?.close().catch(() => {});
      throw error;
    }
  }

  /** Store (or, resuming, check) the sweep's data and manifest. */
  private static async prepare(
    redis: Redis,
    keys: QueueKeys,
    sweep: QueuedSweep,
    version: CodeVersion,
    resume: string | undefined,
  ): Promise<{ manifest: SweepManifest; resumed: boolean; dataBytes: number }> {
    const data = await publishData(redis, keys, sweep.series);
    if (resume) {
      const manifest = await loadManifest(redis, keys, resume);
      if (!manifest) {
        throw new NeuralTraderError(
          'NOT_FOUND',
          `sweep ${resume} is not on this queue (unknown, or expired after 7 days)`,
          {
            hint: 'check the id and the queue URL (including ?prefix=) it was started with',
          },
        );
      }
      if (!sameVersion(manifest.version, version)) {
        throw new NeuralTraderError(
          'CONFIG',
          `sweep ${resume} was started by ${describeVersion(manifest.version)}; this is ${describeVersion(version)}`,
          { hint: 'resume it with the build that started it, or start a new sweep' },
        );
      }
      if (!sameSweep(manifest, sweep, data.sha256)) {
        throw new NeuralTraderError('CONFIG', `sweep ${resume} ran a different job or data than this one`, {
          hint: 'resume with `neural-trader optimize --resume ID` alone: the sweep is rebuilt from its manifest',
        });
      }
      for (const key of [keys.sweep(resume), keys.results(resume), keys.runs(resume), keys.events(resume)]) {
        await redis.expire(key, SWEEP_TTL_SECONDS);
      }
      return { manifest, resumed: true, dataBytes: data.bytes };
    }
    const first = sweep.series[0];
    const manifest: SweepManifest = {
      format: 1,
      id: newSweepId(),
      kind: sweep.kind,
      createdAt: Date.now(),
      version,
      data: {
        ...data,
        symbols: sweep.series.map((s) => s.symbol),
        bars: first.length,
        timeframe: first.timeframe,
      },
      job: sweep.job,
      settings: sweep.settings,
    };
    await saveManifest(redis, keys, manifest);
    return { manifest, resumed: false, dataBytes: data.bytes };
  }

  get workers(): number {
    return this.contributors.size;
  }

  private async start(): Promise<void> {
    await this.heartbeat();
    const every = this.options.heartbeatMs ?? 5_000;
    // Outages are watched every second; the heartbeat runs every `every` ms while connected.
    let sinceBeat = 0;
    this.timer = setInterval(() => {
      this.watchOutage();
      sinceBeat += 1_000;
      if (sinceBeat >= every && this.downSince === 0) {
        sinceBeat = 0;
        this.heartbeat().catch(() => {});
      }
    }, 1_000);
    this.timer.unref();
  }

  /** Sign of life for workers (which sweeps are live) and a look at who is serving. */
  private async heartbeat(): Promise<void> {
    await this.redis.zadd(this.keys.activeSweeps, Date.now(), this.manifest.id);
    const workers = await liveWorkers(this.redis, this.keys);
    this.reportWorkers(workers);
  }

  private reportWorkers(workers: WorkerRecord[]): void {
    let compatible = 0;
    let threads = 0;
    const others = new Map<string, number>();
    for (const w of workers) {
      if (sameVersion(w.version, this.version)) {
        compatible++;
        threads += w.threads;
      } else {
        const label = describeVersion(w.version);
        others.set(label, (others.get(label) ?? 0) + 1);
      }
    }
    const incompatible = [...others].map(([version, count]) => ({ version, workers: count }));
    const summary = JSON.stringify([compatible, threads, incompatible]);
    if (summary === this.lastWorkers) return;
    this.lastWorkers = summary;
    this.options.onEvent?.({ type: 'workers', compatible, threads, incompatible });
  }

  private onConnectionState(state: ConnectionState): void {
    if (state.type === 'lost') {
      if (this.downSince === 0) this.downSince = Date.now();
    } else this.downSince = 0;
    this.options.onEvent?.({ type: 'connection', state });
  }

  private watchOutage(): void {
    const limit = this.options.outageLimitMs ?? DEFAULT_OUTAGE_LIMIT_MS;
    if (this.downSince === 0 || Date.now() - this.downSince < limit || this.fatal) return;
    const id = this.manifest.id;
    this.failWith(
      new NeuralTraderError(
        'PROVIDER',
        `lost Redis at ${this.target.display} for ${Math.round((Date.now() - this.downSince) / 1000)} s during sweep ${id}; stopped without a result`,
        {
          hint: `trials finished so far are kept in Redis: when it is back, \`neural-trader optimize --resume ${id} --queue URL\` runs only the missing ones`,
        },
      ),
    );
  }

  private failWith(error: NeuralTraderError): void {
    this.fatal = error;
    for (const listener of this.fatalListeners) listener(error);
    // Commands waiting for the connection would wait forever: end them.
    this.redis.disconnect();
    this.reader.disconnect();
  }

  /** Settle with `work`, or reject at once on a fatal outage or cancellation. */
  private guard<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (signal?.aborted) return Promise.reject(cancelled(this.manifest.id));
    return new Promise<T>((resolve, reject) => {
      const onFatal = (error: NeuralTraderError) => reject(error);
      const onAbort = () => reject(cancelled(this.manifest.id));
      this.fatalListeners.add(onFatal);
      signal?.addEventListener('abort', onAbort, { once: true });
      work
        .then(resolve, (error) => reject(this.fatal ?? error))
        .finally(() => {
          this.fatalListeners.delete(onFatal);
          signal?.removeEventListener('abort', onAbort);
        });
    });
  }

  async run(
    tasks: readonly TrialTask[],
    onDone?: (done: number, trial: Trial) => void,
    signal?: AbortSignal,
  ): Promise<Trial[]> {
    const results: Trial[] = new Array(tasks.length);
    if (tasks.length === 0) return results;
    const id = this.manifest.id;
    // Identical tasks (same parameters and window) share one job and one result.
    const slots = new Map<string, number[]>();
    tasks.forEach((task, i) => {
      const key = taskKey(task);
      const list = slots.get(key);
      if (list) list.push(i);
      else slots.set(key, [i]);
    });
    let done = 0;
    const fill = (key: string, bytes: Buffer) => {
      const decoded = decodeTrial(bytes, key);
      for (const i of slots.get(key) ?? []) {
        // The coordinator's own parameter objects, so results are exactly what a local run returns.
        results[i] = { ...decoded, params: tasks[i].params };
        onDone?.(++done, results[i]);
      }
      slots.delete(key);
    };
    // Trials finished earlier (a resumed sweep, or a walk-forward window run twice) are not run again.
    const keys = [...slots.keys()];
    for (let at = 0; at < keys.length; at += FETCH_CHUNK) {
      const chunk = keys.slice(at, at + FETCH_CHUNK);
      const stored = await this.guard(this.redis.hmgetBuffer(this.keys.results(id), ...chunk), signal);
      stored.forEach((bytes, j) => {
        if (bytes) fill(chunk[j], bytes);
      });
    }
    // Enqueueing runs beside the reading: the first results arrive while later jobs are still added.
    let enqueueError: unknown;
    const enqueued = this.enqueue([...slots.keys()], tasks, slots, signal).catch((error) => {
      enqueueError = error;
    });
    const failures = new Map<string, string>();
    while (slots.size > 0) {
      if (enqueueError) throw this.fatal ?? enqueueError;
      const batch = await this.guard(this.readEvents(), signal);
      const arrived: string[] = [];
      for (const event of batch) {
        if (event.type === 'done') {
          this.contributors.add(event.worker);
          if (slots.has(event.key)) arrived.push(event.key);
        } else if (event.type === 'fail') {
          if (!slots.has(event.key)) continue;
          this.options.onEvent?.({
            type: 'failure',
            key: event.key,
            reason: event.reason,
            final: event.final,
            worker: event.worker,
          });
          if (event.final) {
            failures.set(event.key, event.reason);
            slots.delete(event.key);
          }
        } else if (slots.has(event.key)) {
          this.options.onEvent?.({ type: 'requeued', key: event.key });
        }
      }
      if (arrived.length === 0) continue;
      const stored = await this.guard(this.redis.hmgetBuffer(this.keys.results(id), ...arrived), signal);
      stored.forEach((bytes, j) => {
        if (!bytes) {
          throw new DataError(`sweep ${id}: the result of trial ${arrived[j]} was announced but is missing`, {
            hint: 'something deleted keys under this queue prefix during the sweep; resume it',
          });
        }
        fill(arrived[j], bytes);
      });
    }
    await enqueued;
    if (enqueueError) throw this.fatal ?? enqueueError;
    if (failures.size > 0) {
      const [first] = failures.values();
      throw new NeuralTraderError(
        'PROVIDER',
        `sweep ${id}: ${failures.size} of ${tasks.length} trial(s) failed on the workers (first: ${first}); no result was produced`,
        {
          hint: `fix the cause, then \`neural-trader optimize --resume ${id} --queue URL\` runs only the missing trials`,
        },
      );
    }
    return results;
  }

  /** Add jobs for the tasks without a result; on a resumed sweep, give failed ones their attempts back. */
  private async enqueue(
    missing: string[],
    tasks: readonly TrialTask[],
    slots: Map<string, number[]>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const id = this.manifest.id;
    if (this.resumed && missing.length > 0) await this.guard(this.retryFailed(new Set(missing)), signal);
    const attempts = this.options.attempts ?? DEFAULT_TRIAL_ATTEMPTS;
    for (let at = 0; at < missing.length; at += ADD_CHUNK) {
      const jobs = missing.slice(at, at + ADD_CHUNK).map((key) => {
        const task = tasks[(slots.get(key) as number[])[0]];
        return {
          name: 'trial',
          data: {
            s: id,
            k: key,
            t: { params: task.params, from: task.from, to: task.to, keepEquity: task.keepEquity === true },
            // A resumed sweep's job may repeat a trial that finished meanwhile: workers check first.
            ...(this.resumed ? { r: 1 } : {}),
          },
          opts: {
            jobId: jobId(id, key),
            attempts,
            backoff: { type: 'exponential', delay: 500 },
            removeOnComplete: true,
            removeOnFail: { age: SWEEP_TTL_SECONDS },
          },
        };
      });
      await this.guard(this.queue.addBulk(jobs), signal);
    }
  }

  private async retryFailed(missing: Set<string>): Promise<void> {
    const prefix = `${this.manifest.id}-`;
    for (let start = 0; ; start += 1000) {
      const failed = await this.queue.getFailed(start, start + 999);
      for (const job of failed) {
        if (job?.id?.startsWith(prefix) && missing.has(job.id.slice(prefix.length))) {
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        }
      }
      if (failed.length < 1000) break;
    }
  }

  private async readEvents(): Promise<SweepEvent[]> {
    const reply = (await this.reader.xread(
      'COUNT',
      1000,
      'BLOCK',
      1000,
      'STREAMS',
      this.keys.events(this.manifest.id),
      this.lastEventId,
    )) as [string, [string, string[]][]][] | null;
    if (!reply) return [];
    const events: SweepEvent[] = [];
    for (const [, entries] of reply) {
      for (const [entryId, fields] of entries) {
        this.lastEventId = entryId;
        const event = parseEvent(fields);
        if (event) events.push(event);
      }
    }
    return events;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (!this.fatal) {
      try {
        await this.redis.zrem(this.keys.activeSweeps, this.manifest.id);
        await this.queue.close();
        await this.redis.quit();
        await this.reader.quit();
        return;
      } catch {
        // Falls through to a hard disconnect.
      }
    }
    this.redis.disconnect();
    this.reader.disconnect();
    await this.queue.close().catch(() => {});
  }
}

type SweepEvent =
  | { type: 'done'; key: string; worker: string }
  | { type: 'fail'; key: string; worker: string; reason: string; final: boolean }
  | { type: 'requeued'; key: string };

/** A stream entry written by a worker (worker.ts writes them; unknown shapes are skipped). */
function parseEvent(fields: string[]): SweepEvent | undefined {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
  const key = map.get('k');
  if (!key || !/^[0-9a-f]{32}$/.test(key)) return undefined;
  const worker = (map.get('w') ?? '?').slice(0, 80);
  switch (map.get('t')) {
    case 'done':
      return { type: 'done', key, worker };
    case 'fail':
      return {
        type: 'fail',
        key,
        worker,
        reason: (map.get('r') ?? 'unknown').slice(0, 300),
        final: map.get('f') === '1',
      };
    case 'requeued':
      return { type: 'requeued', key };
    default:
      return undefined;
  }
}
