#!/usr/bin/env node
// Bar cache speed: one year of daily bars downloaded once from an Alpaca-format server (cold: HTTP +
// JSON validation + one SQLite transaction), then 200 cache hits (median and p99 latency).
// Runs against dist/ (build first: `npm run build`, or use `npm run bench`).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../dist/core/config.js';
import { AlpacaProvider } from '../dist/data/alpaca.js';
import { BarCache } from '../dist/data/cache.js';

const DAY = 86_400_000;
const HIT_CALLS = 200;

/** A minimal Alpaca `GET /v2/stocks/{symbol}/bars` answering with weekday bars for the asked range. */
function startAlpacaFormatServer() {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const url = new URL(req.url, 'http://127.0.0.1');
    const start = Date.parse(url.searchParams.get('start'));
    const end = Date.parse(url.searchParams.get('end'));
    const bars = [];
    let price = 100;
    for (let day = Math.ceil(start / DAY) * DAY; day <= end; day += DAY) {
      const weekday = new Date(day).getUTCDay();
      if (weekday === 0 || weekday === 6) continue;
      const open = price;
      price *= 1 + Math.sin(day / (9 * DAY)) * 0.01;
      bars.push({
        t: new Date(day + 5 * 3_600_000).toISOString().replace('.000Z', 'Z'),
        o: open,
        h: Math.max(open, price) * 1.005,
        l: Math.min(open, price) * 0.995,
        c: price,
        v: 1_000_000 + ((day / DAY) % 1000),
        n: 10_000,
        vw: (open + price) / 2,
      });
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ bars, symbol: 'BENCH', next_page_token: null }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}`, count: () => requests }),
    ),
  );
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const home = mkdtempSync(join(tmpdir(), 'neural-trader-cache-bench-'));
const fake = await startAlpacaFormatServer();
const cache = new BarCache({ path: join(home, 'cache', 'bars.sqlite') });
try {
  const config = loadConfig({
    env: {
      ALPACA_API_KEY: 'bench-key-id',
      ALPACA_SECRET_KEY: 'bench-secret-key',
      ALPACA_DATA_URL: fake.url,
      NEURAL_TRADER_HOME: home,
    },
    envFile: false,
  });
  const provider = new AlpacaProvider({ config, cache });
  const range = { start: '2023-01-01', end: '2023-12-31' };

  const coldStart = performance.now();
  const cold = await provider.fetchBars('BENCH', range);
  const coldMs = performance.now() - coldStart;

  const requestsAfterCold = fake.count();
  const latencies = [];
  for (let i = 0; i < HIT_CALLS; i++) {
    const t0 = performance.now();
    const hit = await provider.fetchBars('BENCH', range);
    latencies.push(performance.now() - t0);
    if (hit.length !== cold.length) throw new Error('cache returned a different series');
  }
  if (fake.count() !== requestsAfterCold) throw new Error('a cache hit made an HTTP request');
  latencies.sort((a, b) => a - b);
  const median = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(
    `Cold fetch, 1 year of daily bars (${cold.length} bars, HTTP + validation + cache write): ${coldMs.toFixed(1)} ms`,
  );
  console.log(
    `Cache hit, same year (${HIT_CALLS} calls): median ${median.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`,
  );
  console.log(`HTTP requests during cache hits: ${fake.count() - requestsAfterCold} (expected 0)`);
} finally {
  cache.close();
  fake.server.close();
  rmSync(home, { recursive: true, force: true });
}
