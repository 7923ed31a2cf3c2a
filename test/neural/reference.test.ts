import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { getTf, initNeuralBackend } from '../../src/neural/backend.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';
import type { Params } from '../../src/neural/layers.js';
import { LSTMForecaster, NBEATS, NHiTS, TransformerForecaster } from '../../src/neural/models.js';

/**
 * Exact forward passes on fixed (seeded) weights against independent plain-JS re-implementations of the
 * papers' equations (float64, no tfjs). These are the tests that catch a broken architecture:
 * uniform attention weights, a missing N-BEATS backcast subtraction, N-HiTS without its pooling or its
 * knot interpolation each change the outputs far beyond the float32 tolerance used here.
 */

type Weights = Map<string, { shape: number[]; values: Float32Array }>;
type Matrix = number[][];

beforeAll(async () => {
  expect(await initNeuralBackend()).toBe('wasm');
});

function networkOutput(model: NeuralForecaster, x: Matrix): Matrix {
  const tf = getTf();
  const weights = model.getWeights();
  return tf.tidy(() => {
    const params: Params = {};
    for (const [name, w] of weights) params[name] = tf.tensor(w.values, w.shape);
    const constants = model.architecture.constants(tf);
    const out = model.architecture.forward(tf, params, constants, tf.tensor2d(x)).arraySync() as Matrix;
    for (const c of Object.values(constants)) c.dispose();
    return out;
  });
}

function inputs(batch: number, size: number, seed: number): Matrix {
  const rng = new Random(seed);
  return Array.from({ length: batch }, () => Array.from({ length: size }, () => rng.normal()));
}

// ---- plain-JS building blocks (row vectors) ----
function dense(w: Weights, name: string, x: number[]): number[] {
  const kernel = w.get(`${name}/kernel`);
  const bias = w.get(`${name}/bias`);
  if (!kernel || !bias) throw new Error(`no weight ${name}`);
  const [rows, cols] = kernel.shape;
  const out = Array.from(bias.values);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j] += x[i] * kernel.values[i * cols + j];
  return out;
}
const relu = (v: number[]) => v.map((a) => Math.max(0, a));
function mlp(w: Weights, name: string, layers: number, x: number[]): number[] {
  let h = x;
  for (let l = 0; l < layers; l++) h = relu(dense(w, `${name}/${l}`, h));
  return h;
}
function expectClose(actual: Matrix, expected: Matrix): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, r) => {
    expect(row.length).toBe(expected[r].length);
    row.forEach((v, j) => {
      expect(Math.abs(v - expected[r][j])).toBeLessThan(1e-4 * (1 + Math.abs(expected[r][j])));
    });
  });
}

// ---- N-HiTS (Challu et al. 2022) ----
function nhitsReference(model: NHiTS, x: number[]): number[] {
  const c = model.config;
  const w = model.getWeights();
  const outputs = c.quantiles ? 3 : 1;
  let residual = [...x];
  const forecast = new Array(outputs * c.horizon).fill(c.lastValueLevel ? x[x.length - 1] : 0);
  for (let s = 0; s < c.stacks; s++) {
    const k = c.poolKernelSizes[s];
    const coefs = Math.max(1, Math.ceil(c.horizon / c.downsampleFactors[s]));
    for (let b = 0; b < c.blocksPerStack; b++) {
      const name = `stack${s}/block${b}`;
      // MaxPool1d(kernel = stride = k), padded on the left with the first value.
      const pad = (k - (residual.length % k)) % k;
      const padded = [...new Array(pad).fill(residual[0]), ...residual];
      const pooled: number[] = [];
      for (let i = 0; i < padded.length; i += k) pooled.push(Math.max(...padded.slice(i, i + k)));
      const hidden = mlp(w, `${name}/mlp`, c.mlpLayers, pooled);
      const backcast = dense(w, `${name}/backcast`, hidden);
      residual = residual.map((v, i) => v - backcast[i]);
      const knots = dense(w, `${name}/forecast`, hidden);
      for (let q = 0; q < outputs; q++) {
        for (let j = 0; j < c.horizon; j++) {
          // Knots spread evenly over the horizon, linear interpolation between neighbours.
          let value: number;
          if (coefs === 1) value = knots[q * coefs];
          else {
            const position = c.horizon === 1 ? 0 : (j * (coefs - 1)) / (c.horizon - 1);
            const left = Math.min(coefs - 2, Math.floor(position));
            const frac = position - left;
            value = (1 - frac) * knots[q * coefs + left] + frac * knots[q * coefs + left + 1];
          }
          forecast[q * c.horizon + j] += value;
        }
      }
    }
  }
  return forecast;
}

// ---- N-BEATS (Oreshkin et al. 2020) ----
function nbeatsReference(model: NBEATS, x: number[]): number[] {
  const c = model.config;
  const w = model.getWeights();
  const T = c.inputSize;
  const outputs = c.quantiles ? 3 : 1;
  let residual = [...x];
  const forecast = new Array(outputs * c.horizon).fill(c.lastValueLevel ? x[T - 1] : 0);
  // One time axis: the window's last value at t = 0, step h at t = h / T.
  const backT = Array.from({ length: T }, (_, i) => (i + 1 - T) / T);
  const foreT = Array.from({ length: c.horizon }, (_, j) => (j + 1) / T);
  const basis = (type: string, t: number): number[] =>
    type === 'trend'
      ? Array.from({ length: c.polynomialDegree + 1 }, (_, d) => t ** d)
      : [
          1,
          ...Array.from({ length: c.harmonics }, (_, k) => [
            Math.cos(2 * Math.PI * (k + 1) * t),
            Math.sin(2 * Math.PI * (k + 1) * t),
          ]).flat(),
        ];
  c.stackTypes.forEach((type, s) => {
    for (let b = 0; b < c.blocksPerStack; b++) {
      const shared = c.shareWeights && type !== 'generic';
      const name = `stack${s}/block${shared ? 0 : b}`;
      const hidden = mlp(w, `${name}/mlp`, c.mlpLayers, residual);
      const thetaB = dense(w, `${name}/backcast`, hidden);
      const thetaF = dense(w, `${name}/forecast`, hidden);
      let backcast: number[];
      let blockForecast: number[];
      if (type === 'generic') {
        backcast = thetaB;
        blockForecast = thetaF;
      } else {
        backcast = backT.map((t) => basis(type, t).reduce((sum, v, i) => sum + v * thetaB[i], 0));
        const size = basis(type, 0).length;
        blockForecast = [];
        for (let q = 0; q < outputs; q++)
          for (const t of foreT)
            blockForecast.push(basis(type, t).reduce((sum, v, i) => sum + v * thetaF[q * size + i], 0));
      }
      residual = residual.map((v, i) => v - backcast[i]);
      blockForecast.forEach((v, i) => {
        forecast[i] += v;
      });
    }
  });
  return forecast;
}

// ---- Transformer encoder (Vaswani et al. 2017, pre-norm) ----
function layerNorm(w: Weights, name: string, v: number[]): number[] {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  const gamma = w.get(`${name}/gamma`)?.values as Float32Array;
  const beta = w.get(`${name}/beta`)?.values as Float32Array;
  return v.map((a, i) => ((a - mean) / Math.sqrt(variance + 1e-5)) * gamma[i] + beta[i]);
}
function transformerReference(model: TransformerForecaster, x: number[]): number[] {
  const c = model.config;
  const w = model.getWeights();
  const T = c.inputSize;
  const D = c.modelSize;
  const hs = D / c.heads;
  let h: Matrix = x.map((v, t) =>
    dense(w, 'input', [v]).map((a, i) => {
      const rate = 1 / 10000 ** ((2 * Math.floor(i / 2)) / D);
      return a + (i % 2 === 0 ? Math.sin(t * rate) : Math.cos(t * rate));
    }),
  );
  for (let l = 0; l < c.layers; l++) {
    const n = `encoder${l}`;
    const normed = h.map((row) => layerNorm(w, `${n}/norm1`, row));
    const q = normed.map((row) => dense(w, `${n}/query`, row));
    const k = normed.map((row) => dense(w, `${n}/key`, row));
    const v = normed.map((row) => dense(w, `${n}/value`, row));
    const merged: Matrix = Array.from({ length: T }, () => new Array(D).fill(0));
    for (let head = 0; head < c.heads; head++) {
      for (let i = 0; i < T; i++) {
        const scores = Array.from({ length: T }, (_, j) => {
          let dot = 0;
          for (let d = head * hs; d < (head + 1) * hs; d++) dot += q[i][d] * k[j][d];
          return dot / Math.sqrt(hs);
        });
        const top = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - top));
        const total = e.reduce((a, b) => a + b, 0);
        for (let j = 0; j < T; j++)
          for (let d = head * hs; d < (head + 1) * hs; d++) merged[i][d] += (e[j] / total) * v[j][d];
      }
    }
    h = h.map((row, i) => {
      const attended = dense(w, `${n}/output`, merged[i]);
      return row.map((a, d) => a + attended[d]);
    });
    h = h.map((row) => {
      const ff = dense(w, `${n}/ff2`, relu(dense(w, `${n}/ff1`, layerNorm(w, `${n}/norm2`, row))));
      return row.map((a, d) => a + ff[d]);
    });
  }
  const final = h.map((row) => layerNorm(w, 'final_norm', row));
  const mean = Array.from({ length: D }, (_, d) => final.reduce((s, row) => s + row[d], 0) / T);
  return dense(w, 'head', [...mean, ...final[T - 1]]);
}

// ---- LSTM (Hochreiter & Schmidhuber 1997; gate order i, f, g, o) ----
function lstmReference(model: LSTMForecaster, x: number[]): number[] {
  const c = model.config;
  const w = model.getWeights();
  const H = c.hiddenSize;
  const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));
  let sequence: number[][] = x.map((v) => [v]);
  let h = new Array(H).fill(0);
  for (let l = 0; l < c.layers; l++) {
    const wi = w.get(`lstm${l}/input_kernel`) as { shape: number[]; values: Float32Array };
    const wr = w.get(`lstm${l}/recurrent_kernel`)?.values as Float32Array;
    const bias = w.get(`lstm${l}/bias`)?.values as Float32Array;
    h = new Array(H).fill(0);
    let cell = new Array(H).fill(0);
    const outputs: number[][] = [];
    for (const input of sequence) {
      const z = Array.from(bias);
      for (let i = 0; i < input.length; i++)
        for (let j = 0; j < 4 * H; j++) z[j] += input[i] * wi.values[i * 4 * H + j];
      for (let i = 0; i < H; i++) for (let j = 0; j < 4 * H; j++) z[j] += h[i] * wr[i * 4 * H + j];
      cell = cell.map((cv, j) => sigmoid(z[H + j]) * cv + sigmoid(z[j]) * Math.tanh(z[2 * H + j]));
      h = cell.map((cv, j) => sigmoid(z[3 * H + j]) * Math.tanh(cv));
      outputs.push(h);
    }
    sequence = outputs;
  }
  return dense(w, 'head', h);
}

function check<M extends NeuralForecaster>(
  model: M,
  reference: (m: M, x: number[]) => number[],
  seed: number,
  perturb = false,
) {
  model.initialiseWeights();
  if (perturb) {
    // Every weight moved off its initial value (layer-norm gains/shifts start at 1/0, biases at 0, so an
    // implementation that mishandles them would still pass on fresh weights).
    const rng = new Random(seed + 100);
    const weights = model.getWeights();
    for (const w of weights.values())
      for (let i = 0; i < w.values.length; i++) w.values[i] += 0.3 * rng.normal();
    model.restore(model.metadata(), weights);
  }
  const x = inputs(3, model.inputSize, seed);
  expectClose(
    networkOutput(model, x),
    x.map((row) => reference(model, row)),
  );
}

describe('forward pass equals an independent reference on fixed weights', () => {
  it('N-HiTS: max-pooling per stack, doubly residual blocks, knot interpolation (3 stacks, horizon 5)', () => {
    check(
      new NHiTS({
        inputSize: 12,
        horizon: 5,
        hiddenSize: 16,
        poolKernelSizes: [4, 2, 1],
        downsampleFactors: [4, 2, 1],
        seed: 5,
      }),
      nhitsReference,
      1,
    );
  });

  it('N-HiTS with quantile outputs and the last-value level', () => {
    check(
      new NHiTS({ inputSize: 10, horizon: 4, hiddenSize: 8, quantiles: true, lastValueLevel: true, seed: 6 }),
      nhitsReference,
      2,
    );
  });

  it('N-BEATS generic: backcast subtraction between blocks', () => {
    check(
      new NBEATS({ inputSize: 10, horizon: 3, hiddenSize: 16, mlpLayers: 2, seed: 7 }),
      nbeatsReference,
      3,
    );
  });

  it('N-BEATS interpretable: shared trend/seasonality weights, polynomial and Fourier bases on one time axis', () => {
    const model = new NBEATS({
      inputSize: 12,
      horizon: 4,
      hiddenSize: 16,
      mlpLayers: 2,
      interpretable: true,
      seed: 8,
    });
    expect(model.config.shareWeights).toBe(true);
    // Shared: one set of weights per stack (block 0's), not one per block.
    expect(model.architecture.params().some((p) => p.name.startsWith('stack0/block1'))).toBe(false);
    check(model, nbeatsReference, 4);
  });

  it('Transformer: multi-head softmax attention, pre-norm residual blocks, mean + last pooling', () => {
    check(
      new TransformerForecaster({ inputSize: 6, horizon: 2, modelSize: 8, heads: 2, layers: 2, seed: 9 }),
      transformerReference,
      5,
    );
  });

  it('Transformer with every weight perturbed (layer-norm gains and shifts, biases)', () => {
    check(
      new TransformerForecaster({ inputSize: 5, horizon: 3, modelSize: 8, heads: 4, layers: 2, seed: 19 }),
      transformerReference,
      15,
      true,
    );
  });

  it('LSTM with every weight perturbed', () => {
    check(
      new LSTMForecaster({ inputSize: 6, horizon: 2, hiddenSize: 5, layers: 2, seed: 20 }),
      lstmReference,
      16,
      true,
    );
  });

  it('LSTM: gates i, f, g, o over the window, two layers', () => {
    check(
      new LSTMForecaster({ inputSize: 7, horizon: 3, hiddenSize: 6, layers: 2, seed: 10 }),
      lstmReference,
      6,
    );
  });
});
