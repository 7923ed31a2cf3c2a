// Neural forecasting benchmark: N-HiTS (input 64, horizon 5) on 10 years of daily SPX.
// Prints training time for 20 epochs, single-forecast latency (median of 1000 calls), batched inference
// throughput and the model file size, each next to its target; then, for all four models at the small
// defaults and at the neuralforecast reference sizes (--preset neuralforecast): training time per epoch
// and batched forecasts/s (input 64, horizon 5), and each model's speed per parameter and per multiply-add
// against small N-HiTS (the target: LSTM and Transformer within 5x of N-HiTS per parameter).
// Set NEURAL_BENCH_QUICK=1 to skip the reference sizes.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildForecaster, fetchMarketData, initNeuralBackend, loadModel, NHiTS } from '../dist/index.js';
import { getTf } from '../dist/neural/backend.js';

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

// ---- all four models, small defaults and reference sizes ----
const presets = process.env.NEURAL_BENCH_QUICK ? ['small'] : ['small', 'neuralforecast'];
const rows = [];
for (const preset of presets) {
  for (const type of ['nhits', 'nbeats', 'lstm', 'transformer']) {
    const m = buildForecaster(type, { inputSize: 64, horizon: 5, seed: 42, preset });
    const mlp = type === 'nhits' || type === 'nbeats';
    // One epoch on the full 10 years (2 for the fast MLP models), each model's default batch size.
    const epochs = mlp ? 2 : 1;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await m.train(series, { epochs, patience: 0 });
    const msPerEpoch = (performance.now() - t0) / r.epochsRun;
    const cpu = process.cpuUsage(cpu0);
    const count = mlp ? 2048 : 512;
    const batchOrigins = origins.subarray(0, count);
    m.forecastAt(closes, batchOrigins.subarray(0, 32)); // warm-up
    const t1 = performance.now();
    m.forecastAt(closes, batchOrigins);
    const perSec = count / ((performance.now() - t1) / 1000);
    rows.push({
      preset,
      model: type,
      params: m.parameterCount,
      batch: m.defaultBatchSize,
      'train s/epoch': +(msPerEpoch / 1000).toFixed(2),
      'train CPU s/epoch': +((cpu.user + cpu.system) / 1e6 / r.epochsRun).toFixed(2),
      'train us/param/epoch': +((1000 * msPerEpoch) / m.parameterCount).toFixed(1),
      'forecasts/s': Math.round(perSec),
      config: m.config,
    });
    m.dispose();
    console.log(
      `${preset.padEnd(14)} ${type.padEnd(11)} ${String(m.parameterCount).padStart(8)} params  train ${(msPerEpoch / 1000).toFixed(2)} s/epoch (${r.trainSamples} windows, batch ${m.defaultBatchSize})  batched ${Math.round(perSec).toLocaleString('en-US')} forecasts/s`,
    );
  }
}
/**
 * Multiply-adds per forecast (weight applications; elementwise work ignored). MLPs apply each weight once
 * (~ parameter count); an LSTM applies its gate weights at every step; a Transformer applies its per-token
 * weights at every step and attention adds 2 T^2 d per layer (scores and weighted values).
 */
function macsPerForecast(type, c, params) {
  const T = c.inputSize;
  const out = c.horizon * (c.quantiles ? 3 : 1);
  if (type === 'lstm') {
    let macs = c.hiddenSize * out;
    for (let l = 0; l < c.layers; l++)
      macs += T * 4 * c.hiddenSize * ((l === 0 ? 1 : c.hiddenSize) + c.hiddenSize);
    return macs;
  }
  if (type === 'transformer') {
    const D = c.modelSize;
    const perLayer = T * (4 * D * D + 2 * D * c.feedForwardSize) + 2 * T * T * D;
    return T * D + c.layers * perLayer + 2 * D * out;
  }
  return params;
}

// What the machine can do: one XNNPACK matmul and one attention-shaped batched matmul on this backend.
const tf = getTf();
function gflops(a, b, reps) {
  const run = () => {
    const out = tf.matMul(a, b);
    out.dataSync();
    out.dispose();
  };
  run();
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) run();
  const seconds = (performance.now() - t0) / 1000 / reps;
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batches = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  return (2 * batches * m * k * n) / seconds / 1e9;
}
const dense = gflops(tf.randomNormal([2048, 128]), tf.randomNormal([128, 128]), 20);
const attention = gflops(tf.randomNormal([32, 4, 64, 8]), tf.randomNormal([32, 4, 8, 64]), 20);
console.log(
  `matmul on this backend: ${dense.toFixed(1)} GFLOP/s dense [2048x128]x[128x128], ${attention.toFixed(1)} GFLOP/s attention-shaped [128 x (64x8)x(8x64)]`,
);

const base = rows.find((row) => row.preset === 'small' && row.model === 'nhits');
for (const row of rows) {
  const macs = macsPerForecast(row.model, row.config, row.params);
  row['MACs/forecast'] = macs;
  row['train vs N-HiTS per param'] = +(row['train us/param/epoch'] / base['train us/param/epoch']).toFixed(1);
  // Slowdown per parameter: (N-HiTS forecasts/s x params) / (this model's forecasts/s x params).
  row['inference vs N-HiTS per param'] = +(
    (base['forecasts/s'] * base.params) /
    (row['forecasts/s'] * row.params)
  ).toFixed(1);
  // The same per multiply-add (weight application): what each model's work rate is against N-HiTS'.
  row['inference vs N-HiTS per MAC'] = +(
    (base['forecasts/s'] * base['MACs/forecast']) /
    (row['forecasts/s'] * macs)
  ).toFixed(1);
  row['train vs N-HiTS per MAC'] = +(
    row['train s/epoch'] /
    macs /
    (base['train s/epoch'] / base['MACs/forecast'])
  ).toFixed(1);
  row['inference GFLOP/s'] = +((2 * macs * row['forecasts/s']) / 1e9).toFixed(2);
}
console.table(rows.map(({ config, ...row }) => row));
for (const row of rows.filter((r) => r.model === 'lstm' || r.model === 'transformer')) {
  const worst = Math.max(row['train vs N-HiTS per param'], row['inference vs N-HiTS per param']);
  console.log(
    `${row.model} (${row.preset}) vs N-HiTS (small) per parameter: train ${row['train vs N-HiTS per param']}x, inference ${row['inference vs N-HiTS per param']}x slower (target <= 5x: ${worst <= 5 ? 'met' : 'missed'}); per multiply-add: train ${row['train vs N-HiTS per MAC']}x, inference ${row['inference vs N-HiTS per MAC']}x (${row['MACs/forecast'].toLocaleString('en-US')} MACs per forecast vs ${base['MACs/forecast'].toLocaleString('en-US')})`,
  );
}
