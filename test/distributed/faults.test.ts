import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { generateGbmSeries } from '../../src/data/synthetic.js';
import { type QueueEvent, redisQueue } from '../../src/distributed/coordinator.js';
import { QueueKeys, trialQueueName } from '../../src/distributed/keys.js';
import { taskKey } from '../../src/distributed/sweep.js';
import { codeVersion } from '../../src/distributed/version.js';
import { optimizeStrategy } from '../../src/optimize/optimizer.js';
import { parseSpace } from '../../src/optimize/space.js';
import { runCli } from '../helpers/cli.js';
import {
  type CliProcess,
  deletePrefix,
  exactText,
  killAll,
  queueUrl,
  redisClient,
  scratch,
  spawnCli,
  startWorker,
  testPrefix,
  waitFor,
} from './helpers.js';

/**
 * Faults against the real Redis: a worker SIGKILLed mid-trial, a worker stopped with SIGTERM, a
 * coordinator SIGKILLed and resumed. In every case each trial is counted exactly once and the result
 * equals the local run's.
 */
const processes: CliProcess[] = [];
const prefixes: string[] = [];
const home = scratch();

afterEach(async () => {
  await killAll(processes.splice(0));
  for (const prefix of prefixes.splice(0)) await deletePrefix(prefix);
});

function bullQueue(prefix: string): Queue {
  const queue = new Queue(trialQueueName(codeVersion().engine), {
    connection: { host: '127.0.0.1' },
    prefix,
  });
  queue.on('error', () => {});
  return queue;
}

/** Trials of a few tens of milliseconds each, so a worker is caught in the middle of one. */
const series = [generateGbmSeries({ bars: 40_000, seed: 7, symbol: 'SYN' })];
const space = parseSpace(['fast=5:60:5', 'slow=80:240:20']);
const input = { strategy: 'sma-crossover', series, space, metric: 'sharpeRatio' as const };

describe('a worker that dies', () => {
  it('SIGKILL mid-trial: its jobs go to the other worker and the sweep completes with every trial exactly once', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const url = queueUrl(prefix);
    const stall = ['--concurrency', '1', '--stall-timeout', '1'];
    const victim = await startWorker(url, home, stall);
    const survivor = await startWorker(url, home, stall);
    processes.push(victim, survivor);
    const local = await optimizeStrategy({ ...input, workers: 1 });
    const events: QueueEvent[] = [];
    const queue = redisQueue(url, { onEvent: (e) => events.push(e) });
    const sweep = optimizeStrategy({ ...input, queue });
    // Kill the victim while BullMQ has it holding a job (running, or next in its thread's queue).
    const bull = bullQueue(prefix);
    await waitFor(async () => {
      const active = await bull.getActive();
      return active.some((job) => job.processedBy === victim.id);
    });
    victim.kill('SIGKILL');
    await victim.exited;
    const remote = await sweep;
    await bull.close();

    expect(exactText(remote.trials)).toBe(exactText(local.trials));
    const keys = new QueueKeys(prefix);
    const redis = redisClient();
    const sweepId = queue.sweepId as string;
    const results = await redis.hlen(keys.results(sweepId));
    const announced = (await redis.xrange(keys.events(sweepId), '-', '+')).filter(([, f]) => f[1] === 'done');
    redis.disconnect();
    expect(results).toBe(local.trials.length);
    // One "done" per trial: none counted twice, none missing.
    expect(new Set(announced.map(([, f]) => f[3])).size).toBe(local.trials.length);
    expect(announced).toHaveLength(local.trials.length);
    // The victim's jobs were taken back by the stalled-job check, not lost.
    expect(events.some((e) => e.type === 'requeued')).toBe(true);
  }, 120_000);

  it('SIGTERM: the worker finishes or returns its trials and exits 0; the sweep completes once each', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const url = queueUrl(prefix);
    const stopping = await startWorker(url, home, ['--concurrency', '1']);
    const other = await startWorker(url, home, ['--concurrency', '1']);
    processes.push(stopping, other);
    const local = await optimizeStrategy({ ...input, workers: 1 });
    const queue = redisQueue(url);
    const sweep = optimizeStrategy({ ...input, queue });
    const bull = bullQueue(prefix);
    await waitFor(async () => (await bull.getActive()).some((job) => job.processedBy === stopping.id));
    await bull.close();
    stopping.kill('SIGTERM');
    expect(await stopping.exited).toBe(0);
    expect(stopping.stderr()).toMatch(/SIGTERM: taking no more trials/);
    expect(stopping.stderr()).toMatch(/stopped after \d+ trial\(s\)/);
    const remote = await sweep;
    expect(exactText(remote.trials)).toBe(exactText(local.trials));
    const redis = redisClient();
    const runs = await redis.hvals(new QueueKeys(prefix).runs(queue.sweepId as string));
    redis.disconnect();
    // Graceful: nothing was computed twice.
    expect(runs).toHaveLength(local.trials.length);
    expect(new Set(runs)).toEqual(new Set(['1']));
  }, 120_000);
});

describe('a coordinator that dies', () => {
  it('`optimize --resume` collects finished trials and enqueues only the missing ones, redoing none', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const url = queueUrl(prefix);
    const args = [
      'optimize',
      '--strategy',
      'sma-crossover',
      '--symbols',
      'SPX',
      '--range',
      'fast=2:40:2',
      'slow=50:200:10',
      '--json',
    ];
    const first = await startWorker(url, home, ['--concurrency', '1']);
    processes.push(first);
    const coordinator = spawnCli([...args, '--queue', url], home);
    processes.push(coordinator);
    let sweepId = '';
    await waitFor(() => {
      sweepId = /sweep (sw-[0-9a-f]{12}) queued/.exec(coordinator.stderr())?.[1] ?? '';
      return sweepId !== '';
    });
    const keys = new QueueKeys(prefix);
    const redis = redisClient();
    const total = 20 * 16;
    await waitFor(async () => (await redis.hlen(keys.results(sweepId))) >= 20);
    coordinator.kill('SIGKILL');
    await coordinator.exited;
    // The worker stops too (finishing what it holds); then every queued job is dropped, as if the
    // coordinator had died before enqueueing them.
    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const bull = bullQueue(prefix);
    await bull.obliterate({ force: true });
    const finished = await redis.hlen(keys.results(sweepId));
    expect(finished).toBeGreaterThanOrEqual(20);
    expect(finished).toBeLessThan(total);
    // An attempt that failed for good before the restart is history: the resumed run retries the trial.
    const stored = new Set(await redis.hkeys(keys.results(sweepId)));
    const bars = JSON.parse((await redis.get(keys.sweep(sweepId))) as string).data.bars as number;
    const grid = [];
    for (let fast = 2; fast <= 40; fast += 2) {
      for (let slow = 50; slow <= 200; slow += 10)
        grid.push(taskKey({ params: { fast, slow }, from: 0, to: bars }));
    }
    expect(new Set([...grid, ...stored]).size).toBe(total);
    const unfinished = grid.find((key) => !stored.has(key)) as string;
    await redis.xadd(
      keys.events(sweepId),
      '*',
      't',
      'fail',
      'k',
      unfinished,
      'w',
      'old',
      'r',
      'boom',
      'f',
      '1',
    );

    const resumed = spawnCli(['optimize', '--resume', sweepId, '--queue', url, '--json'], home);
    processes.push(resumed);
    // With no worker yet, the queue fills with exactly the missing trials.
    await waitFor(async () => (await bull.getWaitingCount()) === total - finished);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await bull.getWaitingCount()).toBe(total - finished);
    const second = await startWorker(url, home, ['--concurrency', '1']);
    processes.push(second);
    expect(await resumed.exited, resumed.stderr()).toBe(0);
    expect(resumed.stderr()).toMatch(new RegExp(`sweep ${sweepId} resumed`));
    const runs = await redis.hvals(keys.runs(sweepId));
    await bull.close();
    redis.disconnect();
    // Every trial ran exactly once across both coordinators.
    expect(runs).toHaveLength(total);
    expect(new Set(runs)).toEqual(new Set(['1']));
    const local = runCli([...args, '--workers', '1'], home);
    // The resumed run's result is the local run's: same ranked trials, same stated assumptions.
    const { elapsedMs: _a, workers: _b, ...resumedResult } = JSON.parse(resumed.stdout());
    const { elapsedMs: _c, workers: _d, ...localResult } = JSON.parse(local.stdout);
    expect(resumedResult).toEqual(localResult);
  }, 180_000);
});
