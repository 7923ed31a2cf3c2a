import type { Tensor, Tensor2D, Tensor3D } from '@tensorflow/tfjs';
import type { Tf } from './backend.js';
import {
  type Architecture,
  type Constants,
  dense,
  denseSpecs,
  layerNormSpecs,
  linearInterpolationMatrix,
  mlp,
  mlpSpecs,
  type ParamSpec,
  type Params,
} from './layers.js';

export interface ShapeConfig {
  inputSize: number;
  horizon: number;
  /** Number of outputs per horizon step: 1 (point) or 3 (p10/p50/p90). */
  outputs: number;
  /**
   * Exogenous input series (default 0). Each adds `inputSize` values to the input row after the target
   * window: x = [target window | exogenous 1 window | ...], every window ending at the forecast origin.
   */
  exogenous?: number;
}

/** x [batch, (1 + exogenous) * inputSize] -> the target window and the exogenous windows (or null). */
function splitExogenous(tf: Tf, x: Tensor2D, inputSize: number, exogenous: number) {
  if (exogenous === 0) return { target: x, exogenous: null };
  const batch = x.shape[0];
  return {
    target: tf.slice(x, [0, 0], [batch, inputSize]) as Tensor2D,
    exogenous: tf.slice(x, [0, inputSize], [batch, exogenous * inputSize]) as Tensor2D,
  };
}

/** Max-pool the input with kernel = stride = k, left-padding by repeating the first value if needed. */
function maxPool(tf: Tf, x: Tensor2D, kernel: number): Tensor2D {
  if (kernel <= 1) return x;
  const [batch, length] = x.shape;
  const pad = (kernel - (length % kernel)) % kernel;
  const padded = pad > 0 ? tf.concat([tf.tile(tf.slice(x, [0, 0], [batch, 1]), [1, pad]), x], 1) : x;
  return tf.max(tf.reshape(padded, [batch, (length + pad) / kernel, kernel]), 2) as Tensor2D;
}

/** [b, outputs * coefs] x basis [coefs, len] -> [b, outputs * len] (quantile-major). */
function projectPerOutput(tf: Tf, theta: Tensor2D, basis: Tensor, outputs: number): Tensor2D {
  const [batch, width] = theta.shape;
  const coefs = width / outputs;
  const len = basis.shape[1] as number;
  const projected = tf.matMul(tf.reshape(theta, [batch * outputs, coefs]), basis as Tensor2D);
  return tf.reshape(projected, [batch, outputs * len]);
}

// ---------------------------------------------------------------------------------------------- N-HiTS

export interface NHiTSArchitecture {
  /** Stacks; each has its own pooling kernel and forecast resolution. */
  stacks: number;
  blocksPerStack: number;
  hiddenSize: number;
  mlpLayers: number;
  /** MaxPool kernel per stack (multi-rate input sampling), e.g. [4, 2, 1]. */
  poolKernelSizes: number[];
  /** Forecast downsampling per stack: a stack predicts ceil(horizon / factor) knots, interpolated linearly. */
  downsampleFactors: number[];
  /** Start the forecast from the window's last value (neuralforecast's "level with naive 1") instead of 0. */
  lastValueLevel: boolean;
}

/** [batch, inputSize] -> the last input value repeated over outputs * horizon columns (or 0 when off). */
function levelStart(tf: Tf, x: Tensor2D, enabled: boolean, width: number): Tensor2D | undefined {
  if (!enabled) return undefined;
  const [batch, length] = x.shape;
  return tf.tile(tf.slice(x, [0, length - 1], [batch, 1]), [1, width]) as Tensor2D;
}

function nhitsCoefficients(horizon: number, factor: number): number {
  return Math.max(1, Math.ceil(horizon / factor));
}

/**
 * N-HiTS (Challu et al. 2022): stacks of MLP blocks; each block sees the residual input max-pooled at its
 * stack's rate, emits a full-resolution backcast and a few forecast knots that are linearly interpolated
 * to the horizon; backcasts are subtracted (doubly residual) and forecasts summed across blocks.
 */
export function nhitsArchitecture(shape: ShapeConfig, arch: NHiTSArchitecture): Architecture {
  // Exogenous windows (neuralforecast's historical exogenous inputs) join every block's MLP input as
  // they are, beside the pooled residual; backcasts and the residual stay on the target window.
  const exogenous = shape.exogenous ?? 0;
  const blocks: { name: string; pooled: number; kernel: number; coefs: number; stack: number }[] = [];
  for (let s = 0; s < arch.stacks; s++) {
    const kernel = arch.poolKernelSizes[s];
    const coefs = nhitsCoefficients(shape.horizon, arch.downsampleFactors[s]);
    for (let b = 0; b < arch.blocksPerStack; b++) {
      blocks.push({
        name: `stack${s}/block${b}`,
        pooled: Math.ceil(shape.inputSize / kernel),
        kernel,
        coefs,
        stack: s,
      });
    }
  }
  return {
    params() {
      const specs: ParamSpec[] = [];
      for (const block of blocks) {
        specs.push(
          ...mlpSpecs(
            `${block.name}/mlp`,
            block.pooled + exogenous * shape.inputSize,
            arch.hiddenSize,
            arch.mlpLayers,
          ),
        );
        specs.push(...denseSpecs(`${block.name}/backcast`, arch.hiddenSize, shape.inputSize));
        specs.push(...denseSpecs(`${block.name}/forecast`, arch.hiddenSize, block.coefs * shape.outputs));
      }
      return specs;
    },
    constants(tf) {
      const constants: Constants = {};
      for (const block of blocks) {
        const key = `interp${block.coefs}`;
        if (!constants[key]) {
          constants[key] = tf.tensor2d(linearInterpolationMatrix(block.coefs, shape.horizon), [
            block.coefs,
            shape.horizon,
          ]);
        }
      }
      return constants;
    },
    forward(tf, p, c, input, training) {
      const { target: x, exogenous: exogenousWindows } = splitExogenous(
        tf,
        input,
        shape.inputSize,
        exogenous,
      );
      let residual = x;
      let forecast = levelStart(tf, x, arch.lastValueLevel, shape.outputs * shape.horizon);
      for (const block of blocks) {
        const pooled = maxPool(tf, residual, block.kernel);
        const hidden = mlp(
          tf,
          p,
          `${block.name}/mlp`,
          arch.mlpLayers,
          exogenousWindows ? (tf.concat([pooled, exogenousWindows], 1) as Tensor2D) : pooled,
          training,
        );
        residual = tf.sub(residual, dense(tf, p, `${block.name}/backcast`, hidden));
        const knots = dense(tf, p, `${block.name}/forecast`, hidden);
        const blockForecast = projectPerOutput(tf, knots, c[`interp${block.coefs}`], shape.outputs);
        forecast = forecast ? (tf.add(forecast, blockForecast) as Tensor2D) : blockForecast;
      }
      return forecast as Tensor2D;
    },
  };
}

// ---------------------------------------------------------------------------------------------- N-BEATS

export type NBEATSStackType = 'generic' | 'trend' | 'seasonality';

export interface NBEATSArchitecture {
  /** Stack types in order: ['generic', 'generic'] or the interpretable ['trend', 'seasonality']. */
  stackTypes: NBEATSStackType[];
  blocksPerStack: number;
  hiddenSize: number;
  mlpLayers: number;
  /** Trend stacks: degree of the polynomial basis. */
  polynomialDegree: number;
  /** Seasonality stacks: number of Fourier harmonics (periods inputSize / k). */
  harmonics: number;
  /**
   * Blocks of a stack use one set of weights (N-BEATS-I shares weights within its trend and seasonality
   * stacks). Default: on for interpretable stacks, off for generic ones.
   */
  shareWeights: boolean;
  /** Start the forecast from the window's last value (as neuralforecast does) instead of 0. */
  lastValueLevel: boolean;
  /**
   * Time axis of the trend/seasonality bases: 2 = the window ends at t = 0 and step h is at h / inputSize
   * (one continuous axis); 1 = the axis written before this fix, which skipped t = 0 (window ended at
   * -1 / inputSize). Old model files keep 1 so their forecasts do not change.
   */
  basisVersion: 1 | 2;
}

/**
 * Basis rows evaluated on one time axis shared by backcast and forecast: t = (i + 1 - inputSize) / inputSize
 * over the window (the last value at t = 0) and t = j / inputSize for steps j = 1..horizon, so a fitted
 * trend or cycle simply continues.
 */
function nbeatsBasis(
  type: 'trend' | 'seasonality',
  arch: NBEATSArchitecture,
  inputSize: number,
  horizon: number,
) {
  const times = (length: number, start: number) => Array.from({ length }, (_, i) => (start + i) / inputSize);
  const backTimes = times(inputSize, arch.basisVersion === 1 ? -inputSize : 1 - inputSize);
  const foreTimes = times(horizon, 1);
  const rows = (ts: number[]): number[][] => {
    if (type === 'trend') {
      return Array.from({ length: arch.polynomialDegree + 1 }, (_, d) => ts.map((t) => t ** d));
    }
    const out: number[][] = [ts.map(() => 1)];
    for (let k = 1; k <= arch.harmonics; k++) {
      out.push(ts.map((t) => Math.cos(2 * Math.PI * k * t)));
      out.push(ts.map((t) => Math.sin(2 * Math.PI * k * t)));
    }
    return out;
  };
  return { back: rows(backTimes), fore: rows(foreTimes) };
}

function basisSize(type: NBEATSStackType, arch: NBEATSArchitecture): number {
  return type === 'trend' ? arch.polynomialDegree + 1 : 2 * arch.harmonics + 1;
}

export function nbeatsArchitecture(shape: ShapeConfig, arch: NBEATSArchitecture): Architecture {
  const blocks = arch.stackTypes.flatMap((type, s) =>
    Array.from({ length: arch.blocksPerStack }, (_, b) => ({
      // Shared stacks: every block of the stack reads the weights of block 0.
      name: arch.shareWeights && type !== 'generic' ? `stack${s}/block0` : `stack${s}/block${b}`,
      type,
      owner: b === 0 || !(arch.shareWeights && type !== 'generic'),
    })),
  );
  return {
    params() {
      const specs: ParamSpec[] = [];
      for (const block of blocks) {
        if (!block.owner) continue;
        specs.push(...mlpSpecs(`${block.name}/mlp`, shape.inputSize, arch.hiddenSize, arch.mlpLayers));
        if (block.type === 'generic') {
          specs.push(...denseSpecs(`${block.name}/backcast`, arch.hiddenSize, shape.inputSize));
          specs.push(...denseSpecs(`${block.name}/forecast`, arch.hiddenSize, shape.horizon * shape.outputs));
        } else {
          const size = basisSize(block.type, arch);
          // Basis expansion coefficients carry no bias in N-BEATS; a zero bias is kept for a uniform layout.
          specs.push(...denseSpecs(`${block.name}/backcast`, arch.hiddenSize, size));
          specs.push(...denseSpecs(`${block.name}/forecast`, arch.hiddenSize, size * shape.outputs));
        }
      }
      return specs;
    },
    constants(tf) {
      const constants: Constants = {};
      for (const type of ['trend', 'seasonality'] as const) {
        if (!arch.stackTypes.includes(type)) continue;
        const basis = nbeatsBasis(type, arch, shape.inputSize, shape.horizon);
        constants[`${type}/back`] = tf.tensor2d(basis.back);
        constants[`${type}/fore`] = tf.tensor2d(basis.fore);
      }
      return constants;
    },
    forward(tf, p, c, x, training) {
      let residual = x;
      let forecast = levelStart(tf, x, arch.lastValueLevel, shape.outputs * shape.horizon);
      for (const block of blocks) {
        const hidden = mlp(tf, p, `${block.name}/mlp`, arch.mlpLayers, residual, training);
        let backcast = dense(tf, p, `${block.name}/backcast`, hidden);
        let blockForecast = dense(tf, p, `${block.name}/forecast`, hidden);
        if (block.type !== 'generic') {
          backcast = tf.matMul(backcast, c[`${block.type}/back`] as Tensor2D);
          blockForecast = projectPerOutput(tf, blockForecast, c[`${block.type}/fore`], shape.outputs);
        }
        residual = tf.sub(residual, backcast);
        forecast = forecast ? (tf.add(forecast, blockForecast) as Tensor2D) : blockForecast;
      }
      return forecast as Tensor2D;
    },
  };
}

// ---------------------------------------------------------------------------------------------- LSTM

export interface LSTMArchitecture {
  hiddenSize: number;
  layers: number;
}

/** Columns of an LSTM weight ([rows, 4H] or [4H]) per gate i, f, g, o; the g gate's are doubled (exact). */
function gateParts(tf: Tf, w: Tensor, H: number): Tensor[] {
  return [0, 1, 2, 3].map((g) => {
    const part = w.rank === 1 ? tf.slice(w, [g * H], [H]) : tf.slice(w, [0, g * H], [w.shape[0], H]);
    // tanh(v) = 2 sigmoid(2v) - 1: with the g columns doubled one Sigmoid serves every gate. Doubling
    // is exact in floating point, so the pre-activations are bit-for-bit 2v.
    return g === 2 ? tf.mul(part, 2) : part;
  });
}

/** One step's gate activations and states, kept for the hand-written backward pass. */
interface LSTMStep {
  i: Tensor2D;
  f: Tensor2D;
  g: Tensor2D;
  o: Tensor2D;
  /** tanh(g pre-activation) */
  tg: Tensor2D;
  cell: Tensor2D;
  /** tanh(cell) */
  tc: Tensor2D;
  h: Tensor2D;
}

/**
 * The recurrence of one LSTM layer, time-major: inputs[gate] is the input projection (+ bias) of every
 * step [steps, batch, H], recurrent[gate] the gate's [H, H] kernel (g doubled, see gateParts). Returns
 * the hidden states of all steps [steps, batch, H] or only the last [batch, H].
 *
 * Per step: four [B, H] x [H, H] matmuls (one per gate: the wasm Slice/Split of a [B, 4H] product along
 * its columns is a strided copy slower than the matmul), four adds, four sigmoids and the cell update;
 * no tensor is sliced or concatenated per step except the contiguous per-step rows of the projection.
 * When gradients are being recorded the loop runs inside tf.customGrad with a hand-written
 * backpropagation through time: tfjs' tape recorded ~80 kernels per step for its backward (broadcast
 * reductions, casts and identities around every elementwise op) against ~30 here, and the weight
 * gradients are one [H, steps * B] x [steps * B, H] matmul per gate after the loop instead of one per step.
 */
function lstmRecurrence(tf: Tf, inputs: Tensor3D[], recurrent: Tensor2D[], allSteps: boolean): Tensor {
  const [steps, batch, H] = inputs[0].shape;
  const run = (xs: Tensor3D[], ws: Tensor2D[], kept: LSTMStep[] | undefined) => {
    const rows = xs.map((x) => tf.unstack(x) as Tensor2D[]);
    let h: Tensor2D | undefined;
    let cell: Tensor2D | undefined;
    const hs: Tensor2D[] = [];
    const add = (a: Tensor, b: Tensor) => tf.add(a, b) as Tensor2D;
    // Scalars made once per call (a number argument becomes a new tensor on every op).
    const one = tf.scalar(1);
    const two = tf.scalar(2);
    for (let t = 0; t < steps; t++) {
      // h and cell start at 0: the t = 0 step skips the (exactly zero) recurrent terms.
      const pre = (g: number) => (h ? add(tf.matMul(h, ws[g]), rows[g][t]) : rows[g][t]);
      const i = tf.sigmoid(pre(0));
      const f = tf.sigmoid(pre(1));
      const g = tf.sigmoid(pre(2));
      const o = tf.sigmoid(pre(3));
      const tg = tf.sub(tf.mul(g, two), one) as Tensor2D;
      const update = tf.mul(i, tg);
      cell = (cell ? tf.add(tf.mul(f, cell), update) : update) as Tensor2D;
      const tc = tf.sub(tf.mul(tf.sigmoid(tf.mul(cell, two)), two), one) as Tensor2D;
      h = tf.mul(o, tc) as Tensor2D;
      hs.push(h);
      if (kept) {
        const step: LSTMStep = { i, f, g, o, tg, cell, tc, h };
        for (const v of Object.values(step)) tf.keep(v);
        kept.push(step);
      }
    }
    return { hs, last: h as Tensor2D };
  };
  if (!tf.engine().isTapeOn()) {
    const { hs, last } = run(inputs, recurrent, undefined);
    return allSteps ? tf.stack(hs) : last;
  }
  const op = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, 4) as Tensor3D[];
    const save = args[8] as (tensors: Tensor[]) => void;
    // The recurrent kernels are saved through tfjs (the forward pass's other tensors are disposed
    // before the backward pass runs); the per-step states are kept here and disposed by gradFunc.
    save(args.slice(4, 8) as Tensor2D[]);
    const kept: LSTMStep[] = [];
    const { hs, last } = run(xs, args.slice(4, 8) as Tensor2D[], kept);
    const value = allSteps ? tf.stack(hs) : tf.clone(last);
    const gradFunc = (dy: Tensor, saved: Tensor[]) => {
      const ws = saved as Tensor2D[];
      const dys = allSteps ? (tf.unstack(dy) as Tensor2D[]) : undefined;
      const wT = ws.map((w) => tf.transpose(w) as Tensor2D);
      const dz: Tensor2D[][] = [[], [], [], []];
      let dh = (dys ? dys[steps - 1] : dy) as Tensor2D;
      let dc: Tensor2D | undefined;
      const one = tf.scalar(1);
      const two = tf.scalar(2);
      const slope = (s: Tensor2D) => tf.mul(s, tf.sub(one, s));
      for (let t = steps - 1; t >= 0; t--) {
        const { i, f, g, o, tg, tc } = kept[t];
        const fromH = tf.mul(tf.mul(dh, o), tf.sub(one, tf.square(tc))) as Tensor2D;
        dc = dc ? (tf.add(dc, fromH) as Tensor2D) : fromH;
        dz[0][t] = tf.mul(tf.mul(dc, tg), slope(i)) as Tensor2D;
        dz[1][t] = t > 0 ? (tf.mul(tf.mul(dc, kept[t - 1].cell), slope(f)) as Tensor2D) : tf.zerosLike(dc);
        dz[2][t] = tf.mul(tf.mul(tf.mul(dc, i), two), slope(g)) as Tensor2D;
        dz[3][t] = tf.mul(tf.mul(dh, tc), slope(o)) as Tensor2D;
        if (t === 0) break;
        dc = tf.mul(dc, f) as Tensor2D;
        const terms = [0, 1, 2, 3].map((k) => tf.matMul(dz[k][t], wT[k]));
        if (dys) terms.push(dys[t - 1]);
        dh = tf.addN(terms) as Tensor2D;
      }
      const dInputs = dz.map((d) => tf.stack(d) as Tensor3D);
      // Weight gradients (windows have >= 2 steps): sum over steps t >= 1 of h[t-1]^T dz[t], as one matmul per gate.
      const previous = tf.concat(
        kept.slice(0, steps - 1).map((s) => s.h),
        0,
      ) as Tensor2D;
      const dWeights = dInputs.map((d) =>
        tf.matMul(
          previous,
          tf.reshape(tf.slice(d, [1, 0, 0], [steps - 1, batch, H]), [(steps - 1) * batch, H]) as Tensor2D,
          true,
          false,
        ),
      );
      for (const step of kept) tf.dispose(Object.values(step));
      return [...dInputs, ...dWeights];
    };
    return { value, gradFunc };
  });
  return op(...inputs, ...recurrent);
}

/** Stacked LSTM over the window (one value per step); the last hidden state feeds a dense multi-horizon head. */
export function lstmArchitecture(shape: ShapeConfig, arch: LSTMArchitecture): Architecture {
  const H = arch.hiddenSize;
  return {
    params() {
      const specs: ParamSpec[] = [];
      for (let l = 0; l < arch.layers; l++) {
        specs.push({ name: `lstm${l}/input_kernel`, shape: [l === 0 ? 1 : H, 4 * H], init: 'glorot' });
        specs.push({ name: `lstm${l}/recurrent_kernel`, shape: [H, 4 * H], init: 'glorot' });
        specs.push({ name: `lstm${l}/bias`, shape: [4 * H], init: 'lstm-bias' });
      }
      specs.push(...denseSpecs('head', H, shape.horizon * shape.outputs));
      return specs;
    },
    constants() {
      return {};
    },
    forward(tf, p, _c, x, training) {
      const [batch, steps] = x.shape;
      // Time-major rows (step t's batch rows are contiguous): the input projection of every step is one
      // matmul per gate, and each step reads its rows as a contiguous block.
      let sequence = tf.reshape(tf.transpose(x), [steps * batch, 1]) as Tensor2D;
      let last: Tensor2D | undefined;
      for (let l = 0; l < arch.layers; l++) {
        const inputKernels = gateParts(tf, p[`lstm${l}/input_kernel`], H) as Tensor2D[];
        const biases = gateParts(tf, p[`lstm${l}/bias`], H);
        const projections = inputKernels.map(
          (w, g) => tf.reshape(tf.add(tf.matMul(sequence, w), biases[g]), [steps, batch, H]) as Tensor3D,
        );
        const recurrent = gateParts(tf, p[`lstm${l}/recurrent_kernel`], H) as Tensor2D[];
        const allSteps = l < arch.layers - 1;
        const out = lstmRecurrence(tf, projections, recurrent, allSteps);
        if (allSteps) sequence = tf.reshape(out, [steps * batch, H]) as Tensor2D;
        else last = out as Tensor2D;
      }
      const h = last as Tensor2D;
      return dense(tf, p, 'head', training?.dropout ? training.dropout(h) : h);
    },
  };
}

// ---------------------------------------------------------------------------------------------- Transformer

export interface TransformerArchitecture {
  modelSize: number;
  heads: number;
  layers: number;
  feedForwardSize: number;
  positionalEncoding: 'sinusoidal' | 'learned';
}

function sinusoidalEncoding(steps: number, size: number): Float32Array {
  const out = new Float32Array(steps * size);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < size; i++) {
      const rate = 1 / 10000 ** ((2 * Math.floor(i / 2)) / size);
      out[t * size + i] = i % 2 === 0 ? Math.sin(t * rate) : Math.cos(t * rate);
    }
  }
  return out;
}

/** Layer normalisation without gain and shift: (x - mean) / sqrt(variance + 1e-5) over the last axis. */
function normalise(tf: Tf, x: Tensor): Tensor {
  const axis = x.rank - 1;
  const centered = tf.sub(x, tf.mean(x, axis, true));
  return tf.div(centered, tf.sqrt(tf.add(tf.mean(tf.square(centered), axis, true), 1e-5)));
}

/**
 * dense(LN(x)) with the layer norm's gain and shift folded into the (small) weights instead of applied to
 * the (large) activations: x is already normalised; kernel [D, units], bias [units].
 */
function foldedDense(
  tf: Tf,
  p: Params,
  norm: string,
  kernel: Tensor,
  bias: Tensor,
  normed: Tensor2D,
  activation?: 'relu',
): Tensor2D {
  const D = kernel.shape[0] as number;
  const units = kernel.shape[1] as number;
  const gamma = tf.reshape(p[`${norm}/gamma`], [D, 1]);
  const shift = tf.reshape(tf.matMul(tf.reshape(p[`${norm}/beta`], [1, D]), kernel as Tensor2D), [units]);
  return tf.fused.matMul({
    a: normed,
    b: tf.mul(gamma, kernel) as Tensor2D,
    bias: tf.add(shift, bias),
    activation: activation ?? 'linear',
  }) as Tensor2D;
}

/**
 * A small pre-norm Transformer encoder: each window value is projected to `modelSize`, positions are
 * encoded, 1-2 layers of multi-head self-attention + feed-forward (residual, layer norm) follow, and the
 * mean-pooled and last-step representations feed a dense multi-horizon head.
 */
export function transformerArchitecture(shape: ShapeConfig, arch: TransformerArchitecture): Architecture {
  const D = arch.modelSize;
  const T = shape.inputSize;
  const headSize = D / arch.heads;
  // Exogenous series are extra features per time step: step t embeds [target_t, exog1_t, ...].
  const features = 1 + (shape.exogenous ?? 0);
  return {
    params() {
      const specs: ParamSpec[] = [...denseSpecs('input', features, D)];
      if (arch.positionalEncoding === 'learned')
        specs.push({ name: 'position', shape: [T, D], init: 'normal-small' });
      for (let l = 0; l < arch.layers; l++) {
        const n = `encoder${l}`;
        specs.push(...layerNormSpecs(`${n}/norm1`, D));
        for (const proj of ['query', 'key', 'value', 'output'])
          specs.push(...denseSpecs(`${n}/${proj}`, D, D));
        specs.push(...layerNormSpecs(`${n}/norm2`, D));
        specs.push(...denseSpecs(`${n}/ff1`, D, arch.feedForwardSize));
        specs.push(...denseSpecs(`${n}/ff2`, arch.feedForwardSize, D));
      }
      specs.push(...layerNormSpecs('final_norm', D));
      specs.push(...denseSpecs('head', 2 * D, shape.horizon * shape.outputs));
      return specs;
    },
    constants(tf) {
      const constants: Constants = {};
      if (arch.positionalEncoding === 'sinusoidal')
        constants.position = tf.tensor2d(sinusoidalEncoding(T, D), [T, D]);
      return constants;
    },
    forward(tf, p, c, x, training) {
      const batch = x.shape[0];
      const flat = (t: Tensor) => tf.reshape(t, [batch * T, D]) as Tensor2D;
      const position = p.position ?? c.position;
      const steps =
        features === 1
          ? tf.reshape(x, [batch * T, 1])
          : tf.reshape(tf.transpose(tf.reshape(x, [batch, features, T]), [0, 2, 1]), [batch * T, features]);
      let h: Tensor = tf.add(tf.reshape(dense(tf, p, 'input', steps as Tensor2D), [batch, T, D]), position);
      const scale = 1 / Math.sqrt(headSize);
      const heads = (t: Tensor2D) =>
        tf.transpose(tf.reshape(t, [batch, T, arch.heads, headSize]), [0, 2, 1, 3]);
      for (let l = 0; l < arch.layers; l++) {
        const n = `encoder${l}`;
        // Attention: norm1's gain and shift are folded into one [D, 3D] query|key|value projection
        // (LN(h) W + b = norm(h) (gamma * W) + (beta W + b)), the 1/sqrt(headSize) score scale into the query
        // columns; each attention product is one batched matmul over batch x heads.
        const qkv = foldedDense(
          tf,
          p,
          `${n}/norm1`,
          tf.concat([tf.mul(p[`${n}/query/kernel`], scale), p[`${n}/key/kernel`], p[`${n}/value/kernel`]], 1),
          tf.concat([tf.mul(p[`${n}/query/bias`], scale), p[`${n}/key/bias`], p[`${n}/value/bias`]], 0),
          flat(normalise(tf, h)),
        );
        // [B*T, 3, D] -> [3, B*T, D] (rank <= 4: the wasm Transpose of rank 5 is ~100x slower).
        const [q, k, v] = tf
          .unstack(tf.transpose(tf.reshape(qkv, [batch * T, 3, D]), [1, 0, 2]))
          .map((t) => heads(t as Tensor2D));
        const attended = tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), v);
        const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch * T, D]) as Tensor2D;
        const projected = tf.fused.matMul({
          a: merged,
          b: p[`${n}/output/kernel`] as Tensor2D,
          bias: p[`${n}/output/bias`],
        });
        h = tf.add(h, tf.reshape(projected, [batch, T, D]));
        // Feed-forward: norm2 folded into ff1 the same way; bias and ReLU fused into the matmuls.
        const hidden = foldedDense(
          tf,
          p,
          `${n}/norm2`,
          p[`${n}/ff1/kernel`],
          p[`${n}/ff1/bias`],
          flat(normalise(tf, h)),
          'relu',
        );
        const ff = tf.fused.matMul({
          a: hidden,
          b: p[`${n}/ff2/kernel`] as Tensor2D,
          bias: p[`${n}/ff2/bias`],
        });
        h = tf.add(h, tf.reshape(ff, [batch, T, D]));
      }
      // Final norm: mean and last step of the normalised states, then gain and shift on the pooled
      // [batch, 2D] (both poolings are linear, so this equals pooling LN(h)).
      const normed = normalise(tf, h) as Tensor3D;
      const gamma = p['final_norm/gamma'];
      const beta = p['final_norm/beta'];
      const pooled = tf.add(
        tf.mul(
          tf.concat(
            [tf.mean(normed, 1), tf.reshape(tf.slice(normed, [0, T - 1, 0], [batch, 1, D]), [batch, D])],
            1,
          ),
          tf.concat([gamma, gamma], 0),
        ),
        tf.concat([beta, beta], 0),
      ) as Tensor2D;
      return dense(tf, p, 'head', training?.dropout ? training.dropout(pooled) : pooled);
    },
  };
}

export type { Params };
