import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectUserError, ROOT, runCli } from '../helpers/cli.js';
import {
  callError,
  callOk,
  connectStdio,
  makeSandbox,
  type Sandbox,
  type StdioSession,
} from '../mcp/helpers.js';
import {
  type CliProcess,
  deletePrefix,
  freePort,
  killAll,
  queueUrl,
  scratch,
  startWorker,
  testPrefix,
  waitFor,
} from './helpers.js';

/**
 * The other faces of queue mode: the MCP optimize_strategy `queue` argument, the CLI's refusals, and
 * what coordinator and worker say when they run different builds.
 */
const prefix = testPrefix();
const url = queueUrl(prefix);
const home = scratch();
const processes: CliProcess[] = [];
let sandbox: Sandbox;
let session: StdioSession;

beforeAll(async () => {
  processes.push(await startWorker(url, home, ['--concurrency', '1']));
  sandbox = makeSandbox();
  session = await connectStdio(sandbox, { NEURAL_TRADER_QUEUE_URL: url });
}, 60_000);

afterAll(async () => {
  await session?.close();
  sandbox?.cleanup();
  await killAll(processes);
  await deletePrefix(prefix);
});

const args = {
  strategy: 'sma-crossover',
  symbols: ['AAPL'],
  start_date: '2014-01-01',
  end_date: '2016-12-31',
  param_space: { fast: [5, 10], slow: { min: 30, max: 50, step: 10 } },
  top: 6,
};

describe('MCP optimize_strategy on a queue', () => {
  it('returns what the in-server run returns, with the sweep id', async () => {
    const local = await callOk(session.client, 'optimize_strategy', args);
    const viaUrl = await callOk(session.client, 'optimize_strategy', { ...args, queue: url });
    const viaDefault = await callOk(session.client, 'optimize_strategy', { ...args, queue: 'default' });
    const { workers: _w, elapsed_ms: _e, sweep_id: localSweep, ...localRest } = local;
    expect(localSweep).toBeNull();
    for (const queued of [viaUrl, viaDefault]) {
      const { workers, elapsed_ms: _q, sweep_id, ...rest } = queued;
      expect(rest).toEqual(localRest);
      expect(workers).toBe(1);
      expect(sweep_id).toMatch(/^sw-[0-9a-f]{12}$/);
    }
  }, 90_000);

  it('a bad or unreachable queue is a tool error without the password', async () => {
    const port = await freePort();
    const unreachable = await callError(session.client, 'optimize_strategy', {
      ...args,
      queue: `redis://:Secret-9f8e7d@127.0.0.1:${port}`,
    });
    expect(unreachable).toMatch(
      new RegExp(`cannot reach Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${port}/0`),
    );
    expect(unreachable).not.toContain('Secret-9f8e7d');
    const bad = await callError(session.client, 'optimize_strategy', {
      ...args,
      queue: 'http://:Secret-9f8e7d@x',
    });
    expect(bad).toMatch(/queue: unsupported scheme "http:\/\/"/);
    expect(bad).not.toContain('Secret-9f8e7d');
    expect(session.stderr()).not.toContain('Secret-9f8e7d');
  }, 60_000);
});

describe('CLI refusals', () => {
  it('names what is missing or malformed in one line', () => {
    expectUserError(
      runCli(['optimize', '--resume', 'sw-0123456789ab'], home),
      /^error: --resume needs --queue/,
    );
    expectUserError(
      runCli(['optimize', '--resume', 'nope', '--queue', url], home),
      /^error: --resume: "nope" is not a sweep id$/,
    );
    expectUserError(
      runCli(['optimize', '--resume', 'sw-0123456789ab', '--queue', url], home),
      /^error: sweep sw-0123456789ab is not on this queue/,
    );
    expectUserError(
      runCli(['optimize', '--symbols', 'SPX', '--queue'], home),
      /^error: --strategy is required$/,
    );
    expectUserError(
      runCli(['optimize', '--strategy', 'sma-crossover', '--symbols', 'SPX', '--queue'], home),
      /^error: --queue: no URL given and NEURAL_TRADER_QUEUE_URL is not set$/,
    );
    const extra = runCli(
      ['optimize', '--resume', 'sw-0123456789ab', '--queue', url, '--strategy', 'x'],
      home,
    );
    expectUserError(extra, /is not on this queue/);
    expect(extra.stderr).toMatch(/^warning: --resume rebuilds the sweep from Redis; --strategy ignored$/m);
    expectUserError(runCli(['worker'], home), /^error: --queue: no URL given/);
    expectUserError(
      runCli(['worker', '--queue', url, '--concurrency', '0'], home),
      /--concurrency: expected a whole number/,
    );
    expectUserError(runCli(['worker', '--queue', url, '--stall-timeout', 'x'], home), /--stall-timeout/);
  }, 60_000);
});

describe('builds that do not match', () => {
  it('the coordinator and the other build`s worker each say so in one line; the sweep runs on its own build', async () => {
    // A copy of the package whose engine differs by one comment: another build.
    const other = scratch('nt-build-');
    cpSync(join(ROOT, 'dist'), join(other, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(other, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(other, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(other, 'node_modules'));
    writeFileSync(join(other, 'dist/backtest/engine.js'), '\n// another build\n', { flag: 'a' });
    mkdirSync(join(other, 'home'));
    // Started from the copy's own entry point, so it hashes the copy's engine.
    const child = spawn(
      process.execPath,
      [join(other, 'bin/neural-trader.js'), 'worker', '--queue', url, '--heartbeat', '0.5'],
      {
        cwd: join(other, 'home'),
        env: {
          PATH: process.env.PATH,
          HOME: join(other, 'home'),
          NEURAL_TRADER_HOME: join(other, 'home', 'nt'),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let strangerLog = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      strangerLog += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    processes.push({
      child,
      stdout: () => '',
      stderr: () => strangerLog,
      exited,
      kill: (s) => child.kill(s),
    });
    await waitFor(
      () => /serving/.test(strangerLog),
      30_000,
      () => strangerLog,
    );
    const result = runCli(
      [
        'optimize',
        '--strategy',
        'sma-crossover',
        '--symbols',
        'SPX',
        '--start',
        '2018-01-01',
        '--end',
        '2019-12-31',
        '--range',
        'fast=5,10',
        'slow=50',
        '--queue',
        url,
      ],
      home,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/workers: 1 on this build \(1 trial threads\)/);
    expect(result.stderr).toMatch(
      /1 worker\(s\) run another build \(neural-trader [\d.]+, engine [0-9a-f]{16}\) and will not take these trials/,
    );
    // A sweep that only the other build's worker could serve: that worker says, once, that it will
    // not take it (the sweep is then cancelled; nothing ran).
    const { redisQueue } = await import('../../src/distributed/coordinator.js');
    const { optimizeStrategy } = await import('../../src/optimize/optimizer.js');
    const { generateGbmSeries } = await import('../../src/data/synthetic.js');
    const { parseSpace } = await import('../../src/optimize/space.js');
    const lonely = testPrefix();
    const lonelyUrl = queueUrl(lonely);
    const child2 = spawn(
      process.execPath,
      [join(other, 'bin/neural-trader.js'), 'worker', '--queue', lonelyUrl, '--heartbeat', '0.5'],
      {
        cwd: join(other, 'home'),
        env: { PATH: process.env.PATH, HOME: join(other, 'home') },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let lonelyLog = '';
    child2.stderr?.on('data', (chunk: Buffer) => {
      lonelyLog += chunk.toString();
    });
    const exited2 = new Promise<number | null>((resolve) => child2.once('exit', resolve));
    processes.push({
      child: child2,
      stdout: () => '',
      stderr: () => lonelyLog,
      exited: exited2,
      kill: (s) => child2.kill(s),
    });
    try {
      await waitFor(
        () => /serving/.test(lonelyLog),
        30_000,
        () => lonelyLog,
      );
      const controller = new AbortController();
      const events: unknown[] = [];
      const sweep = optimizeStrategy({
        strategy: 'sma-crossover',
        series: [generateGbmSeries({ bars: 300, seed: 5 })],
        space: parseSpace(['fast=5,10', 'slow=50']),
        queue: redisQueue(lonelyUrl, { onEvent: (e) => events.push(e), heartbeatMs: 500 }),
        signal: controller.signal,
      }).catch((error: Error) => error);
      await waitFor(
        () =>
          /sweep sw-[0-9a-f]{12} runs on neural-trader [\d.]+, engine [0-9a-f]{16}; this worker is .* will not take its trials/.test(
            lonelyLog,
          ),
        20_000,
        () => lonelyLog,
      );
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'workers',
          compatible: 0,
          incompatible: [expect.objectContaining({ workers: 1 })],
        }),
      );
      controller.abort();
      expect(((await sweep) as Error).message).toMatch(
        /^sweep sw-[0-9a-f]{12} stopped; its queued trials still run/,
      );
      expect(lonelyLog.match(/will not take its trials/g)).toHaveLength(1);
    } finally {
      child2.kill('SIGKILL');
      await exited2;
      await deletePrefix(lonely);
    }
  }, 90_000);
});

describe('data that does not match its hash', () => {
  it('fails the sweep with one clear reason (no result), and the worker says so once', async () => {
    const { redisQueue } = await import('../../src/distributed/coordinator.js');
    const { optimizeStrategy } = await import('../../src/optimize/optimizer.js');
    const { parseSpace } = await import('../../src/optimize/space.js');
    const { generateGbmSeries } = await import('../../src/data/synthetic.js');
    const { redisClient } = await import('./helpers.js');
    const own = testPrefix();
    const ownUrl = queueUrl(own);
    const redis = redisClient();
    const started: CliProcess[] = [];
    try {
      const sweep = optimizeStrategy({
        strategy: 'sma-crossover',
        series: [generateGbmSeries({ bars: 500, seed: 11 })],
        space: parseSpace(['fast=5,10', 'slow=50']),
        queue: redisQueue(ownUrl),
      }).then(
        () => undefined,
        (error: Error) => error,
      );
      // The blob is damaged in Redis before any worker reads it.
      let dataKey = '';
      await waitFor(async () => {
        [dataKey = ''] = await redis.keys(`${own}:data:*`);
        return dataKey !== '';
      });
      await redis.set(dataKey, 'damaged');
      const worker = await startWorker(ownUrl, home, ['--concurrency', '1']);
      started.push(worker);
      const error = await sweep;
      expect(error?.message).toMatch(
        /^sweep sw-[0-9a-f]{12}: 2 of 2 trial\(s\) failed on the workers \(first: bar data [0-9a-f]{12}: its SHA-256 does not match its name\); no result was produced$/,
      );
      await waitFor(() =>
        /a trial failed for good: bar data [0-9a-f]{12}: its SHA-256 does not match/.test(worker.stderr()),
      );
      expect(worker.stderr().match(/failed for good/g)).toHaveLength(1);
    } finally {
      redis.disconnect();
      await killAll(started);
      await deletePrefix(own);
    }
  }, 60_000);
});
