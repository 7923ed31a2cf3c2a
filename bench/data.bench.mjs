#!/usr/bin/env node
// Market data load speed: a 1,000,000-row OHLCV CSV (target < 1000 ms) and the bundled sample datasets.
// Runs against dist/ (build first: `npm run build`, or use `npm run bench`).
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsvBars } from '../dist/data/csv.js';
import { loadSampleSeries, sampleSymbols } from '../dist/data/sample.js';

const ROWS = 1_000_000;
const file = join(tmpdir(), `neural-trader-bench-ohlcv-${ROWS}.csv`);

/** A deterministic random walk of 1-minute bars, written once and reused by later runs. */
function generate() {
  let seed = 12345;
  const uniform = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const chunks = ['Date,Open,High,Low,Close,Adj Close,Volume\n'];
  let ts = Date.UTC(2015, 0, 1);
  let close = 100;
  let chunk = '';
  for (let i = 0; i < ROWS; i++) {
    ts += 60_000;
    const open = close;
    close = Math.max(1, close * (1 + (uniform() - 0.5) * 0.004));
    const high = Math.max(open, close) * (1 + uniform() * 0.001);
    const low = Math.min(open, close) * (1 - uniform() * 0.001);
    const date = new Date(ts).toISOString().slice(0, 19).replace('T', ' ');
    chunk += `${date},${open.toFixed(4)},${high.toFixed(4)},${low.toFixed(4)},${close.toFixed(4)},${close.toFixed(4)},${Math.floor(uniform() * 1e6)}\n`;
    if (chunk.length > 1 << 20) {
      chunks.push(chunk);
      chunk = '';
    }
  }
  chunks.push(chunk);
  writeFileSync(file, chunks.join(''));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');

if (!existsSync(file) || statSync(file).size < 50_000_000) {
  const t = performance.now();
  generate();
  console.log(
    `generated ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB) in ${fmt(performance.now() - t)} ms`,
  );
}

const times = [];
const cpu = [];
let bars = 0;
for (let run = 0; run < 5; run++) {
  globalThis.gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const series = loadCsvBars(file, { symbol: 'BENCH' });
  times.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  bars = series.length;
}
const wall = median(times);
console.log(
  `CSV load ${fmt(bars)} rows (parse + validate): ${fmt(wall)} ms median of 5 (target < 1000 ms), ` +
    `${fmt(bars / (wall / 1000))} rows/s; CPU ${fmt(median(cpu))} ms; runs: ${times.map(fmt).join(', ')} ms`,
);

// Machine reference: the cheapest possible pass that still turns the digits into numbers (no dates, no
// validation, no storage). On a shared machine, compare the loader with this rather than with the target.
{
  const { readFileSync } = await import('node:fs');
  const bytes = readFileSync(file);
  const reference = [];
  for (let run = 0; run < 3; run++) {
    const t = performance.now();
    let mantissa = 0;
    let sum = 0;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c >= 48 && c <= 57) mantissa = mantissa * 10 + (c - 48);
      else if (c === 44 || c === 10) {
        sum += mantissa;
        mantissa = 0;
      }
    }
    reference.push(performance.now() - t + (sum === -1 ? 1 : 0));
  }
  console.log(`reference (bare digit loop over the same bytes, no validation): ${fmt(median(reference))} ms`);
}

const first = [];
for (const symbol of ['SPX', 'AAPL', 'KO', 'USDCHF']) {
  const t0 = performance.now();
  const s = loadSampleSeries(symbol);
  first.push(`${symbol} ${fmt(s.length)} bars ${(performance.now() - t0).toFixed(1)} ms`);
}
console.log(`sample first load: ${first.join('; ')}`);
const t0 = performance.now();
const symbols = sampleSymbols();
for (const symbol of symbols) loadSampleSeries(symbol);
console.log(
  `sample: all ${symbols.length} symbols loaded (rest of the files) in ${fmt(performance.now() - t0)} ms`,
);
const t1 = performance.now();
const reps = 10_000;
for (let i = 0; i < reps; i++) loadSampleSeries(symbols[i % symbols.length]);
console.log(`sample cached load: ${(((performance.now() - t1) / reps) * 1000).toFixed(2)} µs per call`);
