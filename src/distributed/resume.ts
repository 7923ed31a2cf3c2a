import { NeuralTraderError } from '../core/errors.js';
import { openConnection } from './connection.js';
import { type QueueEvent, type RedisQueueOptions, redisQueue } from './coordinator.js';
import { fetchData, seriesOf } from './data-store.js';
import { QueueKeys } from './keys.js';
import { parseQueueUrl } from './queue-url.js';
import { loadManifest, parseSweepId } from './sweep.js';
import { unknownSweep } from './sweep-store.js';
import { optimizeStrategy, validateMetric, walkForward } from './trial-adapter.js';

/**
 * Finish a sweep whose coordinator stopped (crashed, cancelled, lost Redis): rebuild it from its
 * manifest and data in Redis, collect the trials that finished and enqueue only the missing ones. The
 * result is what the original run would have returned.
 */
export interface ResumeSweepInput extends Omit<RedisQueueOptions, 'resume'> {
  /** The queue URL the sweep was started on (same prefix). */
  queue: string;
  sweepId: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export type ResumedSweep =
  | { kind: 'optimize'; result: Awaited<ReturnType<typeof optimizeStrategy>> }
  | { kind: 'walk-forward'; result: Awaited<ReturnType<typeof walkForward>> };

export async function resumeSweep(input: ResumeSweepInput): Promise<ResumedSweep> {
  const target = parseQueueUrl(input.queue);
  const sweepId = parseSweepId(input.sweepId);
  const keys = new QueueKeys(target.prefix);
  const redis = await openConnection(target);
  const { manifest, series } = await (async () => {
    try {
      const stored = await loadManifest(redis, keys, sweepId);
      if (!stored) throw unknownSweep(sweepId);
      return { manifest: stored, series: seriesOf(await fetchData(redis, keys, stored.data.sha256)) };
    } finally {
      redis.disconnect();
    }
  })();
  const { onEvent, outageLimitMs, attempts, heartbeatMs } = input;
  const queue = redisQueue(input.queue, { resume: sweepId, onEvent, outageLimitMs, attempts, heartbeatMs });
  const s = manifest.settings;
  const common = {
    strategy: s.strategy,
    series,
    fixedParams: s.fixedParams,
    space: s.space,
    method: s.method,
    samples: s.samples,
    seed: s.seed,
    metric: s.metric === undefined ? undefined : validateMetric(s.metric),
    backtestOptions: s.backtestOptions,
    dataSource: s.dataSource,
    queue,
    onProgress: input.onProgress,
    signal: input.signal,
  };
  if (manifest.kind === 'walk-forward') {
    if (s.inSampleBars === undefined || s.outOfSampleBars === undefined) {
      throw new NeuralTraderError('DATA', `sweep ${sweepId}: its manifest has no walk-forward windows`);
    }
    const result = await walkForward({
      ...common,
      inSampleBars: s.inSampleBars,
      outOfSampleBars: s.outOfSampleBars,
      anchored: s.anchored,
    });
    return { kind: 'walk-forward', result };
  }
  return { kind: 'optimize', result: await optimizeStrategy(common) };
}

export type { QueueEvent };
