import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BIN } from '../helpers/cli.js';

/**
 * Queue-mode tests run against the real Redis on 127.0.0.1:6379, each on its own key prefix (deleted
 * afterwards; nothing else in the shared database is touched), or against a throwaway redis-server they
 * start on a free port (password and outage tests) and stop afterwards.
 */
export const SHARED_REDIS = 'redis://127.0.0.1:6379/0';

export function testPrefix(): string {
  return `nt-test-${randomBytes(5).toString('hex')}`;
}

export function queueUrl(prefix: string, base = SHARED_REDIS): string {
  return `${base}?prefix=${prefix}`;
}

/** Delete every key under `prefix` (SCAN + UNLINK, never FLUSHDB). */
export async function deletePrefix(prefix: string, options: { port?: number; password?: string } = {}) {
  const redis = new Redis({ host: '127.0.0.1', port: options.port ?? 6379, password: options.password });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function redisClient(options: { port?: number; password?: string } = {}): Redis {
  return new Redis({ host: '127.0.0.1', port: options.port ?? 6379, password: options.password });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ThrowawayRedis {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A redis-server of our own on a free port (no persistence), e.g. with --requirepass. */
export async function startRedisServer(args: string[] = []): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nt-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor(
    () => output.includes('Ready to accept connections'),
    10_000,
    () => `redis-server: ${output}`,
  );
  return {
    port,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  describe: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting ${timeoutMs} ms ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Send a signal if the process still runs. */
  kill(signal: NodeJS.Signals): void;
}

/** Spawn the real CLI (bin/neural-trader.js) in `home` without waiting for it. */
export function spawnCli(args: string[], home: string, env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: home,
    env: { PATH: process.env.PATH, HOME: home, NEURAL_TRADER_HOME: join(home, 'nt'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** A `neural-trader worker` process, returned once it serves the queue (its id parsed from its first line). */
export async function startWorker(
  url: string,
  home: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<CliProcess & { id: string }> {
  const worker = spawnCli(['worker', '--queue', url, '--heartbeat', '0.5', ...args], home, env);
  let id = '';
  await waitFor(
    () => {
      id = /worker (\S+) serving/.exec(worker.stderr())?.[1] ?? '';
      return id !== '' || worker.child.exitCode !== null;
    },
    30_000,
    () => worker.stderr(),
  );
  if (!id) throw new Error(`worker did not start: ${worker.stderr()}`);
  return { ...worker, id };
}

/** Stop processes (SIGKILL) that a test left running, and wait for them. */
export async function killAll(processes: CliProcess[]): Promise<void> {
  for (const p of processes) p.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
}

/**
 * A result as text that keeps every bit: non-finite numbers and -0 spelled out, typed arrays as arrays.
 * Two runs are byte-identical when these texts are equal.
 */
export function exactText(value: unknown): string {
  const spell = (x: number) =>
    Number.isFinite(x) && !Object.is(x, -0) ? x : `number:${Object.is(x, -0) ? '-0' : x}`;
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === 'number') return spell(v);
    if (v instanceof Float64Array) return Array.from(v, spell);
    return v;
  });
}

export function scratch(prefix = 'nt-dist-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
