import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generateGbmSeries } from '../../src/data/synthetic.js';
import { type QueueEvent, redisQueue } from '../../src/distributed/coordinator.js';
import { optimizeStrategy } from '../../src/optimize/optimizer.js';
import { parseSpace } from '../../src/optimize/space.js';
import { expectUserError, runCli } from '../helpers/cli.js';
import {
  type CliProcess,
  exactText,
  freePort,
  killAll,
  redisClient,
  scratch,
  spawnCli,
  startRedisServer,
  startWorker,
  type ThrowawayRedis,
  waitFor,
} from './helpers.js';

/**
 * Credentials, TLS and connection faults, each against a throwaway redis-server of the test's own (a
 * password cannot be set on the shared one). The password must never reach an output, a log line, an
 * error, or any key in Redis.
 */
const PASSWORD = 'Pw-0f3c9a7e51d2b8';
const home = scratch();
const servers: ThrowawayRedis[] = [];
const processes: CliProcess[] = [];

afterEach(async () => {
  await killAll(processes.splice(0));
});

afterAll(async () => {
  for (const server of servers) await server.stop();
});

const optimizeArgs = [
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
  'slow=50,100',
];

describe('a Redis with a password', () => {
  it('a wrong password is one clear error naming the problem, with no secret in it', async () => {
    const server = await startRedisServer(['--requirepass', PASSWORD]);
    servers.push(server);
    const wrong = `redis://:Wrong-${PASSWORD}@127.0.0.1:${server.port}/0`;
    const result = runCli([...optimizeArgs, '--queue', wrong], home);
    expectUserError(
      result,
      /^error: Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+\/0 refused the user or password in the queue URL \(WRONGPASS\)$/,
    );
    expect(result.stderr).toMatch(/hint: put the right credentials in the URL/);
    expect(result.stderr).not.toContain(PASSWORD);
    const none = runCli([...optimizeArgs, '--queue', `redis://127.0.0.1:${server.port}`], home);
    expectUserError(none, /needs a password and the queue URL has none \(NOAUTH\)/);
    const worker = runCli(['worker', '--queue', wrong], home);
    expectUserError(worker, /refused the user or password/);
    expect(worker.stderr).not.toContain(PASSWORD);
  }, 60_000);

  it('the right password works; it appears in no output, log line, job, manifest or key', async () => {
    const server = await startRedisServer(['--requirepass', PASSWORD]);
    servers.push(server);
    const url = `redis://:${PASSWORD}@127.0.0.1:${server.port}/2?prefix=secure`;
    // From the environment, so the password is not on the command line either.
    const coordinator = spawnCli([...optimizeArgs, '--queue', '--json'], home, {
      NEURAL_TRADER_QUEUE_URL: url,
    });
    processes.push(coordinator);
    const redis = redisClient({ port: server.port, password: PASSWORD });
    await redis.select(2);
    // Before any worker runs: everything the sweep stored (jobs, manifest, data) is free of the secret,
    // and a job carries only the sweep id, the trial's hash and its parameters and bar window.
    await waitFor(async () => (await redis.keys('secure:trials-*:sw-*')).length === 4);
    for (const key of await redis.keys('secure:*')) {
      const dump = await redis.dumpBuffer(key);
      expect(dump?.includes(Buffer.from(PASSWORD)), key).toBe(false);
    }
    const [jobKey] = await redis.keys('secure:trials-*:sw-*');
    const job = JSON.parse((await redis.hget(jobKey, 'data')) as string);
    expect(Object.keys(job).sort()).toEqual(['k', 's', 't']);
    expect(Object.keys(job.t).sort()).toEqual(['from', 'keepEquity', 'params', 'to']);
    const worker = await startWorker(url, home, ['--concurrency', '1']);
    processes.push(worker);
    expect(await coordinator.exited, coordinator.stderr()).toBe(0);
    expect(JSON.parse(coordinator.stdout()).trials).toHaveLength(4);
    expect(coordinator.stderr()).toMatch(/queued on redis:\/\/\*\*\*@127\.0\.0\.1:\d+\/2 \(prefix secure/);
    worker.kill('SIGTERM');
    await worker.exited;
    for (const text of [coordinator.stdout(), coordinator.stderr(), worker.stdout(), worker.stderr()]) {
      expect(text).not.toContain(PASSWORD);
    }
    for (const key of await redis.keys('secure:*')) {
      const dump = await redis.dumpBuffer(key);
      expect(dump?.includes(Buffer.from(PASSWORD)), key).toBe(false);
    }
    redis.disconnect();
  }, 90_000);
});

describe('connection faults', () => {
  it('Redis unreachable at start is one clear error', async () => {
    const port = await freePort();
    const result = runCli([...optimizeArgs, '--queue', `redis://127.0.0.1:${port}`], home);
    expectUserError(
      result,
      new RegExp(`^error: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}/0 \\(ECONNREFUSED\\)$`),
    );
    const url = runCli([...optimizeArgs, '--queue', 'http://127.0.0.1'], home);
    expectUserError(url, /^error: --queue: unsupported scheme "http:\/\/"$/);
    const db = runCli([...optimizeArgs, '--queue', 'redis://127.0.0.1:6379/9999'], home);
    expectUserError(db, /has no database 9999/);
  }, 60_000);

  it('Redis lost mid-sweep: retried with backoff and reported, then the sweep fails without a result', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const url = `redis://127.0.0.1:${server.port}/0`;
    const worker = await startWorker(url, home, ['--concurrency', '1']);
    processes.push(worker);
    const events: QueueEvent[] = [];
    const series = [generateGbmSeries({ bars: 40_000, seed: 3 })];
    let done = 0;
    const sweep = optimizeStrategy({
      strategy: 'sma-crossover',
      series,
      space: parseSpace(['fast=5:60:5', 'slow=80:240:20']),
      queue: redisQueue(url, { onEvent: (e) => events.push(e), outageLimitMs: 1500 }),
      onProgress: (n) => {
        done = n;
      },
    });
    const outcome = sweep.then(
      () => undefined,
      (error: Error) => error,
    );
    await waitFor(() => done >= 3);
    await server.stop();
    const error = await outcome;
    expect(error?.message).toMatch(
      new RegExp(
        `^lost Redis at redis://127\\.0\\.0\\.1:${server.port}/0 for \\d+ s during sweep sw-[0-9a-f]{12}; stopped without a result$`,
      ),
    );
    expect((error as { hint?: string }).hint).toMatch(/--resume sw-[0-9a-f]{12}/);
    const lost = events.filter((e) => e.type === 'connection' && e.state.type === 'lost');
    expect(lost.length).toBeGreaterThan(0);
    // Backoff: the retry delays grow.
    const delays = lost.map((e) =>
      e.type === 'connection' && e.state.type === 'lost' ? e.state.retryInMs : 0,
    );
    expect(Math.max(...delays)).toBeGreaterThan(delays[0]);
    await waitFor(() =>
      /lost Redis at redis:\/\/127\.0\.0\.1:\d+\/0 \([^)]+\); reconnecting with backoff/.test(
        worker.stderr(),
      ),
    );
  }, 90_000);
});

/** TLS needs openssl to make a certificate and a redis-server built with TLS. */
function makeCertificate(dir: string): boolean {
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    return true;
  } catch {
    return false;
  }
}

describe('rediss:// (TLS)', () => {
  const dir = scratch('nt-tls-');
  const haveOpenssl = makeCertificate(dir);

  it.skipIf(!haveOpenssl)(
    'a sweep over TLS with a password equals the local run',
    async () => {
      const port = await freePort();
      const cert = join(dir, 'cert.pem');
      const server = await startRedisServer([
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        cert,
        '--tls-key-file',
        join(dir, 'key.pem'),
        '--tls-ca-cert-file',
        cert,
        '--tls-auth-clients',
        'no',
        '--requirepass',
        PASSWORD,
      ]);
      servers.push(server);
      const url = `rediss://:${PASSWORD}@127.0.0.1:${port}/0`;
      const trust = { NODE_EXTRA_CA_CERTS: cert };
      // Without trusting the certificate: one clear TLS error.
      const untrusted = runCli([...optimizeArgs, '--queue', url], home);
      expectUserError(untrusted, /TLS with Redis at rediss:\/\/\*\*\*@127\.0\.0\.1:\d+\/0 failed \(\w+\)/);
      const worker = await startWorker(url, home, ['--concurrency', '1'], trust);
      processes.push(worker);
      const queued = runCli([...optimizeArgs, '--queue', url, '--json'], home, trust);
      const local = runCli([...optimizeArgs, '--workers', '1', '--json'], home);
      expect(queued.code, queued.stderr).toBe(0);
      expect(exactText(JSON.parse(queued.stdout).trials)).toBe(exactText(JSON.parse(local.stdout).trials));
      expect(queued.stderr + worker.stderr()).not.toContain(PASSWORD);
    },
    90_000,
  );
});
