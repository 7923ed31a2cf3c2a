import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { QueueKeys } from './keys.js';
import { type CodeVersion, describeVersion, sameVersion } from './version.js';

/**
 * Workers announce themselves with a heartbeat: a record that expires when the heartbeats stop, listed
 * in a sorted set by last beat. Coordinators read it to say who is serving (and on which build); a
 * trial of a worker that died is recovered by BullMQ's stalled-job check, not by this registry.
 */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  version: CodeVersion;
  threads: number;
  startedAt: number;
  /** Trials finished since the worker started. */
  done: number;
}

const recordSchema = z.object({
  id: z.string().max(200),
  host: z.string().max(255),
  pid: z.number().int(),
  version: z.object({ package: z.string().max(64), engine: z.string().max(64) }),
  threads: z.number().int().min(0),
  startedAt: z.number(),
  done: z.number().int().min(0),
});

/** Publish a heartbeat valid for `ttlMs`. */
export async function publishHeartbeat(
  redis: Redis,
  keys: QueueKeys,
  record: WorkerRecord,
  ttlMs: number,
): Promise<void> {
  const now = Date.now();
  await redis
    .multi()
    .set(keys.worker(record.id), JSON.stringify(record), 'PX', ttlMs)
    .zadd(keys.workers, now, record.id)
    // Entries of workers silent for an hour are dropped (their records expired long ago).
    .zremrangebyscore(keys.workers, '-inf', now - 3_600_000)
    .exec();
}

export async function removeWorker(redis: Redis, keys: QueueKeys, id: string): Promise<void> {
  await redis.multi().del(keys.worker(id)).zrem(keys.workers, id).exec();
}

/** Workers whose heartbeat has not expired. */
export async function liveWorkers(redis: Redis, keys: QueueKeys): Promise<WorkerRecord[]> {
  const ids = await redis.zrangebyscore(keys.workers, Date.now() - 600_000, '+inf');
  if (ids.length === 0) return [];
  const texts = await redis.mget(...ids.map((id) => keys.worker(id)));
  const out: WorkerRecord[] = [];
  for (const text of texts) {
    if (text === null) continue;
    try {
      const parsed = recordSchema.safeParse(JSON.parse(text));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // A record that is not ours is not a worker.
    }
  }
  return out;
}

/** Who serves a build: its workers and their trial threads, and the other builds' workers by version. */
export interface WorkerSummary {
  compatible: number;
  threads: number;
  incompatible: { version: string; workers: number }[];
}

export function summariseWorkers(workers: readonly WorkerRecord[], version: CodeVersion): WorkerSummary {
  let compatible = 0;
  let threads = 0;
  const others = new Map<string, number>();
  for (const w of workers) {
    if (sameVersion(w.version, version)) {
      compatible++;
      threads += w.threads;
    } else {
      const label = describeVersion(w.version);
      others.set(label, (others.get(label) ?? 0) + 1);
    }
  }
  return {
    compatible,
    threads,
    incompatible: [...others].map(([label, count]) => ({ version: label, workers: count })),
  };
}
