import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BarSeries } from '../../src/core/bars.js';
import { fetchMarketData } from '../../src/data/index.js';
import { type QueueEvent, redisQueue } from '../../src/distributed/coordinator.js';
import { QueueKeys } from '../../src/distributed/keys.js';
import { taskKey } from '../../src/distributed/sweep.js';
import { optimizeStrategy } from '../../src/optimize/optimizer.js';
import { parseSpace } from '../../src/optimize/space.js';
import { walkForward } from '../../src/optimize/walk-forward.js';
import { runCli } from '../helpers/cli.js';
import {
  type CliProcess,
  deletePrefix,
  exactText,
  killAll,
  queueUrl,
  redisClient,
  scratch,
  startWorker,
  testPrefix,
} from './helpers.js';

/**
 * Queue mode against the real Redis: three `neural-trader worker` processes serve a sweep started from
 * this process, and the ranked result is byte-identical to the local run's.
 */
const prefix = testPrefix();
const url = queueUrl(prefix);
const home = scratch();
const workers: (CliProcess & { id: string })[] = [];
let series: BarSeries[];
const space = parseSpace(['fast=5:50:5', 'slow=60:150:10']);

beforeAll(async () => {
  series = [await fetchMarketData('SPX', '2015-01-01', '2019-12-31', 'sample')];
  for (let i = 0; i < 3; i++) workers.push(await startWorker(url, home, ['--concurrency', '1']));
}, 90_000);

afterAll(async () => {
  await killAll(workers);
  await deletePrefix(prefix);
});

describe('a sweep on three worker processes', () => {
  it('ranks exactly as the local run (same numbers, same order), every trial computed once', async () => {
    const input = { strategy: 'sma-crossover', series, space, metric: 'sharpeRatio' as const };
    const local = await optimizeStrategy({ ...input, workers: 1 });
    const events: QueueEvent[] = [];
    const queue = redisQueue(url, { onEvent: (e) => events.push(e), heartbeatMs: 500 });
    const progress: number[] = [];
    const remote = await optimizeStrategy({ ...input, queue, onProgress: (done) => progress.push(done) });
    expect(remote.trials).toHaveLength(100);
    expect(exactText(remote.trials)).toBe(exactText(local.trials));
    expect(exactText(remote.best)).toBe(exactText(local.best));
    expect(progress).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // Every worker took part, and no trial ran twice.
    expect(remote.workers).toBe(3);
    const redis = redisClient();
    const keys = new QueueKeys(prefix);
    const runs = await redis.hvals(keys.runs(queue.sweepId as string));
    const data = await redis.keys(`${prefix}:data:*`);
    redis.disconnect();
    expect(runs).toHaveLength(100);
    expect(new Set(runs)).toEqual(new Set(['1']));
    // The bars went to Redis once, as one content-addressed blob.
    expect(data).toHaveLength(1);
    const workersEvent = events.find((e) => e.type === 'workers');
    expect(workersEvent).toMatchObject({ compatible: 3, threads: 3, incompatible: [] });
  }, 120_000);

  it('walk-forward on the queue equals walk-forward on this machine', async () => {
    const input = {
      strategy: 'sma-crossover',
      series,
      space: parseSpace(['fast=5:20:5', 'slow=30:60:10']),
      inSampleBars: 500,
      outOfSampleBars: 250,
    };
    const local = await walkForward({ ...input, workers: 1 });
    const remote = await walkForward({ ...input, queue: redisQueue(url) });
    expect(remote.windows.length).toBeGreaterThan(1);
    expect(exactText(remote.windows)).toBe(exactText(local.windows));
    expect(exactText([remote.stitchedEquity, remote.stitchedTimestamps, remote.outOfSample])).toBe(
      exactText([local.stitchedEquity, local.stitchedTimestamps, local.outOfSample]),
    );
    expect(remote.trialsRun).toBe(local.trialsRun);
  }, 120_000);

  it('the CLI prints the same table with --queue as without, and the same JSON trials', () => {
    const args = [
      'optimize',
      '--strategy',
      'sma-crossover',
      '--symbols',
      'SPX',
      '--start',
      '2015-01-01',
      '--end',
      '2019-12-31',
      '--range',
      'fast=10:30:10',
      'slow=60:120:30',
      '--top',
      '9',
    ];
    const local = runCli([...args, '--workers', '1'], home);
    const queued = runCli([...args, '--queue', url, '--workers', '2'], home);
    expect(local.code, local.stderr).toBe(0);
    expect(queued.code, queued.stderr).toBe(0);
    // The first line states workers and elapsed time; the ranked table below it is identical.
    const table = (text: string) => text.split('\n').slice(1).join('\n');
    expect(table(queued.stdout)).toBe(table(local.stdout));
    expect(queued.stdout.split('\n')[0]).toMatch(/9 parameter sets, grid search, [1-3] worker\(s\)/);
    expect(queued.stderr).toMatch(/sweep sw-[0-9a-f]{12} queued on redis:\/\/127\.0\.0\.1:6379\/0/);
    expect(queued.stderr).toMatch(/workers: 3 on this build \(3 trial threads\)/);
    // The resume hint reaches the same queue: URL and this test's prefix, quoted for the shell.
    expect(queued.stderr).toMatch(
      /finish it with `npx neural-trader optimize --resume sw-[0-9a-f]{12} --queue "redis:\/\/127\.0\.0\.1:6379\/0\?prefix=[\w.-]+"`/,
    );
    expect(queued.stderr).toMatch(/^warning: --workers is ignored with --queue/m);
    expect(queued.stderr).toMatch(/optimise \[#+\] 9\/9 100% eta 0s [\d.]+\/s/);
    const localJson = JSON.parse(runCli([...args, '--workers', '1', '--json'], home).stdout);
    const queuedJson = JSON.parse(runCli([...args, '--queue', url, '--json'], home).stdout);
    expect(queuedJson.trials).toEqual(localJson.trials);
  }, 120_000);

  it('a duplicated job (same trial enqueued twice under another id) is counted once', async () => {
    const input = { strategy: 'sma-crossover', series, space: parseSpace(['fast=5,10', 'slow=60']) };
    const queue = redisQueue(url);
    const first = await optimizeStrategy({ ...input, queue });
    const sweepId = queue.sweepId as string;
    const keys = new QueueKeys(prefix);
    const redis = redisClient();
    const before = await redis.hgetall(keys.runs(sweepId));
    // Re-deliver both trials as new jobs: workers run them again, the stored results stay as they were.
    const { Queue } = await import('bullmq');
    const { codeVersion } = await import('../../src/distributed/version.js');
    const bull = new Queue(`trials-${codeVersion().engine}`, { connection: { host: '127.0.0.1' }, prefix });
    expect(Object.keys(before)).toHaveLength(2);
    const stored = await redis.hgetall(keys.results(sweepId));
    await bull.addBulk(
      first.trials.map((t, i) => ({
        name: 'trial',
        data: {
          s: sweepId,
          k: taskKey({ params: t.params, from: 0, to: first.bars }),
          t: { params: t.params, from: 0, to: first.bars, keepEquity: false },
        },
        opts: { jobId: `dup-${i}-${sweepId}`, removeOnComplete: true },
      })),
    );
    const { waitFor } = await import('./helpers.js');
    await waitFor(async () => {
      const runs = await redis.hvals(keys.runs(sweepId));
      return runs.every((n) => n === '2');
    });
    expect(await redis.hgetall(keys.results(sweepId))).toEqual(stored);
    const done = (await redis.xrange(keys.events(sweepId), '-', '+')).filter(([, f]) => f[1] === 'done');
    expect(done).toHaveLength(2);
    await bull.close();
    redis.disconnect();
  }, 60_000);
});
