import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/core/random.js';
import { getTf, initNeuralBackend } from '../../src/neural/backend.js';
import type { Params } from '../../src/neural/layers.js';
import { LSTMForecaster } from '../../src/neural/models.js';

/**
 * The LSTM trains through a hand-written backpropagation through time (tf.customGrad). These tests
 * compare its gradients for every weight with tfjs' own autodiff of the textbook equations (gate order
 * i, f, g, o; concatenated [input, h] x [input_kernel; recurrent_kernel] + bias; tanh), on fixed seeded
 * weights and inputs: a wrong sign, a missing gate term or an off-by-one step changes them far beyond
 * float32 rounding.
 */

beforeAll(async () => {
  expect(await initNeuralBackend()).toBe('wasm');
});

function autodiffReference(tf: ReturnType<typeof getTf>, p: Params, x: Tensor2D, layers: number, H: number) {
  const [batch, steps] = x.shape;
  let inputs: Tensor2D[] = Array.from(
    { length: steps },
    (_, t) => tf.slice(x, [0, t], [batch, 1]) as Tensor2D,
  );
  let h = tf.zeros([batch, H]) as Tensor2D;
  for (let l = 0; l < layers; l++) {
    const kernel = tf.concat([p[`lstm${l}/input_kernel`], p[`lstm${l}/recurrent_kernel`]], 0) as Tensor2D;
    h = tf.zeros([batch, H]);
    let c = tf.zeros([batch, H]) as Tensor2D;
    const outputs: Tensor2D[] = [];
    for (const input of inputs) {
      const z = tf.add(tf.matMul(tf.concat([input, h], 1), kernel), p[`lstm${l}/bias`]);
      const [i, f, g, o] = tf.split(z, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as Tensor2D;
      h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as Tensor2D;
      outputs.push(h);
    }
    inputs = outputs;
  }
  return tf.add(tf.matMul(h, p['head/kernel'] as Tensor2D), p['head/bias']) as Tensor2D;
}

function gradientsBothWays(model: LSTMForecaster, batch: number, seed: number) {
  const tf = getTf();
  model.initialiseWeights();
  const rng = new Random(seed);
  const { inputSize, hiddenSize, layers } = model.config;
  return tf.tidy(() => {
    const params: Params = {};
    for (const [name, w] of model.getWeights()) params[name] = tf.variable(tf.tensor(w.values, w.shape));
    const x = tf.tensor2d(
      Float32Array.from({ length: batch * inputSize }, () => rng.normal()),
      [batch, inputSize],
    );
    const outputs = model.outputs * model.config.horizon;
    const y = tf.tensor2d(
      Float32Array.from({ length: batch * outputs }, () => rng.normal()),
      [batch, outputs],
    );
    // A loss that weighs every output differently, so each output's gradient path matters.
    const weights = tf.tensor2d(
      Float32Array.from({ length: batch * outputs }, (_, k) => 1 + (k % 5)),
      [batch, outputs],
    );
    const loss = (out: Tensor) => tf.sum(tf.mul(weights, tf.square(tf.sub(out, y))));
    const ours = tf.variableGrads(
      () => loss(model.architecture.forward(tf, params, {}, x)) as never,
      Object.values(params) as never,
    );
    const theirs = tf.variableGrads(
      () => loss(autodiffReference(tf, params, x, layers, hiddenSize)) as never,
      Object.values(params) as never,
    );
    const names = Object.keys(params);
    const byName = (grads: Record<string, Tensor>) =>
      Object.fromEntries(
        Object.entries(params).map(([name, v]) => [
          name,
          Array.from(grads[(v as unknown as { name: string }).name].dataSync()),
        ]),
      );
    const result = {
      names,
      ours: byName(ours.grads),
      theirs: byName(theirs.grads),
      loss: [ours.value.dataSync()[0], theirs.value.dataSync()[0]],
    };
    for (const v of Object.values(params)) v.dispose();
    return result;
  });
}

describe('LSTM hand-written backpropagation through time equals tfjs autodiff', () => {
  it.each([
    {
      label: 'two layers, 7 steps, quantile head',
      options: { inputSize: 7, horizon: 3, hiddenSize: 5, layers: 2, quantiles: true, seed: 11 },
    },
    {
      label: 'one layer, 12 steps',
      options: { inputSize: 12, horizon: 2, hiddenSize: 4, layers: 1, seed: 12 },
    },
    {
      label: 'two steps, three layers',
      options: { inputSize: 2, horizon: 1, hiddenSize: 3, layers: 3, seed: 13 },
    },
  ])('$label', ({ options }) => {
    const { names, ours, theirs, loss } = gradientsBothWays(new LSTMForecaster(options), 4, options.seed);
    expect(loss[0]).toBeCloseTo(loss[1], 4);
    for (const name of names) {
      const scale = Math.max(1e-3, ...theirs[name].map(Math.abs));
      expect(ours[name].length).toBe(theirs[name].length);
      ours[name].forEach((g, k) => {
        expect(Math.abs(g - theirs[name][k]) / scale, `${name}[${k}]`).toBeLessThan(2e-4);
      });
    }
  });
});
