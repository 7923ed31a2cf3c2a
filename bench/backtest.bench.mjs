// Backtest benchmarks (issue #14): SMA 10/30 crossover throughput on the 252,000-bar seeded GBM, the
// engine time of a 1-year daily pairs backtest, and the whole CLI process (wall time, peak RSS) on the
// small pairs run and on the 252,000-bar file. Prints each figure next to its target and beside the
// previous engine's figure (measured on the same machine before this engine; see BEFORE below).
// NT_ROOT=/path/to/other/checkout runs the same bench against that checkout's dist/ (how BEFORE was measured).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = process.env.NT_ROOT ?? join(here, '..');
const nt = await import(pathToFileURL(join(root, 'dist/index.js')).href);
const { Random } = await import(pathToFileURL(join(root, 'dist/core/random.js')).href);

/**
 * The previous engine (main at 7f2dd76, before issue #14), measured with this same file run as
 * `NT_ROOT=/work/main node bench/backtest.bench.mjs` on this 2-core machine (shared with other jobs).
 */
const BEFORE = {
  commit: '7f2dd76',
  benchBarsPerSec: 5_656_578,
  builtinBarsPerSec: 7_529_062,
  pairsEngineMs: 0.325,
  cliPairsRssMb: 75.4,
  cliPairsWallMs: 463,
  cli252kRssMb: 121.5,
  cli252kWallMs: 1935,
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
const fmt = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const before = (x, unit) => (process.env.NT_ROOT ? '' : ` [before: ${fmt(x)}${unit}]`);

/** Streaming SMA(fast)/SMA(slow) crossover: O(1) per bar, no allocation (ring buffers). */
class StreamingSmaCross {
  name = 'bench-sma-cross';
  constructor(symbol, fast, slow) {
    this.symbols = [symbol];
    this.fast = fast;
    this.slow = slow;
    this.fastBuf = new Float64Array(fast);
    this.slowBuf = new Float64Array(slow);
    this.fastSum = 0;
    this.slowSum = 0;
    this.count = 0;
    this.prevDiff = Number.NaN;
  }
  onBar(ctx) {
    const close = ctx.close();
    const n = this.count++;
    this.fastSum += close - this.fastBuf[n % this.fast];
    this.fastBuf[n % this.fast] = close;
    this.slowSum += close - this.slowBuf[n % this.slow];
    this.slowBuf[n % this.slow] = close;
    if (n + 1 < this.slow) return;
    const diff = this.fastSum / this.fast - this.slowSum / this.slow;
    const prev = this.prevDiff;
    this.prevDiff = diff;
    if (Number.isNaN(prev)) return;
    const position = ctx.position();
    if (prev <= 0 && diff > 0 && position === 0) ctx.orderTargetPercent(this.symbols[0], 1);
    else if (prev >= 0 && diff < 0 && position > 0) ctx.orderTargetQuantity(this.symbols[0], 0);
  }
}

export function syntheticSeries(length, seed) {
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

// (c) SMA-crossover throughput: a bench-local streaming crossover and the built-in sma-crossover.
const bars = 252_000;
const series = syntheticSeries(bars, 7);
for (const [label, make, was] of [
  [
    'SMA(10/30) crossover (bench strategy)',
    () => new StreamingSmaCross('SYN', 10, 30),
    BEFORE.benchBarsPerSec,
  ],
  [
    'built-in sma-crossover(10/30)',
    () => nt.createStrategy('sma-crossover', { symbols: ['SYN'], fast: 10, slow: 30 }),
    BEFORE.builtinBarsPerSec,
  ],
]) {
  const times = [];
  const cpu = [];
  let result;
  for (let run = 0; run < 25; run++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = nt.runBacktest(make(), [series], nt.presets.peerParity);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const ms = median(times.slice(5));
  const best = Math.min(...times.slice(5));
  const cpuMs = median(cpu.slice(5));
  const rate = bars / (ms / 1000);
  console.log(
    `${label}, ${bars.toLocaleString('en-US')} bars: ${ms.toFixed(1)} ms median wall = ` +
      `${fmt(rate)} bars/s (goal >= 15,000,000 bars/s)${before(was, ' bars/s')}; ` +
      `best ${best.toFixed(1)} ms = ${fmt(bars / (best / 1000))} bars/s; ` +
      `CPU ${cpuMs.toFixed(1)} ms = ${fmt(bars / (cpuMs / 1000))} bars/s; ` +
      `${result.fills.length} fills, final equity ${result.finalEquity.toFixed(2)}`,
  );
}

// (a) Engine time of a 1-year daily pairs backtest on the bundled KO/PG closes (data loaded once).
{
  const [ko, pg] = await Promise.all([
    nt.fetchMarketData('KO', '1995-01-01', '1995-12-31', 'sample'),
    nt.fetchMarketData('PG', '1995-01-01', '1995-12-31', 'sample'),
  ]);
  const params = { symbols: ['KO', 'PG'], lookback: 20, entryThreshold: 2.0 };
  const options = { commission: 0.001 };
  const times = [];
  let result;
  for (let run = 0; run < 300; run++) {
    const strategy = nt.createStrategy('pairs', params);
    const t0 = performance.now();
    result = nt.runBacktest(strategy, [ko, pg], options);
    times.push(performance.now() - t0);
  }
  const ms = median(times.slice(50));
  console.log(
    `pairs KO/PG 1995 (${result.bars} daily bars, ${result.fills.length} fills): engine ${ms.toFixed(3)} ms median ` +
      `of 250 runs (target < 5 ms)${process.env.NT_ROOT ? '' : ` [before: ${BEFORE.pairsEngineMs} ms]`}`,
  );
}

// (b) The whole CLI process: wall time and peak RSS, on the small pairs run and on the 252,000-bar file.
const home = mkdtempSync(join(tmpdir(), 'nt-bench-'));
const csv = join(home, 'syn252k.csv');
{
  const lines = ['date,open,high,low,close,volume'];
  for (let i = 0; i < bars; i++) {
    lines.push(
      `${new Date(series.timestamps[i]).toISOString().slice(0, 10)},${series.open[i]},${series.high[i]},${series.low[i]},${series.close[i]},${series.volume[i]}`,
    );
  }
  writeFileSync(csv, `${lines.join('\n')}\n`);
}
function cliRun(label, cliArgs, runs, wasRss, wasWall) {
  const env = { ...process.env, NEURAL_TRADER_HOME: home, LOG_LEVEL: 'warn' };
  const useTime = existsSync('/usr/bin/time');
  // Without GNU time, a preload reports the child's own peak RSS when it exits.
  const preload =
    'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss_kb="+process.resourceUsage().maxRSS+"\\n"))';
  const walls = [];
  const rss = [];
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    const args = [join(root, 'bin/neural-trader.js'), ...cliArgs];
    const child = useTime
      ? spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, ...args], {
          cwd: home,
          env,
          encoding: 'utf8',
        })
      : spawnSync(process.execPath, ['--import', preload, ...args], { cwd: home, env, encoding: 'utf8' });
    walls.push(performance.now() - t0);
    if (child.status !== 0) {
      console.log(`${label} failed (exit ${child.status}): ${child.stderr}`);
      process.exitCode = 1;
      return;
    }
    const match = /maxrss_kb=(\d+)/.exec(child.stderr);
    if (match) rss.push(Number(match[1]) / 1024);
  }
  const peak = rss.length ? Math.max(...rss) : Number.NaN;
  console.log(
    `${label}: wall ${median(walls).toFixed(0)} ms median of ${runs}${process.env.NT_ROOT ? '' : ` [before: ${fmt(wasWall)} ms]`}; ` +
      `peak RSS ${peak.toFixed(1)} MB (goal < 120 MB)${process.env.NT_ROOT ? '' : ` [before: ${wasRss} MB]`}`,
  );
}
cliRun(
  'CLI `backtest --strategy pairs --symbols KO PG` (1995)',
  [
    'backtest',
    '--strategy',
    'pairs',
    '--symbols',
    'KO',
    'PG',
    '--start',
    '1995-01-01',
    '--end',
    '1995-12-31',
  ],
  5,
  BEFORE.cliPairsRssMb,
  BEFORE.cliPairsWallMs,
);
cliRun(
  'CLI `backtest --strategy sma-crossover --file syn252k.csv --preset peer-parity` (252,000 bars)',
  [
    'backtest',
    '--strategy',
    'sma-crossover',
    '--symbols',
    'SYN',
    '--file',
    csv,
    '--preset',
    'peer-parity',
    '--param',
    'fast=10',
    'slow=30',
  ],
  3,
  BEFORE.cli252kRssMb,
  BEFORE.cli252kWallMs,
);
