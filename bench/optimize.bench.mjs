// Optimisation: a 100-combination grid search (SMA crossover, 10 x 10 grid) in-process versus on two
// worker threads. "Uses both cores" shows as CPU time / wall time near 2 and a speed-up over one thread.
// Two workloads: a long sweep (500,000 synthetic minute bars per trial), where threads pay for their
// start-up, and a short one (the bundled USD/CHF 30-minute file, 62,496 bars), where the optimiser's
// default keeps the sweep in-process because starting threads would cost more than it saves.
import { Worker } from 'node:worker_threads';
import { fetchMarketData, generateGbmSeries, optimizeStrategy, parseSpace } from '../dist/index.js';

// Machine reference: how much faster two plain CPU-bound threads finish than one. On a machine whose two
// vCPUs share one physical core this is about 1.0, and no optimiser can beat it.
async function threadScaling() {
  const code = `let x = 0; for (let i = 0; i < 3e8; i++) x += i % 7; require('node:worker_threads').parentPort.postMessage(x);`;
  const run = async (n) => {
    const started = performance.now();
    await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise((resolve) => {
            const worker = new Worker(code, { eval: true });
            worker.on('message', () => worker.terminate().then(resolve));
          }),
      ),
    );
    return performance.now() - started;
  };
  const one = await run(1);
  const two = await run(2);
  return (2 * one) / two;
}

const space = parseSpace(['fast=5:50:5', 'slow=60:150:10']);

async function measure(series, workers) {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await optimizeStrategy({
    strategy: 'sma-crossover',
    series: [series],
    space,
    workers,
    metric: 'sharpeRatio',
  });
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wall, cpuMs: (cpu.user + cpu.system) / 1000, result };
}

function line(label, m) {
  return `${label}: ${m.wall.toFixed(0)} ms wall, CPU/wall ${(m.cpuMs / m.wall).toFixed(2)}, ${m.result.workers} worker(s)`;
}

const scaling = await threadScaling();
console.log(
  `machine: two CPU-bound threads do ${scaling.toFixed(2)}x the work of one in the same time (the ceiling for any speed-up here)`,
);
const long = generateGbmSeries({ bars: 500_000, timeframe: '1Min', seed: 3, symbol: 'SYN' });
await measure(long.slice(0, 50_000), 1); // warm-up: JIT
const single = await measure(long, 1);
const parallel = await measure(long, 2);
console.log(
  `long sweep: 100 combinations x ${long.length.toLocaleString('en-US')} bars = ${(long.length * 100).toLocaleString('en-US')} bar-trials`,
);
console.log(line('  1 thread ', single));
console.log(
  `${line('  2 workers', parallel)} (target: both cores busy), speed-up ${(single.wall / parallel.wall).toFixed(2)}x`,
);
console.log(
  `  same ranking on both: ${JSON.stringify(single.result.best?.params) === JSON.stringify(parallel.result.best?.params)}`,
);

const usdchf = await fetchMarketData('USDCHF', undefined, undefined, 'sample');
const shortAuto = await measure(usdchf, undefined);
const shortForced = await measure(usdchf, 2);
console.log(`short sweep: 100 combinations x ${usdchf.length.toLocaleString('en-US')} bars`);
console.log(line('  default (auto)', shortAuto));
console.log(line('  forced 2 workers', shortForced));
