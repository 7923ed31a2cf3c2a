// Neural forecasting benchmark: N-HiTS (input 64, horizon 5) on 10 years of daily SPX.
// Prints training time for 20 epochs, single-forecast latency (median of 1000 calls), batched inference
// throughput and the model file size, each next to its target.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchMarketData, initNeuralBackend, loadModel, NHiTS } from '../dist/index.js';

const backend = await initNeuralBackend();
const series = await fetchMarketData('SPX', '2010-01-01', '2019-12-31', 'sample');
console.log(`data: ${series.length} daily SPX bars 2010-2019; tfjs backend: ${backend}`);

const model = new NHiTS({ inputSize: 64, horizon: 5, seed: 42 });
const started = performance.now();
const cpuBefore = process.cpuUsage();
const result = await model.train(series, { epochs: 20, patience: 0, batchSize: 32 });
const trainSeconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  `N-HiTS train 20 epochs (${result.trainSamples} samples, ${model.parameterCount} params): ${trainSeconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU (target < 30 s)`,
);

const closes = series.close;
const window = closes.subarray(closes.length - 200);
for (let i = 0; i < 50; i++) model.predict(window); // warm-up
const times = new Float64Array(1000);
for (let i = 0; i < times.length; i++) {
  const t0 = performance.now();
  model.predict(window);
  times[i] = performance.now() - t0;
}
times.sort();
console.log(
  `single forecast latency: median ${times[500].toFixed(3)} ms, p99 ${times[990].toFixed(3)} ms (target < 1 ms)`,
);

const origins = Int32Array.from({ length: closes.length - 65 }, (_, k) => 64 + k);
model.forecastAt(closes, origins.subarray(0, 256));
const t1 = performance.now();
const rounds = 5;
for (let r = 0; r < rounds; r++) model.forecastAt(closes, origins);
const perSecond = (rounds * origins.length) / ((performance.now() - t1) / 1000);
console.log(
  `batched inference: ${Math.round(perSecond).toLocaleString('en-US')} forecasts/s (${origins.length} windows per call)`,
);

const dir = mkdtempSync(join(tmpdir(), 'nt-bench-neural-'));
const path = join(dir, 'nhits.bin');
model.save(path);
const bytes = statSync(path).size;
const t2 = performance.now();
const loaded = loadModel(path);
const loadMs = performance.now() - t2;
const same = loaded.predict(window).every((v, j) => v === model.predict(window)[j]);
console.log(
  `model file: ${(bytes / 1024).toFixed(1)} KiB (${model.parameterCount} float32 weights + metadata); load ${loadMs.toFixed(1)} ms; reloaded predictions identical: ${same}`,
);
rmSync(dir, { recursive: true, force: true });
