import type { Redis } from 'ioredis';
import type { BarSeries } from '../core/bars.js';
import { DataError } from '../core/errors.js';
import { decodeSeries, type EncodedData, encodeSeries } from './codec.js';
import { type QueueKeys, SWEEP_TTL_SECONDS } from './keys.js';
import type { SharedSeries } from './trial-adapter.js';
import { seriesFromColumns } from './trial-adapter.js';

/**
 * Bar data travels once per sweep, not once per trial: the coordinator stores the encoded columns under
 * their SHA-256 (skipping the upload when that exact data is already there, e.g. on --resume or a second
 * sweep over the same bars), jobs carry only the hash, and each worker fetches a blob once, checks its
 * hash and keeps it in memory for every later trial of any sweep over the same data.
 */
export interface DataRef {
  sha256: string;
  bytes: number;
}

/** Store the series' columns (if not already there) and refresh their expiry. */
export async function publishData(
  redis: Redis,
  keys: QueueKeys,
  series: readonly BarSeries[],
): Promise<DataRef> {
  const encoded: EncodedData = encodeSeries(series);
  const key = keys.data(encoded.sha256);
  // The blob is sent only when that name does not hold a blob of its length already (a damaged copy of
  // another length is replaced; workers check the hash of what they read either way).
  const stored = await redis.strlen(key);
  if (stored === encoded.blob.length) await redis.expire(key, SWEEP_TTL_SECONDS);
  else await redis.set(key, encoded.blob, 'EX', SWEEP_TTL_SECONDS);
  return { sha256: encoded.sha256, bytes: encoded.blob.length };
}

/** Read the series stored as `sha256`, checking the hash. */
export async function fetchData(redis: Redis, keys: QueueKeys, sha256: string): Promise<SharedSeries[]> {
  const blob = await redis.getBuffer(keys.data(sha256));
  if (!blob) {
    throw new DataError(`bar data ${sha256.slice(0, 12)} is not in Redis (it expires after 7 days unused)`, {
      hint: 'run the sweep again from the coordinator; it uploads the data once more',
    });
  }
  return decodeSeries(blob, sha256);
}

/** A worker's copy of the data of recent sweeps, by hash (a few at a time; each is loaded once). */
export class DataCache {
  private readonly entries = new Map<string, Promise<SharedSeries[]>>();
  private readonly capacity: number;

  constructor(capacity = 4) {
    this.capacity = capacity;
  }

  get(sha256: string, load: () => Promise<SharedSeries[]>): Promise<SharedSeries[]> {
    let entry = this.entries.get(sha256);
    if (entry) {
      // Most recently used last.
      this.entries.delete(sha256);
      this.entries.set(sha256, entry);
      return entry;
    }
    entry = load();
    entry.catch(() => this.entries.delete(sha256));
    this.entries.set(sha256, entry);
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    return entry;
  }
}

export function seriesOf(shared: readonly SharedSeries[]): BarSeries[] {
  return seriesFromColumns(shared);
}
