/**
 * Every Redis key queue mode uses, under one prefix (the queue URL's `?prefix=`, default
 * `neural-trader`). BullMQ's own keys sit under the same prefix, so deleting `PREFIX:*` removes a
 * deployment's every trace. Sweep keys expire SWEEP_TTL_SECONDS after their last write.
 */
export const SWEEP_TTL_SECONDS = 7 * 24 * 3600;

export class QueueKeys {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The sweep's manifest (JSON): what it runs, on which data, with which code. */
  sweep(id: string): string {
    return `${this.prefix}:sweep:${id}`;
  }

  /** Hash: task key -> encoded trial. Written once per task (HSETNX): a duplicate run counts once. */
  results(id: string): string {
    return `${this.prefix}:sweep:${id}:results`;
  }

  /** Hash: task key -> how many times a worker finished running it (diagnostics: redone work shows here). */
  runs(id: string): string {
    return `${this.prefix}:sweep:${id}:runs`;
  }

  /** Stream of what happened to the sweep's tasks (result stored, attempt failed, job re-queued). */
  events(id: string): string {
    return `${this.prefix}:sweep:${id}:events`;
  }

  /** Content-addressed bar data: the SHA-256 of the encoded columns. */
  data(sha256: string): string {
    return `${this.prefix}:data:${sha256}`;
  }

  /** Sorted set of sweeps with a live coordinator (score: last sign of life, epoch ms). */
  get activeSweeps(): string {
    return `${this.prefix}:sweeps`;
  }

  /** Sorted set of workers (score: last heartbeat, epoch ms). */
  get workers(): string {
    return `${this.prefix}:workers`;
  }

  /** A worker's heartbeat record (JSON), expiring when the heartbeats stop. */
  worker(id: string): string {
    return `${this.prefix}:worker:${id}`;
  }
}

/**
 * The BullMQ queue of one build: workers serve only the queue of their own code version, so a worker
 * with other code never computes a trial of a sweep it would answer differently.
 */
export function trialQueueName(engineVersion: string): string {
  return `trials-${engineVersion}`;
}
