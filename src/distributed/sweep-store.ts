import type { Redis } from 'ioredis';
import { NeuralTraderError } from '../core/errors.js';
import { publishData } from './data-store.js';
import { type QueueKeys, SWEEP_TTL_SECONDS } from './keys.js';
import { loadManifest, newSweepId, type SweepManifest, saveManifest } from './sweep.js';
import type { QueuedSweep } from './trial-adapter.js';
import { type CodeVersion, describeVersion, sameVersion } from './version.js';

/**
 * Opening a sweep on the queue: its data is stored once (by hash), then a new manifest is written - or,
 * resuming, the stored manifest is checked against this coordinator (same build, same job, same data)
 * and the sweep's keys get a fresh expiry.
 */
export interface PreparedSweep {
  manifest: SweepManifest;
  resumed: boolean;
  dataBytes: number;
}

/** The sweep's fields that must match for a resumed run to continue it. */
function sameSweep(manifest: SweepManifest, sweep: QueuedSweep, dataSha: string): boolean {
  return (
    manifest.kind === sweep.kind &&
    manifest.data.sha256 === dataSha &&
    JSON.stringify(manifest.job) === JSON.stringify(sweep.job)
  );
}

export function unknownSweep(id: string): NeuralTraderError {
  return new NeuralTraderError(
    'NOT_FOUND',
    `sweep ${id} is not on this queue (unknown, or expired after 7 days)`,
    {
      hint: 'check the id and the queue URL (including ?prefix=) it was started with',
    },
  );
}

export async function prepareSweep(
  redis: Redis,
  keys: QueueKeys,
  sweep: QueuedSweep,
  version: CodeVersion,
  resume: string | undefined,
): Promise<PreparedSweep> {
  const data = await publishData(redis, keys, sweep.series);
  if (resume) {
    const manifest = await loadManifest(redis, keys, resume);
    if (!manifest) throw unknownSweep(resume);
    if (!sameVersion(manifest.version, version)) {
      throw new NeuralTraderError(
        'CONFIG',
        `sweep ${resume} was started by ${describeVersion(manifest.version)}; this is ${describeVersion(version)}`,
        { hint: 'resume it with the build that started it, or start a new sweep' },
      );
    }
    if (!sameSweep(manifest, sweep, data.sha256)) {
      throw new NeuralTraderError('CONFIG', `sweep ${resume} ran a different job or data than this one`, {
        hint: 'resume with `npx neural-trader optimize --resume ID --queue URL` alone: the sweep is rebuilt from its manifest',
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
