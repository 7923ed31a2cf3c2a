// Agent memory benchmarks: insert and query latency at 10k, 100k and 1M stored states of dimension 32.
// Targets (issue #17): exact query at 100k < 20 ms; approximate query at 1M < 2 ms with recall@10 >= 0.95.
// Vectors are i.i.d. standard normal (no cluster structure: the hardest case for an HNSW graph).
// `node bench/memory.bench.mjs 10000 100000` runs only the sizes given.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Random } from '../dist/core/random.js';
import { MemoryStore } from '../dist/memory/store.js';

// `--ann=M,efAdd,efSearch` sets the approximate index (default: the library's DEFAULT_ANN_PARAMETERS).
const annArg = process.argv.find((a) => a.startsWith('--ann='));
const ann = annArg
  ? (([connectivity, expansionAdd, expansionSearch]) => ({ connectivity, expansionAdd, expansionSearch }))(
      annArg.slice(6).split(',').map(Number),
    )
  : undefined;
const sizes = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'))
  .map(Number)
  .filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [10_000, 100_000, 1_000_000];
const DIM = 32;
const QUERIES = 100;
const BATCH = 10_000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} us` : `${ms.toFixed(2)} ms`);

{
  const t0 = performance.now();
  let s = 0;
  for (let i = 0; i < 1e8; i++) s += i * 0.5;
  console.log(
    `Calibration: 1e8 multiply-adds in ${fmt(performance.now() - t0)} (about 100 ms on an idle core)${s < 0 ? '' : ''}`,
  );
}

for (const n of SIZES) {
  const dir = mkdtempSync(join(tmpdir(), 'nt-memory-bench-'));
  const store = MemoryStore.open({
    path: join(dir, 'memory.db'),
    approximateFrom: Number.POSITIVE_INFINITY,
    ann,
  });
  const random = new Random(n);
  const vector = () => Array.from({ length: DIM }, () => random.normal());
  try {
    // Inserts: one transaction per batch of 10,000 (each episode validated, row + vector + metadata).
    let t0 = performance.now();
    for (let done = 0; done < n; done += BATCH) {
      const count = Math.min(BATCH, n - done);
      const batch = Array.from({ length: count }, (_, i) => ({
        kind: 'decision',
        time: 1_000_000_000_000 + (done + i) * 60_000,
        action: 'buy',
        symbol: `S${(done + i) % 50}`,
        strategy: 'momentum',
        state: vector(),
        outcome: { reward: random.normal() / 100 },
      }));
      store.storeEpisodes(batch);
    }
    const insertMs = performance.now() - t0;
    // Single inserts, one committed transaction each (what store_episode does).
    const singles = [];
    for (let i = 0; i < 200; i++) {
      const s0 = performance.now();
      store.storeEpisode({ kind: 'trade', time: 1, action: 'buy', state: vector() });
      singles.push(performance.now() - s0);
    }
    const queries = Array.from({ length: QUERIES }, vector);
    const exactTimes = [];
    const exactIds = [];
    store.retrieveSimilar(queries[0], { k: 10, method: 'exact' });
    for (const q of queries) {
      const s0 = performance.now();
      const r = store.retrieveSimilar(q, { k: 10, method: 'exact' });
      exactTimes.push(performance.now() - s0);
      exactIds.push(new Set(r.neighbours.map((x) => x.episode.id)));
    }
    const filteredTimes = [];
    for (const q of queries.slice(0, 30)) {
      const s0 = performance.now();
      store.retrieveSimilar(q, { k: 10, method: 'exact', filter: { symbol: 'S7', outcome: 'positive' } });
      filteredTimes.push(performance.now() - s0);
    }
    t0 = performance.now();
    const indexed = store.rebuildAnn();
    const buildMs = performance.now() - t0;
    const approxTimes = [];
    const rawTimes = [];
    let hits = 0;
    const index = store.annIndex();
    for (const [i, q] of queries.entries()) {
      const f = Float32Array.from(q);
      const s0 = performance.now();
      index.search(f, 10);
      rawTimes.push(performance.now() - s0);
      const s1 = performance.now();
      const r = store.retrieveSimilar(q, { k: 10, method: 'approximate' });
      approxTimes.push(performance.now() - s1);
      for (const x of r.neighbours) if (exactIds[i].has(x.episode.id)) hits++;
    }
    const recall = hits / (QUERIES * 10);
    console.log(
      `\n${n.toLocaleString('en-US')} vectors of dimension ${DIM}; index ${JSON.stringify(store.annParameters)}`,
    );
    console.log(
      `  insert (batches of ${BATCH}): ${fmt(insertMs)} total, ${((insertMs * 1000) / n).toFixed(1)} us per episode`,
    );
    console.log(`  insert (one transaction each): median ${fmt(median(singles))}, p95 ${fmt(p95(singles))}`);
    const exactTarget =
      n === 100_000 ? ` (target < 20 ms: ${median(exactTimes) < 20 ? 'met' : 'NOT met'})` : '';
    console.log(
      `  exact query k=10 (sqlite-vec): median ${fmt(median(exactTimes))}, p95 ${fmt(p95(exactTimes))}${exactTarget}`,
    );
    console.log(`  exact query k=10 with symbol + outcome filters: median ${fmt(median(filteredTimes))}`);
    console.log(`  approximate index build from the table: ${fmt(buildMs)} (${indexed} vectors)`);
    const approxTarget =
      n === 1_000_000
        ? ` (target < 2 ms with recall >= 0.95: ${median(approxTimes) < 2 && recall >= 0.95 ? 'met' : 'NOT met'})`
        : '';
    console.log(
      `  approximate query k=10 (usearch HNSW): median ${fmt(median(approxTimes))} with episode rows, ${fmt(median(rawTimes))} index only; recall@10 ${recall.toFixed(3)}${approxTarget}`,
    );
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
