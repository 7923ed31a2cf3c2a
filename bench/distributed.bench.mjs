// Queue mode (issue 18): what running trials through BullMQ on Redis costs over worker threads, and how a
// 1,000-trial grid's wall time goes with 1 and 2 worker processes on this machine.
//
// - Tiny trials (SMA crossover on 124 daily bars, 1,000 parameter sets, all valid): queue mode with one worker
//   process of 2 trial threads against thread mode with 2 threads; the difference per trial is the queue's
//   overhead (target < 2 ms), 1,000 / wall is the throughput (target >= 1,000 trials/s through one Redis).
//   CPU is counted too (this process, the worker processes, the Redis server): on a shared machine CPU
//   per trial is steadier than wall time, and Redis CPU per trial bounds what one Redis can serve.
// - The 1,000-trial grid (SMA crossover on 1,258 daily bars of SPX) with 1 and 2 worker processes of one
//   trial thread each, next to thread mode with 1 and 2 threads.
// Needs the Redis at 127.0.0.1:6379 (or BENCH_REDIS_URL); each run uses its own key prefix and deletes it.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { fetchMarketData, optimizeStrategy, parseSpace, redisQueue } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'neural-trader.js');
const base = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const prefix = `nt-bench-${randomBytes(4).toString('hex')}`;
const url = `${base}?prefix=${prefix}`;
const REPEATS = 3;

const redis = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 1 });
redis.on('error', () => {});
try {
  await redis.connect();
} catch {
  console.log(`skipped: no Redis at ${base} (start one or set BENCH_REDIS_URL)`);
  process.exit(0);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** CPU seconds of a process and its threads (Linux /proc). */
function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

async function redisCpuMs() {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
  return (user + sys) * 1000;
}

function startWorker(threads) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--concurrency', String(threads)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
      if (/serving/.test(log)) resolve(child);
    });
    child.once('exit', () => reject(new Error(`worker exited: ${log}`)));
  });
}

async function stopWorkers(workers) {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((resolve) => {
          w.removeAllListeners('exit');
          w.once('exit', resolve);
          w.kill('SIGTERM');
        }),
    ),
  );
}

/** Time sweeps: median wall and CPU per trial over REPEATS runs after one warm-up. */
async function measure(label, run, trials, pids = []) {
  await run();
  const walls = [];
  const cpus = [];
  const redisCpus = [];
  for (let i = 0; i < REPEATS; i++) {
    const own = process.cpuUsage();
    const others = pids.map(processCpuMs);
    const redisBefore = await redisCpuMs();
    const started = performance.now();
    await run();
    walls.push(performance.now() - started);
    const usage = process.cpuUsage(own);
    const redisUsed = (await redisCpuMs()) - redisBefore;
    const workerCpu = pids.reduce((sum, pid, k) => sum + processCpuMs(pid) - others[k], 0);
    cpus.push((usage.user + usage.system) / 1000 + workerCpu + redisUsed);
    redisCpus.push(redisUsed);
  }
  const wall = median(walls);
  const result = {
    label,
    wall,
    perTrialMs: wall / trials,
    rate: (trials / wall) * 1000,
    cpuPerTrialMs: median(cpus) / trials,
    redisCpuPerTrialMs: median(redisCpus) / trials,
  };
  console.log(
    `  ${label.padEnd(34)} ${wall.toFixed(0).padStart(6)} ms wall (median of ${REPEATS}, min ${Math.min(...walls).toFixed(0)}), ` +
      `${result.rate.toFixed(0)} trials/s, CPU ${result.cpuPerTrialMs.toFixed(3)} ms/trial` +
      (pids.length ? ` (Redis ${result.redisCpuPerTrialMs.toFixed(3)})` : ''),
  );
  return result;
}

try {
  // ---- tiny trials: the queue's own cost -----------------------------------------------------------
  const tiny = [await fetchMarketData('SPX', '2019-01-01', '2019-06-30', 'sample')];
  const tinySpace = parseSpace(['fast=1:20:1', 'slow=21:70:1']);
  const tinyInput = { strategy: 'sma-crossover', series: tiny, space: tinySpace };
  console.log(`tiny trials: ${tiny[0].length} bars x 1,000 parameter sets (SMA crossover)`);
  const threads = await measure(
    'thread mode, 2 threads',
    () => optimizeStrategy({ ...tinyInput, workers: 2 }),
    1000,
  );
  const oneWorker = [await startWorker(2)];
  const queued = await measure(
    'queue mode, 1 worker x 2 threads',
    () => optimizeStrategy({ ...tinyInput, queue: redisQueue(url) }),
    1000,
    oneWorker.map((w) => w.pid),
  );
  await stopWorkers(oneWorker);
  const overhead = queued.perTrialMs - threads.perTrialMs;
  const cpuOverhead = queued.cpuPerTrialMs - threads.cpuPerTrialMs;
  console.log(
    `  queue overhead per trial: ${overhead.toFixed(3)} ms wall, ${cpuOverhead.toFixed(3)} ms CPU (all processes) (target: < 2 ms)`,
  );
  console.log(
    `  throughput through one Redis: ${queued.rate.toFixed(0)} trials/s here (target: >= 1,000); Redis itself spends ` +
      `${queued.redisCpuPerTrialMs.toFixed(3)} ms CPU a trial, i.e. it could serve ~${(1000 / queued.redisCpuPerTrialMs).toFixed(0)} trials/s with more workers`,
  );

  // ---- a 1,000-trial grid with 1 and 2 workers ---------------------------------------------------
  const spx = [await fetchMarketData('SPX', '2015-01-01', '2019-12-31', 'sample')];
  const gridInput = {
    strategy: 'sma-crossover',
    series: spx,
    space: parseSpace(['fast=2:41:1', 'slow=50:290:10']),
  };
  console.log(`\n1,000-trial grid: ${spx[0].length} bars x 40 x 25 parameter sets (SMA crossover)`);
  await measure('thread mode, 1 thread', () => optimizeStrategy({ ...gridInput, workers: 1 }), 1000);
  await measure('thread mode, 2 threads', () => optimizeStrategy({ ...gridInput, workers: 2 }), 1000);
  for (const count of [1, 2]) {
    const workers = [];
    for (let i = 0; i < count; i++) workers.push(await startWorker(1));
    await measure(
      `queue mode, ${count} worker(s) x 1 thread`,
      () => optimizeStrategy({ ...gridInput, queue: redisQueue(url) }),
      1000,
      workers.map((w) => w.pid),
    );
    await stopWorkers(workers);
  }
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
