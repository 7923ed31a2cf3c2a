// Optimisation benchmarks (issue #14) on the 252,000-bar seeded GBM: the 100-combination SMA grid
// (fast 5..50 step 5 x slow 60..150 step 10) and a 1,000-combination grid (fast 2..51 step 1 x slow
// 60..155 step 5), each on 1 thread, on all threads, and with the automatic thread choice; the peak RSS
// of a process running the 1,000-trial sweep; and the same figures of the previous engine (BEFORE).
// NT_ROOT=/path/to/other/checkout runs the same bench against that checkout's dist/ (how BEFORE was measured).
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = process.env.NT_ROOT ?? join(here, '..');
const nt = await import(pathToFileURL(join(root, 'dist/index.js')).href);
const { Random } = await import(pathToFileURL(join(root, 'dist/core/random.js')).href);

/** The previous engine (main at 7f2dd76), measured with `NT_ROOT=/work/main node bench/optimize.bench.mjs`. */
const BEFORE = {
  commit: '7f2dd76',
  grid100: { one: 3200, all: 4950, auto: 4730 },
  grid1000: { one: 31_710, all: 43_630, auto: 49_520 },
  sweep1000RssMb: 317.6,
};

const GRIDS = {
  grid100: ['fast=5:50:5', 'slow=60:150:10'],
  grid1000: ['fast=2:51:1', 'slow=60:155:5'],
};

function syntheticSeries(length, seed) {
  const random = new Random(seed);
  const series = nt.BarSeries.allocate('SYN', '1Day', length);
  let price = 100;
  for (let i = 0; i < length; i++) {
    const open = price;
    price *= Math.exp(0.0002 + 0.01 * random.normal());
    series.timestamps[i] = Date.UTC(2000, 0, 1) + i * 86_400_000;
    series.open[i] = open;
    series.close[i] = price;
    series.high[i] = Math.max(open, price) * 1.002;
    series.low[i] = Math.min(open, price) * 0.998;
    series.volume[i] = 1_000_000;
  }
  return series;
}

const series = syntheticSeries(252_000, 7);
const all = cpus().length;
const fmtS = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

async function sweep(grid, workers) {
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const result = await nt.optimizeStrategy({
    strategy: 'sma-crossover',
    series: [series],
    space: nt.parseSpace(GRIDS[grid]),
    workers,
    metric: 'sharpeRatio',
    backtestOptions: { ...nt.presets.peerParity },
  });
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const failed = result.trials.filter((t) => t.error).length;
  return { wall, cpuMs: (cpu.user + cpu.system) / 1000, result, failed };
}

// Child mode: run one 1,000-trial sweep and report this process's peak RSS.
if (process.argv[2] === '--rss-child') {
  const { result } = await sweep(
    'grid1000',
    process.argv[3] === 'auto' ? undefined : Number(process.argv[3]),
  );
  await nt.shutdownWorkerPool?.();
  process.stdout.write(
    `${JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, best: result.best?.params })}\n`,
  );
  process.exit(0);
}

const before = (ms) => (process.env.NT_ROOT ? '' : ` [before: ${fmtS(ms)}]`);
// Warm-up: JIT in this thread, and the persistent pool's threads (an engine without one starts threads
// per sweep, so this does not help it). The cold start of the pool is timed on its own.
await sweep('grid100', 1);
{
  const cold = await sweep('grid100', all);
  console.log(
    `first sweep on ${all} threads (cold pool: threads start and load the engine): ${fmtS(cold.wall)}`,
  );
}
const ranks = {};
for (const grid of (process.env.NT_GRIDS ?? 'grid100,grid1000').split(',')) {
  const combos = grid === 'grid100' ? 100 : 1000;
  for (const [label, workers] of [
    ['1 thread', 1],
    [`${all} threads`, all],
    ['auto', undefined],
  ]) {
    if (grid === 'grid1000' && workers === undefined && process.env.NT_QUICK) continue;
    const m = await sweep(grid, workers);
    const key = workers === 1 ? 'one' : workers === undefined ? 'auto' : 'all';
    ranks[`${grid}/${key}`] = JSON.stringify(m.result.trials.map((t) => [t.params, t.score]));
    const goal = grid === 'grid100' ? ' (goal < 1.2 s)' : '';
    console.log(
      `${combos}-combination SMA grid x 252,000 bars, ${label}: ${fmtS(m.wall)} wall${goal}${before(BEFORE[grid][key])}, ` +
        `CPU ${fmtS(m.cpuMs)} (all threads); ` +
        `${m.result.workers} worker(s) used, ${m.failed} failed, best ${JSON.stringify(m.result.best?.params)}`,
    );
  }
  const same =
    new Set(
      Object.entries(ranks)
        .filter(([k]) => k.startsWith(grid))
        .map(([, v]) => v),
    ).size === 1;
  console.log(`  ${grid}: identical ranked results across thread counts: ${same}`);
}
await nt.shutdownWorkerPool?.();

const child = process.env.NT_GRIDS
  ? { status: 0, stdout: '{"maxRssMb":null}' }
  : spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--rss-child', 'auto'], {
      env: process.env,
      encoding: 'utf8',
    });
if (child.status !== 0) {
  console.log(`1,000-trial sweep child failed: ${child.stderr}`);
  process.exitCode = 1;
} else {
  const { maxRssMb } = JSON.parse(child.stdout.trim().split('\n').pop());
  if (maxRssMb !== null)
    console.log(
      `peak RSS of a process running the 1,000-trial sweep (auto threads): ${maxRssMb.toFixed(1)} MB` +
        `${process.env.NT_ROOT ? '' : ` [before: ${BEFORE.sweep1000RssMb} MB]`}`,
    );
}
