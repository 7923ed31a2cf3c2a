import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_QUEUE_HEARTBEAT_SECONDS } from '../core/defaults.js';
import { DataError, NeuralTraderError } from '../core/errors.js';
import { decodeTrial } from './codec.js';
import { bullConnectionOptions, type ConnectionState, openConnection } from './connection.js';
import { QueueKeys, SWEEP_TTL_SECONDS, trialQueueName } from './keys.js';
import { parseQueueUrl, type QueueTarget } from './queue-url.js';
import { jobId, parseSweepId, type SweepManifest, taskKey } from './sweep.js';
import { readSweepEvents, type SweepEvent } from './sweep-events.js';
import { prepareSweep } from './sweep-store.js';
import type { QueuedSweep, Trial, TrialQueue, TrialRunner, TrialTask } from './trial-adapter.js';
import { type CodeVersion, codeVersion } from './version.js';
import { liveWorkers, summariseWorkers, type WorkerRecord, type WorkerSummary } from './worker-registry.js';

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
  /** Workers on this build take this sweep's trials; workers on another build will not. */
  | ({ type: 'workers' } & WorkerSummary)
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
      hint: `collect them later with \`npx neural-trader optimize --resume ${id} --queue URL\``,
    },
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
      const { manifest, resumed, dataBytes } = await prepareSweep(
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

  get workers(): number {
    return this.contributors.size;
  }

  private async start(): Promise<void> {
    // Only what happens from now on is news: a resumed sweep's old events (failures it is resumed to
    // retry, results already in the hash) must not be read again.
    const [last] = await this.redis.xrevrange(this.keys.events(this.manifest.id), '+', '-', 'COUNT', 1);
    this.lastEventId = last?.[0] ?? '0';
    await this.heartbeat();
    const every = this.options.heartbeatMs ?? DEFAULT_QUEUE_HEARTBEAT_SECONDS * 1000;
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
    const now = Date.now();
    await this.redis
      .multi()
      .zadd(this.keys.activeSweeps, now, this.manifest.id)
      // Sweeps whose coordinator went silent a day ago are no longer listed.
      .zremrangebyscore(this.keys.activeSweeps, '-inf', now - 86_400_000)
      .exec();
    const workers = await liveWorkers(this.redis, this.keys);
    this.reportWorkers(workers);
  }

  private reportWorkers(workers: WorkerRecord[]): void {
    const summary = summariseWorkers(workers, this.version);
    const text = JSON.stringify(summary);
    if (text === this.lastWorkers) return;
    this.lastWorkers = text;
    this.options.onEvent?.({ type: 'workers', ...summary });
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
          hint: `trials finished so far are kept in Redis: when it is back, \`npx neural-trader optimize --resume ${id} --queue URL\` runs only the missing ones`,
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
    const missing = [...slots].map(([key, indices]) => ({ key, task: tasks[indices[0]] }));
    let enqueueError: unknown;
    const enqueued = this.enqueue(missing, signal).catch((error) => {
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
          hint: `fix the cause, then \`npx neural-trader optimize --resume ${id} --queue URL\` runs only the missing trials`,
        },
      );
    }
    return results;
  }

  /** Add jobs for the tasks without a result; on a resumed sweep, give failed ones their attempts back. */
  private async enqueue(
    missing: readonly { key: string; task: TrialTask }[],
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const id = this.manifest.id;
    if (this.resumed && missing.length > 0) {
      await this.guard(this.retryFailed(new Set(missing.map((m) => m.key))), signal);
    }
    const attempts = this.options.attempts ?? DEFAULT_TRIAL_ATTEMPTS;
    for (let at = 0; at < missing.length; at += ADD_CHUNK) {
      const jobs = missing.slice(at, at + ADD_CHUNK).map(({ key, task }) => {
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
    const { events, lastId } = await readSweepEvents(
      this.reader,
      this.keys,
      this.manifest.id,
      this.lastEventId,
    );
    this.lastEventId = lastId;
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
