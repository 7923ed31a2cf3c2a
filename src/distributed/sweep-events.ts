import type { Redis } from 'ioredis';
import { type QueueKeys, SWEEP_TTL_SECONDS } from './keys.js';

/**
 * A sweep's event stream, written by workers and read by its coordinator: a trial's result was stored
 * ("done", at most once per trial: the store and the announcement are one script), an attempt failed
 * ("fail", final when no retry is left), or a job went back to the queue after its worker went silent
 * ("requeued"). Both sides of the format live here.
 */
export type SweepEvent =
  | { type: 'done'; key: string; worker: string }
  | { type: 'fail'; key: string; worker: string; reason: string; final: boolean }
  | { type: 'requeued'; key: string };

/**
 * Store a result once and announce it; count the run either way (a count above 1 shows redone work).
 * KEYS: results, events, runs. ARGV: task key, encoded trial, worker id, ttl seconds.
 */
const RECORD_RESULT = `
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('EXPIRE', KEYS[3], ARGV[4])
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XADD', KEYS[2], '*', 't', 'done', 'k', ARGV[1], 'w', ARGV[3])
  redis.call('EXPIRE', KEYS[1], ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  return 1
end
return 0
`;

type RecordingRedis = Redis & {
  ntRecordResult(
    results: string,
    events: string,
    runs: string,
    key: string,
    trial: Buffer,
    worker: string,
    ttl: number,
  ): Promise<number>;
};

/** Store a trial's result unless one is stored already; 1 when this call stored it. */
export async function recordResult(
  redis: Redis,
  keys: QueueKeys,
  sweepId: string,
  key: string,
  trial: Buffer,
  worker: string,
): Promise<number> {
  const client = redis as RecordingRedis;
  if (typeof client.ntRecordResult !== 'function') {
    redis.defineCommand('ntRecordResult', { numberOfKeys: 3, lua: RECORD_RESULT });
  }
  return client.ntRecordResult(
    keys.results(sweepId),
    keys.events(sweepId),
    keys.runs(sweepId),
    key,
    trial,
    worker,
    SWEEP_TTL_SECONDS,
  );
}

export async function announceFailure(
  redis: Redis,
  keys: QueueKeys,
  sweepId: string,
  event: { key: string; worker: string; reason: string; final: boolean },
): Promise<void> {
  await redis.xadd(
    keys.events(sweepId),
    '*',
    't',
    'fail',
    'k',
    event.key,
    'w',
    event.worker,
    'r',
    event.reason,
    'f',
    event.final ? '1' : '0',
  );
}

export async function announceRequeued(redis: Redis, keys: QueueKeys, sweepId: string, key: string) {
  await redis.xadd(keys.events(sweepId), '*', 't', 'requeued', 'k', key);
}

/** Events after `afterId`, waiting up to `blockMs` for the first; returns them and the last id read. */
export async function readSweepEvents(
  reader: Redis,
  keys: QueueKeys,
  sweepId: string,
  afterId: string,
  blockMs = 1000,
): Promise<{ events: SweepEvent[]; lastId: string }> {
  const reply = (await reader.xread(
    'COUNT',
    1000,
    'BLOCK',
    blockMs,
    'STREAMS',
    keys.events(sweepId),
    afterId,
  )) as [string, [string, string[]][]][] | null;
  const events: SweepEvent[] = [];
  let lastId = afterId;
  for (const [, entries] of reply ?? []) {
    for (const [entryId, fields] of entries) {
      lastId = entryId;
      const event = parseEvent(fields);
      if (event) events.push(event);
    }
  }
  return { events, lastId };
}

/** One stream entry; entries of another shape (not ours) are skipped. */
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
