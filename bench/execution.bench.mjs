// Paper order latency and throughput: submit -> validate -> journal -> paper fill -> journal -> ack.
// Every figure is for durable acknowledgements: submitOrder resolves only after the SQLite commit that
// holds the order, its state changes and its fill (one transaction per order, WAL).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// NT_DIST=/path/to/dist measures another build (e.g. main's, for before/after figures).
const { Journal, OrderManager, PaperBroker } = await import(process.env.NT_DIST ?? '../dist/index.js');
const only = process.env.NT_BENCH_ONLY; // "latency" or "open": one half of the bench

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function run({ label, orders, synchronous, journal: useJournal = true, batch = 1 }) {
  const home = mkdtempSync(join(tmpdir(), 'nt-bench-exec-'));
  const journal = useJournal ? Journal.open(home, { initialCapital: 1e12, synchronous }) : undefined;
  const broker = new PaperBroker({ slippageBps: 5 });
  const manager = new OrderManager({ broker, journal, initialCapital: 1e12 });
  broker.feedBar('AAPL', {
    timestamp: Date.UTC(2024, 0, 2),
    open: 100,
    high: 101,
    low: 99,
    close: 100,
    volume: 1e12,
  });
  const warm = Math.min(1000, orders / 10);
  for (let i = 0; i < warm; i++) {
    await manager.submitOrder({ symbol: 'AAPL', side: i % 2 ? 'sell' : 'buy', quantity: 1, type: 'market' });
  }
  const latencies = new Float64Array(orders);
  const start = process.hrtime.bigint();
  for (let i = 0; i < orders; i += batch) {
    // `batch` callers submit in the same tick (as a strategy does on one bar); they share one commit.
    const pending = [];
    for (let j = i; j < Math.min(orders, i + batch); j++) {
      const t0 = process.hrtime.bigint();
      pending.push(
        manager
          .submitOrder({
            symbol: 'AAPL',
            side: j % 2 ? 'sell' : 'buy',
            quantity: 1 + (j % 5),
            type: 'market',
          })
          .then((order) => {
            latencies[j] = Number(process.hrtime.bigint() - t0) / 1000;
            if (order.status !== 'filled') throw new Error(`order ${j} not filled: ${order.status}`);
          }),
      );
    }
    await Promise.all(pending);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort();
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  const rate = orders / seconds;
  if (journal) {
    const fills = journal.listFills().length;
    if (fills !== orders + warm) throw new Error(`expected ${orders + warm} journaled fills, found ${fills}`);
    journal.close();
  }
  rmSync(home, { recursive: true, force: true });
  console.log(
    `${label.padEnd(46)} p50 ${p50.toFixed(1).padStart(7)} us (target < 100 us)  p99 ${p99.toFixed(1).padStart(8)} us (target < 1000 us)  ${Math.round(rate).toLocaleString('en-US').padStart(7)} orders/s (target >= 10,000)`,
  );
}

const { loadavg, cpus } = await import('node:os');
console.log(
  `machine: ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)} (figures scale with contention)`,
);
if (only !== 'open') {
  console.log('paper market orders, submit -> fill -> journaled; every ack after its SQLite commit:');
  await run({ label: 'one at a time, WAL synchronous=NORMAL, 20k', orders: 20_000, synchronous: 'NORMAL' });
  await run({
    label: '100 per tick (group commit), NORMAL, 50k',
    orders: 50_000,
    synchronous: 'NORMAL',
    batch: 100,
  });
  await run({ label: 'one at a time, WAL synchronous=FULL, 1k', orders: 1_000, synchronous: 'FULL' });
  await run({
    label: '100 per tick (group commit), FULL, 10k',
    orders: 10_000,
    synchronous: 'FULL',
    batch: 100,
  });
  await run({ label: 'no journal (in-memory reference), 20k', orders: 20_000, journal: false });
}

// Opening an account checks its journal before anything is written: the cost every CLI command pays,
// by journal size. "full": quick_check, WAL, every row's checksum, fills against orders and positions
// (a journal with no seal: the first open after a crash, an upgrade, or a file changed by anything else).
// "sealed": the file is byte-identical to the one sealed at its last clean close (SHA-256 of the file),
// so row checksums and quick_check are skipped; the fills/orders/positions cross-check still runs.
async function openCost(orders) {
  const home = mkdtempSync(join(tmpdir(), 'nt-bench-open-'));
  const journal = Journal.open(home, { initialCapital: 1e12 });
  const broker = new PaperBroker();
  const manager = new OrderManager({ broker, journal });
  broker.feedBar('AAPL', {
    timestamp: Date.UTC(2024, 0, 2),
    open: 100,
    high: 101,
    low: 99,
    close: 100,
    volume: 1e12,
  });
  for (let i = 0; i < orders; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(orders, i + 100); j++) {
      batch.push(
        manager.submitOrder({ symbol: 'AAPL', side: j % 2 ? 'sell' : 'buy', quantity: 1, type: 'market' }),
      );
    }
    await Promise.all(batch);
  }
  await manager.close();
  journal.close();
  const seal = join(home, 'accounts', 'paper.sqlite.sealed');
  const measure = (sealed) => {
    const times = [];
    const cpu = [];
    for (let k = 0; k < 7; k++) {
      if (!sealed) rmSync(seal, { force: true });
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      Journal.open(home, { readonly: true }).close();
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    return `${times[3].toFixed(1).padStart(7)} ms (cpu ${cpu[3].toFixed(1)} ms)`;
  };
  const full = measure(false);
  Journal.open(home).close(); // a clean close seals it (no-op on builds without seals)
  const hasSeal = existsSync(seal);
  const sealed = hasSeal ? measure(true) : undefined;
  rmSync(home, { recursive: true, force: true });
  console.log(
    `${`open + integrity check, ${orders.toLocaleString('en-US')} orders/fills`.padEnd(46)} full ${full}${sealed === undefined ? '' : `   sealed ${sealed} (target < 100 ms at 20k)`}  (median of 7)`,
  );
}
if (only !== 'latency') {
  for (const n of [1_000, 20_000, 100_000]) await openCost(n);
}
