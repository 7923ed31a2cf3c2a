import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import type { Random } from '../core/random.js';
import type { Tf } from './backend.js';

/**
 * Building blocks shared by the architectures. Networks are plain named weight tensors plus explicit
 * forward functions (no tf.layers graph): weights live as Float32Arrays between calls, so saving, loading
 * and seeded initialisation are exact and independent of tfjs' global state.
 */
export type Init = 'glorot' | 'zeros' | 'ones' | 'lstm-bias' | 'normal-small';

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
}

export type Params = Record<string, Tensor>;
export type Constants = Record<string, Tensor>;

/** Training-time behaviour passed to forward (absent at inference). */
export interface ForwardContext {
  dropout?: (x: Tensor2D) => Tensor2D;
}

export interface Architecture {
  /** The network's weights (names are stable: they are the keys in the model file). */
  params(): ParamSpec[];
  /** Fixed, non-trained tensors (bases, interpolation matrices, positional encodings). */
  constants(tf: Tf): Constants;
  /**
   * x [batch, inputSize] (scaled; with exogenous inputs [batch, (1 + exogenous) * inputSize]: the target
   * window, then each exogenous window) -> [batch, quantiles * horizon] (scaled, quantile-major).
   */
  forward(tf: Tf, p: Params, c: Constants, x: Tensor2D, training?: ForwardContext): Tensor2D;
}

/** Initial values for one weight, drawn from the model's seeded Random (Glorot-uniform for matrices). */
export function initialValues(spec: ParamSpec, rng: Random): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.init === 'zeros') return out;
  if (spec.init === 'ones') return out.fill(1);
  if (spec.init === 'lstm-bias') {
    // Gate order i, f, g, o: a forget-gate bias of 1 lets gradients flow through time early in training.
    const hidden = size / 4;
    out.fill(1, hidden, 2 * hidden);
    return out;
  }
  if (spec.init === 'normal-small') {
    for (let i = 0; i < size; i++) out[i] = 0.02 * rng.normal();
    return out;
  }
  const fanIn = spec.shape.length >= 2 ? spec.shape[spec.shape.length - 2] : size;
  const fanOut = spec.shape[spec.shape.length - 1];
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
  return out;
}

export function denseSpecs(name: string, inputs: number, units: number): ParamSpec[] {
  return [
    { name: `${name}/kernel`, shape: [inputs, units], init: 'glorot' },
    { name: `${name}/bias`, shape: [units], init: 'zeros' },
  ];
}

export function dense(tf: Tf, p: Params, name: string, x: Tensor2D): Tensor2D {
  return tf.add(tf.matMul(x, p[`${name}/kernel`] as Tensor2D), p[`${name}/bias`]) as Tensor2D;
}

/** A ReLU MLP of `layers` dense layers named `${name}/0..`. */
export function mlpSpecs(name: string, inputs: number, hidden: number, layers: number): ParamSpec[] {
  const specs: ParamSpec[] = [];
  for (let l = 0; l < layers; l++)
    specs.push(...denseSpecs(`${name}/${l}`, l === 0 ? inputs : hidden, hidden));
  return specs;
}

export function mlp(
  tf: Tf,
  p: Params,
  name: string,
  layers: number,
  x: Tensor2D,
  training?: ForwardContext,
): Tensor2D {
  let h = x;
  for (let l = 0; l < layers; l++) {
    h = tf.relu(dense(tf, p, `${name}/${l}`, h));
    if (training?.dropout) h = training.dropout(h);
  }
  return h;
}

/** Layer normalisation over the last axis with learned gain and bias. */
export function layerNorm(tf: Tf, p: Params, name: string, x: Tensor): Tensor {
  const axis = x.rank - 1;
  const mean = tf.mean(x, axis, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), axis, true);
  const normed = tf.div(centered, tf.sqrt(tf.add(variance, 1e-5)));
  return tf.add(tf.mul(normed, p[`${name}/gamma`]), p[`${name}/beta`]);
}

export function layerNormSpecs(name: string, size: number): ParamSpec[] {
  return [
    { name: `${name}/gamma`, shape: [size], init: 'ones' },
    { name: `${name}/beta`, shape: [size], init: 'zeros' },
  ];
}

/**
 * Matrix [coefficients, horizon] that linearly interpolates `coefficients` knots spread evenly over
 * the horizon (N-HiTS' hierarchical interpolation): forecast = coefs x matrix.
 */
export function linearInterpolationMatrix(coefficients: number, horizon: number): Float32Array {
  const matrix = new Float32Array(coefficients * horizon);
  if (coefficients === 1) return matrix.fill(1);
  for (let j = 0; j < horizon; j++) {
    // Position of step j on the knot axis [0, coefficients - 1].
    const position = horizon === 1 ? 0 : (j * (coefficients - 1)) / (horizon - 1);
    const left = Math.min(coefficients - 2, Math.floor(position));
    const weight = position - left;
    matrix[left * horizon + j] += 1 - weight;
    matrix[(left + 1) * horizon + j] += weight;
  }
  return matrix;
}
