import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { initNeuralBackend } from '../../src/neural/backend.js';
import type { NeuralForecaster } from '../../src/neural/forecaster.js';
import { LSTMForecaster, loadModel, NBEATS, NHiTS, TransformerForecaster } from '../../src/neural/models.js';
import { toTargetSpace } from '../../src/neural/target.js';
import { linearTrend, sine } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nt-neural-models-'));
  expect(await initNeuralBackend()).toBe('wasm');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function meanAbsoluteForecastError(
  model: NeuralForecaster,
  values: Float64Array,
  from: number,
  count: number,
): number {
  const origins = Int32Array.from({ length: count }, (_, k) => from + k);
  const { point } = model.forecastAt(values, origins);
  let sum = 0;
  origins.forEach((t, k) => {
    for (let j = 0; j < model.horizon; j++) sum += Math.abs(point[k * model.horizon + j] - values[t + 1 + j]);
  });
  return sum / (count * model.horizon);
}

const wave = sine(260, 16, 2, 1);
const cases: [string, () => NeuralForecaster, number, number][] = [
  [
    'N-HiTS',
    () => new NHiTS({ inputSize: 16, horizon: 4, target: 'price', hiddenSize: 32, seed: 3 }),
    25,
    0.03,
  ],
  [
    'N-BEATS generic',
    () => new NBEATS({ inputSize: 16, horizon: 4, target: 'price', hiddenSize: 32, seed: 3 }),
    25,
    0.03,
  ],
  [
    'N-BEATS interpretable',
    () =>
      new NBEATS({
        inputSize: 16,
        horizon: 4,
        target: 'price',
        hiddenSize: 32,
        interpretable: true,
        seed: 3,
      }),
    25,
    0.05,
  ],
  [
    'LSTM',
    () => new LSTMForecaster({ inputSize: 12, horizon: 4, target: 'price', hiddenSize: 16, seed: 3 }),
    25,
    0.1,
  ],
  [
    'Transformer',
    () =>
      new TransformerForecaster({
        inputSize: 12,
        horizon: 4,
        target: 'price',
        modelSize: 16,
        heads: 2,
        layers: 1,
        seed: 3,
      }),
    25,
    0.1,
  ],
];

describe.each(cases)('%s', (_name, create, epochs, tolerance) => {
  it('fits a noiseless sine to low error and round-trips through its model file', async () => {
    const model = create();
    const result = await model.train(wave.subarray(0, 200), {
      epochs,
      learningRate: 5e-3,
      batchSize: 32,
      patience: 0,
    });
    expect(result.epochsRun).toBe(epochs);
    expect(result.lossHistory[result.lossHistory.length - 1]).toBeLessThan(result.lossHistory[0]);
    // Out of sample: origins after the training data. Amplitude is 1; a flat forecast errs ~0.6 on average.
    const error = meanAbsoluteForecastError(model, wave, 205, 40);
    expect(error).toBeLessThan(tolerance);

    const path = join(dir, `${model.modelType}.bin`);
    model.save(path);
    const loaded = loadModel(path);
    expect(loaded.modelType).toBe(model.modelType);
    const window = wave.subarray(100, 150);
    expect([...loaded.predict(window)]).toEqual([...model.predict(window)]);
    expect(loaded.scaler?.toJSON()).toEqual(model.scaler?.toJSON());
    expect(loaded.trainingInfo?.epochsRun).toBe(epochs);
  });
});

describe('training behaviour', () => {
  it('fits a linear trend with log-return target (default) to low error', async () => {
    const trend = linearTrend(240, 50, 0.25);
    const model = new NHiTS({ inputSize: 16, horizon: 3, hiddenSize: 32, seed: 5 });
    expect(model.config.target).toBe('log-return');
    await model.train(trend.subarray(0, 180), { epochs: 20, learningRate: 5e-3, patience: 0 });
    expect(meanAbsoluteForecastError(model, trend, 185, 40)).toBeLessThan(0.25);
  });

  it('evaluate() scores held-out data against the baselines (a learnable sine beats them all)', async () => {
    const model = new NBEATS({ inputSize: 16, horizon: 4, target: 'price', hiddenSize: 32, seed: 3 });
    await model.train(wave.subarray(0, 200), { epochs: 15, learningRate: 5e-3, patience: 0 });
    const report = model.evaluate(wave, { firstOrigin: 199 });
    expect(report.origins).toBe(260 - 4 - 199);
    expect(report.verdicts.map((v) => v.beatOnMae)).toEqual([true, true, true]);
    expect(report.model.directionalAccuracy).toBeGreaterThan(0.9);
    expect(report.baselines['random-walk'].directionalAccuracy).toBeNull();
    expect(report.summary.every((line) => line.includes(': YES'))).toBe(true);
  });

  it('is deterministic from a seed: identical loss sequence and predictions', async () => {
    const make = () => new NHiTS({ inputSize: 16, horizon: 4, target: 'price', hiddenSize: 24, seed: 11 });
    const a = make();
    const b = make();
    const ra = await a.train(wave.subarray(0, 150), { epochs: 5, learningRate: 3e-3 });
    const rb = await b.train(wave.subarray(0, 150), { epochs: 5, learningRate: 3e-3 });
    expect(ra.lossHistory).toEqual(rb.lossHistory);
    expect(ra.valLossHistory).toEqual(rb.valLossHistory);
    expect([...a.predict(wave.subarray(0, 200))]).toEqual([...b.predict(wave.subarray(0, 200))]);
    const c = new NHiTS({ inputSize: 16, horizon: 4, target: 'price', hiddenSize: 24, seed: 12 });
    const rc = await c.train(wave.subarray(0, 150), { epochs: 5, learningRate: 3e-3 });
    expect(rc.lossHistory).not.toEqual(ra.lossHistory);
  });

  it('fits the scaler on the training split only (no leakage from validation or test data)', async () => {
    const base = sine(200, 10, 5, 1);
    const altered = base.slice();
    for (let i = 170; i < 200; i++) altered[i] = 1000 + i; // a wild validation period
    const fittedScaler = async (values: Float64Array) => {
      const model = new NBEATS({
        inputSize: 10,
        horizon: 2,
        hiddenSize: 8,
        mlpLayers: 1,
        blocksPerStack: 1,
        seed: 1,
      });
      await model.train(values, { epochs: 1, validationFraction: 0.15 });
      return model.scaler?.toJSON();
    };
    const a = await fittedScaler(base);
    const b = await fittedScaler(altered);
    expect(a).toEqual(b);
    // The statistics equal those of the training split computed by hand: log returns [0, splitIndex).
    const z = toTargetSpace(base, 'log-return');
    const split = Math.round(z.length * 0.85);
    const train = z.subarray(0, split);
    const mean = train.reduce((s, v) => s + v, 0) / train.length;
    const std = Math.sqrt(train.reduce((s, v) => s + (v - mean) ** 2, 0) / train.length);
    expect(a?.center).toBeCloseTo(mean, 14);
    expect(a?.scale).toBeCloseTo(std, 14);
    expect(a?.count).toBe(split);
  });

  it('stops early on a flat validation loss, restores the best epoch, and reports every epoch', async () => {
    const reports: number[] = [];
    const model = new NHiTS({ inputSize: 8, horizon: 2, target: 'price', hiddenSize: 8, seed: 2 });
    const rng = new Random(9);
    const noise = Float64Array.from({ length: 120 }, () => 10 + rng.normal());
    const result = await model.train(noise, {
      epochs: 40,
      learningRate: 3e-2,
      patience: 3,
      schedule: 'step',
      onEpoch: (r) => reports.push(r.epoch),
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBeLessThan(40);
    expect(result.epochsRun - result.bestEpoch).toBe(3);
    expect(reports).toEqual(Array.from({ length: result.epochsRun }, (_, i) => i + 1));
    const best = Math.min(...(result.valLossHistory as number[]));
    expect(result.bestValLoss).toBe(best);
  });

  it('can be cancelled with an AbortSignal and keeps the best checkpoint', async () => {
    const controller = new AbortController();
    const model = new NHiTS({ inputSize: 8, horizon: 2, target: 'price', hiddenSize: 8, seed: 2 });
    const result = await model.train(wave.subarray(0, 120), {
      epochs: 500,
      onEpoch: (r) => {
        if (r.epoch === 3) controller.abort();
      },
      signal: controller.signal,
    });
    expect(result.cancelled).toBe(true);
    expect(result.epochsRun).toBe(3);
    expect(model.isTrained).toBe(true);
    expect(model.predict(wave.subarray(0, 50))).toHaveLength(2);
  });

  it('predicts p10 <= p50 <= p90 with quantile outputs', async () => {
    const noisy = Float64Array.from(
      { length: 220 },
      (_, i) => 100 + 3 * Math.sin(i / 5) + ((i * 7919) % 17) / 8,
    );
    const model = new NHiTS({
      inputSize: 16,
      horizon: 3,
      target: 'price',
      quantiles: true,
      hiddenSize: 32,
      seed: 4,
    });
    await model.train(noisy, { epochs: 25, learningRate: 5e-3, patience: 0 });
    const q = model.predictQuantiles(noisy.subarray(0, 200));
    for (let j = 0; j < 3; j++) {
      expect(q.p10[j]).toBeLessThan(q.p50[j]);
      expect(q.p50[j]).toBeLessThan(q.p90[j]);
    }
    expect([...model.predict(noisy.subarray(0, 200))]).toEqual([...q.p50]);
  });

  it('weightDecay shrinks weight matrices (not biases) and is validated', async () => {
    const kernelNorm = (model: NHiTS) => {
      let sum = 0;
      for (const [name, w] of model.getWeights())
        if (name.endsWith('kernel')) for (const v of w.values) sum += v * v;
      return sum;
    };
    const train = async (weightDecay: number) => {
      const model = new NHiTS({ inputSize: 8, horizon: 2, target: 'price', hiddenSize: 16, seed: 3 });
      await model.train(wave.subarray(0, 120), { epochs: 3, patience: 0, weightDecay });
      return model;
    };
    const plain = await train(0);
    const decayed = await train(50);
    expect(kernelNorm(decayed)).toBeLessThan(0.9 * kernelNorm(plain));
    expect(decayed.trainingInfo?.options.weightDecay).toBe(50);
    await expect(train(-1)).rejects.toThrow(/weightDecay must be >= 0/);
  });

  it('predictBatch equals one predict per window', async () => {
    const model = new NHiTS({ inputSize: 8, horizon: 2, hiddenSize: 8, seed: 2 });
    const prices = linearTrend(80, 20, 0.1);
    await model.train(prices, { epochs: 2 });
    const windows = [prices.subarray(0, 30), prices.subarray(10, 40), prices.subarray(30, 39)];
    const batch = model.predictBatch(windows);
    windows.forEach((w, k) => {
      const single = model.predict(w);
      for (let j = 0; j < 2; j++) expect(batch[k][j]).toBeCloseTo(single[j], 5);
    });
  });

  it('rejects bad input with clear errors', async () => {
    const model = new NHiTS({ inputSize: 8, horizon: 2, hiddenSize: 8 });
    expect(() => model.predict(new Float64Array(20))).toThrow(/not trained/);
    await expect(model.train(linearTrend(10), { epochs: 1 })).rejects.toThrow(
      /too few bars to train: 10 given, at least \d+ needed/,
    );
    const withNaN = linearTrend(100);
    withNaN[40] = Number.NaN;
    await expect(model.train(withNaN, { epochs: 1 })).rejects.toThrow(/non-finite value \(NaN\) at index 40/);
    await model.train(linearTrend(100), { epochs: 1 });
    expect(() => model.predict(new Float64Array(5).fill(1))).toThrow(/needs at least 9/);
    expect(() => new NHiTS({ inputSize: 0, horizon: 2 })).toThrow(/inputSize must be an integer >= 2/);
  });
});
