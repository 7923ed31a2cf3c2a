// Backtest benchmarks: engine time on a 1-year daily pairs backtest, the whole CLI process (wall time and
// peak RSS), and SMA-crossover throughput on 252,000 synthetic bars. Prints each figure next to its target.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Random } from '../dist/core/random.js';
import * as nt from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

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

// (c) SMA-crossover throughput: a bench-local streaming crossover and the built-in sma-crossover.
const bars = 252_000;
const series = syntheticSeries(bars, 7);
for (const [label, make] of [
  ['SMA(10/30) crossover (bench strategy)', () => new StreamingSmaCross('SYN', 10, 30)],
  [
    'built-in sma-crossover(10/30)',
    () => nt.createStrategy('sma-crossover', { symbols: ['SYN'], fast: 10, slow: 30 }),
  ],
]) {
  const times = [];
  const cpu = [];
  let result;
  for (let run = 0; run < 15; run++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = nt.runBacktest(make(), [series], nt.presets.peerParity);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const ms = median(times.slice(3));
  const best = Math.min(...times.slice(3));
  const cpuMs = median(cpu.slice(3));
  const rate = bars / (ms / 1000);
  console.log(
    `${label}, ${bars.toLocaleString('en-US')} bars: ${ms.toFixed(1)} ms median wall = ` +
      `${Math.round(rate).toLocaleString('en-US')} bars/s (target >= 5,000,000 bars/s); ` +
      `best ${best.toFixed(1)} ms = ${Math.round(bars / (best / 1000)).toLocaleString('en-US')} bars/s; ` +
      `CPU ${cpuMs.toFixed(1)} ms = ${Math.round(bars / (cpuMs / 1000)).toLocaleString('en-US')} bars/s; ` +
      `${result.fills.length} fills`,
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
      `of 250 runs (target < 5 ms)`,
  );
}

// (b) The whole CLI process: wall time and peak RSS.
{
  const home = mkdtempSync(join(tmpdir(), 'nt-bench-'));
  const cliArgs = [
    join(root, 'bin/neural-trader.js'),
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
  ];
  const env = { ...process.env, NEURAL_TRADER_HOME: home, LOG_LEVEL: 'warn' };
  const useTime = existsSync('/usr/bin/time');
  // Without GNU time, a preload reports the child's own peak RSS when it exits.
  const preload =
    'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss_kb="+process.resourceUsage().maxRSS+"\\n"))';
  const walls = [];
  const rss = [];
  const cpus = [];
  for (let run = 0; run < 7; run++) {
    const t0 = performance.now();
    const child = useTime
      ? spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M cpu_s=%U+%S', process.execPath, ...cliArgs], {
          cwd: home,
          env,
          encoding: 'utf8',
        })
      : spawnSync(process.execPath, ['--import', preload, ...cliArgs], { cwd: home, env, encoding: 'utf8' });
    walls.push(performance.now() - t0);
    if (child.status !== 0) {
      console.log(`CLI backtest failed (exit ${child.status}): ${child.stderr}`);
      process.exitCode = 1;
      break;
    }
    const match = /maxrss_kb=(\d+)/.exec(child.stderr);
    if (match) rss.push(Number(match[1]) / 1024);
    const cpuMatch = /cpu_s=([\d.]+)\+([\d.]+)/.exec(child.stderr);
    if (cpuMatch) cpus.push((Number(cpuMatch[1]) + Number(cpuMatch[2])) * 1000);
  }
  if (walls.length === 7) {
    console.log(
      `CLI \`neural-trader backtest --strategy pairs --symbols KO PG\` (1995): wall ${median(walls).toFixed(0)} ms median of 7 ` +
        `(best ${Math.min(...walls).toFixed(0)} ms; target < 500 ms)` +
        `${cpus.length ? `, CPU ${median(cpus).toFixed(0)} ms median` : ''}; peak RSS ${rss.length ? Math.max(...rss).toFixed(1) : 'n/a'} MB (target < 120 MB)` +
        `${useTime ? ' [/usr/bin/time]' : ' [resourceUsage preload]'}`,
    );
  }
}
