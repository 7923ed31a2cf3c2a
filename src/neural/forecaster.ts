import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { formatTimestamp } from '../core/time.js';
import { getTf, initNeuralBackend, type Tf } from './backend.js';
import { NEURAL_TRAIN_DEFAULTS as DEFAULTS, defaultInputSize } from './defaults.js';
import { ModelError } from './errors.js';
import { type EvaluateOptions, type EvaluationReport, evaluateForecaster } from './evaluate.js';
import {
  type ExogenousSpec,
  exogenousColumns,
  resolveExogenousSpecs,
  splitExogenousData,
} from './exogenous.js';
import type { Architecture, Constants, ForwardContext, Params } from './layers.js';
import { initialValues } from './layers.js';
import { naiveScale } from './metrics.js';
import { encodeModelFile, MODEL_FILE_VERSION, writeModelFile } from './model-file.js';
import { Scaler, type ScalerKind, type ScalerState } from './scaler.js';
import {
  DEFAULT_TARGET,
  FORECAST_TARGETS,
  type ForecastTarget,
  fromTargetSpace,
  targetLag,
  toTargetSpace,
  validateValues,
  writeTargetWindow,
} from './target.js';
import type {
  ExogenousSeries,
  TrainingData,
  TrainingInfo,
  TrainOptions,
  TrainResult,
} from './training-types.js';
import { assertEnoughData, fillBatch, splitWindows } from './windows.js';

export type NeuralModelType = 'nhits' | 'nbeats' | 'lstm' | 'transformer';
export const NEURAL_MODEL_TYPES: readonly NeuralModelType[] = ['nhits', 'nbeats', 'lstm', 'transformer'];

/** The quantiles predicted when `quantiles: true` (pinball loss); the point forecast is the median. */
export const QUANTILE_LEVELS = [0.1, 0.5, 0.9] as const;

export interface ForecasterOptions {
  /** Values per input window (in target space); default 4 x horizon, at least 8 (defaults.ts). */
  inputSize?: number;
  /** Steps ahead to forecast. */
  horizon: number;
  /** What the network models (default 'log-return'). */
  target?: ForecastTarget;
  /** Scaling of target-space values, fitted on the training split (default 'standard'). */
  scaler?: ScalerKind;
  /** Predict p10/p50/p90 with a pinball loss instead of a point forecast. */
  quantiles?: boolean;
  /** Point-forecast training loss: 'mse' (default) or 'mae' (neuralforecast's default). Quantile models use the pinball loss. */
  loss?: ForecastLoss;
  /** Dropout rate in [0, 1) applied while training (N-HiTS/N-BEATS: after each MLP layer; LSTM/Transformer: before the head). Default 0. */
  dropout?: number;
  /** Seed for weight initialisation and batch shuffling (default 42). */
  seed?: number;
  /**
   * Exogenous inputs (N-HiTS and Transformer only): names of series passed beside the target series
   * (`{ series, exogenous: { name: values } }` to train/evaluate, the third argument of forecastAt), or
   * specs made by `prepareExogenous`. Only their past is used: each window ends at the forecast origin.
   */
  exogenous?: readonly (string | ExogenousSpec)[];
}

export type ForecastLoss = 'mse' | 'mae';
export const FORECAST_LOSSES: readonly ForecastLoss[] = ['mse', 'mae'];

/**
 * How quantile bands of a multi-step forecast are made. 'cumulative' (new models with a log-return
 * target): the network predicts quantiles of the cumulative log return from the origin to each step
 * directly, so the band at step h is a real p10/p90 of the price h steps ahead. 'per-step' (level targets,
 * and model files written before this option): each step's quantile is predicted on its own; for return
 * targets those were compounded along the path, which widens like h instead of sqrt(h).
 */
export type QuantileBands = 'cumulative' | 'per-step';

export interface CommonConfig {
  inputSize: number;
  horizon: number;
  target: ForecastTarget;
  scaler: ScalerKind;
  quantiles: boolean;
  loss: ForecastLoss;
  dropout: number;
  bands: QuantileBands;
  seed: number;
  /** Exogenous inputs in input order ([] = none). */
  exogenous: ExogenousSpec[];
}

export type {
  EpochReport,
  ExogenousSeries,
  LearningRateSchedule,
  SeriesWithExogenous,
  TrainingData,
  TrainingInfo,
  TrainOptions,
  TrainResult,
} from './training-types.js';

/** The JSON metadata block of a model file. */
export interface ModelMetadata {
  format: 'neural-trader-model';
  formatVersion: number;
  modelType: NeuralModelType;
  config: CommonConfig & Record<string, unknown>;
  scaler: ScalerState | null;
  /** One scaler per exogenous input (by name), fitted on the training split; absent without exogenous inputs. */
  exogenousScalers?: Record<string, ScalerState>;
  training: TrainingInfo | null;
  metrics: Record<string, unknown>;
  createdAt: string;
  tfjsVersion: string;
  library: string;
}

interface DataInfo {
  values: Float64Array;
  symbol: string | null;
  start: string | null;
  end: string | null;
  exogenous: ExogenousSeries | null;
}

function dataInfo(wrapped: TrainingData): DataInfo {
  const { series: data, exogenous } = splitExogenousData(wrapped);
  if (data instanceof BarSeries) {
    return {
      values: data.close,
      symbol: data.symbol,
      start: data.length ? formatTimestamp(data.firstTimestamp) : null,
      end: data.length ? formatTimestamp(data.lastTimestamp) : null,
      exogenous,
    };
  }
  return {
    values: data instanceof Float64Array ? data : Float64Array.from(data),
    symbol: null,
    start: null,
    end: null,
    exogenous,
  };
}

function positiveInt(value: unknown, field: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValidationError(`${field} must be an integer >= ${min} (got ${String(value)})`, { field });
  }
  return value;
}

export function resolveCommonConfig(options: ForecasterOptions): CommonConfig {
  const target = options.target ?? DEFAULT_TARGET;
  if (!FORECAST_TARGETS.includes(target)) {
    throw new ValidationError(`target must be one of ${FORECAST_TARGETS.join(', ')} (got ${target})`, {
      field: 'target',
    });
  }
  const scaler = options.scaler ?? DEFAULTS.scaler;
  if (!['standard', 'minmax', 'none'].includes(scaler)) {
    throw new ValidationError(`scaler must be standard, minmax or none (got ${scaler})`, { field: 'scaler' });
  }
  const loss = options.loss ?? DEFAULTS.loss;
  if (!FORECAST_LOSSES.includes(loss)) {
    throw new ValidationError(`loss must be mse or mae (got ${String(loss)})`, { field: 'loss' });
  }
  const dropout = options.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) {
    throw new ValidationError(`dropout must be in [0, 1) (got ${String(dropout)})`, { field: 'dropout' });
  }
  const quantiles = options.quantiles ?? false;
  const stored = (options as { bands?: QuantileBands }).bands;
  const bands: QuantileBands =
    stored === 'per-step' || stored === 'cumulative'
      ? stored
      : quantiles && target === 'log-return'
        ? 'cumulative'
        : 'per-step';
  const horizon = positiveInt(options.horizon, 'horizon');
  return {
    inputSize: positiveInt(options.inputSize ?? defaultInputSize(horizon), 'inputSize', 2),
    horizon,
    target,
    scaler,
    quantiles,
    loss,
    dropout,
    bands,
    seed: options.seed ?? DEFAULTS.seed,
    exogenous: resolveExogenousSpecs(options.exogenous),
  };
}

/**
 * Rows of scaled per-step targets -> scaled cumulative targets: y'_j = (y_0 + ... + y_j) / sqrt(j + 1),
 * in place. For i.i.d. standardised steps each y'_j has unit variance again, so one network output scale
 * fits every step.
 */
export function toCumulativeTargets(ys: Float32Array, rows: number, horizon: number): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let j = 0; j < horizon; j++) {
      sum += ys[r * horizon + j];
      ys[r * horizon + j] = sum / Math.sqrt(j + 1);
    }
  }
}

const INFERENCE_CHUNK = 1024;
// tfjs variable names must be unique per process.
let variableCounter = 0;

/**
 * Shared machinery of the four forecasters: seeded initialisation, training (Adam, LR schedule, early
 * stopping, gradient clipping, cancellation), batched inference, saving. Weights are kept as named
 * Float32Arrays; tfjs tensors exist only while training or as a cached inference copy.
 *
 * tfjs runs synchronously: the first neural call of a process, synchronous or not, starts the wasm
 * backend (backend.ts), so `train()`, `trainSync()` and `predict()` all compute on it.
 */
export abstract class NeuralForecaster<C extends CommonConfig = CommonConfig> {
  abstract readonly modelType: NeuralModelType;
  readonly config: C;
  protected weights = new Map<string, { shape: number[]; values: Float32Array }>();
  protected scalerState: Scaler | null = null;
  /** Scalers of the exogenous inputs, in config order (empty without exogenous inputs). */
  protected exogenousScalerState: Scaler[] = [];
  trainingInfo: TrainingInfo | null = null;
  metrics: Record<string, unknown> = {};
  private inference: { params: Params; constants: Constants; tf: Tf } | null = null;
  private cachedArchitecture: Architecture | null = null;

  protected constructor(config: C) {
    this.config = config;
  }

  protected abstract buildArchitecture(): Architecture;

  get architecture(): Architecture {
    if (!this.cachedArchitecture) this.cachedArchitecture = this.buildArchitecture();
    return this.cachedArchitecture;
  }

  get inputSize(): number {
    return this.config.inputSize;
  }

  get horizon(): number {
    return this.config.horizon;
  }

  /** Raw values a forecast needs: inputSize, plus one for return targets. */
  get requiredHistory(): number {
    return this.config.inputSize + targetLag(this.config.target);
  }

  get scaler(): Scaler | null {
    return this.scalerState;
  }

  /** The exogenous inputs the model takes ([] = none). */
  get exogenous(): readonly ExogenousSpec[] {
    return this.config.exogenous;
  }

  /** The fitted scaler of each exogenous input, by name (empty before training). */
  get exogenousScalers(): Record<string, Scaler> {
    const out: Record<string, Scaler> = {};
    this.exogenousScalerState.forEach((scaler, e) => {
      out[this.config.exogenous[e].name] = scaler;
    });
    return out;
  }

  /** Values per input row: the target window plus one window per exogenous input. */
  protected get inputWidth(): number {
    return this.config.inputSize * (1 + this.config.exogenous.length);
  }

  get isTrained(): boolean {
    return this.scalerState !== null;
  }

  get parameterCount(): number {
    let count = 0;
    for (const spec of this.architecture.params()) count += spec.shape.reduce((a, b) => a * b, 1);
    return count;
  }

  /**
   * Mini-batch size when TrainOptions.batchSize is not given. 32 for the recurrent and attention models;
   * the MLP models (N-HiTS, N-BEATS) use 256 (neuralforecast samples 1,024 windows per step): with 32 they
   * fit noise within 1-3 epochs and captured only ~20-60% of the learnable gain on an AR(2) process.
   */
  get defaultBatchSize(): number {
    return 32;
  }

  protected get outputs(): number {
    return this.config.quantiles ? QUANTILE_LEVELS.length : 1;
  }

  /** Fresh weights from the seed (called by train unless warmStart). */
  initialiseWeights(): void {
    const rng = new Random(this.config.seed);
    this.weights.clear();
    for (const spec of this.architecture.params()) {
      this.weights.set(spec.name, { shape: spec.shape, values: initialValues(spec, rng) });
    }
    this.invalidateInference();
  }

  /** Train on a series (closes of a BarSeries, or raw values). Loads the wasm backend first. */
  async train(data: TrainingData, options: TrainOptions = {}): Promise<TrainResult> {
    // Reject bad data before paying for loading tfjs.
    const { values, exogenous } = dataInfo(data);
    validateValues(values, this.config.target, 'training data');
    exogenousColumns(this.config.exogenous, exogenous, values.length, 'training data', true);
    assertEnoughData(
      values.length,
      this.config.inputSize,
      this.config.horizon,
      options.validationFraction ?? DEFAULTS.validationFraction,
      targetLag(this.config.target),
    );
    await initNeuralBackend();
    const session = this.startTraining(data, options);
    let step = session.next();
    while (!step.done) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      step = session.next();
    }
    return step.value;
  }

  /** Train synchronously on the active backend (for strategies, which run inside a synchronous onBar). */
  trainSync(data: TrainingData, options: TrainOptions = {}): TrainResult {
    const session = this.startTraining(data, options);
    let step = session.next();
    while (!step.done) step = session.next();
    return step.value;
  }

  private *startTraining(data: TrainingData, options: TrainOptions): Generator<void, TrainResult, void> {
    const started = Date.now();
    const tf = getTf();
    const { inputSize, horizon, target } = this.config;
    const info = dataInfo(data);
    const epochs = positiveInt(options.epochs ?? DEFAULTS.epochs, 'epochs');
    const batchSize = positiveInt(options.batchSize ?? this.defaultBatchSize, 'batchSize');
    const baseRate = options.learningRate ?? DEFAULTS.learningRate;
    const validationFraction = options.validationFraction ?? DEFAULTS.validationFraction;
    if (!(validationFraction >= 0 && validationFraction < 0.9)) {
      throw new ValidationError(`validationFraction must be in [0, 0.9) (got ${validationFraction})`, {
        field: 'validationFraction',
      });
    }
    const patience = options.patience ?? DEFAULTS.patience;
    const minDelta = options.minDelta ?? 0;
    const clipNorm = options.clipNorm ?? DEFAULTS.clipNorm;
    const weightDecay = options.weightDecay ?? 0;
    if (!(weightDecay >= 0 && weightDecay < 1000)) {
      throw new ValidationError(`weightDecay must be >= 0 (got ${weightDecay})`, { field: 'weightDecay' });
    }
    const schedule = options.schedule ?? DEFAULTS.schedule;
    const stepSize = options.stepSize ?? Math.max(1, Math.floor(epochs / 3));
    const stepGamma = options.stepGamma ?? 0.5;
    validateValues(info.values, target, 'training data');
    assertEnoughData(info.values.length, inputSize, horizon, validationFraction, targetLag(target));

    const series = toTargetSpace(info.values, target);
    const split = splitWindows(series.length, inputSize, horizon, validationFraction);
    const scaler = Scaler.fit(series.subarray(0, split.splitIndex), this.config.scaler);
    const scaled = new Float64Array(series.length);
    for (let i = 0; i < series.length; i++) scaled[i] = scaler.transform(series[i]);
    // Exogenous series: value i + lag belongs to target-space step i (the bar it ends on). Each gets its
    // own scaler, fitted on the steps of the training split only (as the target's).
    const lag = targetLag(target);
    const exogenousScalers: Scaler[] = [];
    const scaledExogenous = exogenousColumns(
      this.config.exogenous,
      info.exogenous,
      info.values.length,
      'training data',
      true,
    ).map((raw) => {
      const aligned = raw.subarray(lag, lag + series.length);
      const fitted = Scaler.fit(aligned.subarray(0, split.splitIndex), this.config.scaler);
      exogenousScalers.push(fitted);
      return Float64Array.from(aligned, (v) => fitted.transform(v));
    });
    const width = this.inputWidth;

    if (!options.warmStart || this.weights.size === 0) this.initialiseWeights();
    this.invalidateInference();
    const specs = this.architecture.params();
    const variables: Record<string, Variable> = {};
    for (const spec of specs) {
      const weight = this.weights.get(spec.name);
      if (!weight) throw new ModelError(`weight ${spec.name} missing`);
      variables[spec.name] = tf.variable(
        tf.tensor(weight.values, spec.shape),
        true,
        `${this.modelType}/${spec.name}/${variableCounter++}`,
      );
    }
    const variableList = specs.map((spec) => variables[spec.name]);
    const constants = this.architecture.constants(tf);
    const optimizer = tf.train.adam(baseRate);
    const quantileWeights = this.config.quantiles
      ? tf.tensor2d(
          Float32Array.from(QUANTILE_LEVELS.flatMap((q) => Array.from({ length: horizon }, () => q))),
          [1, QUANTILE_LEVELS.length * horizon],
        )
      : null;
    const lossOf = (prediction: Tensor2D, y: Tensor2D): Tensor => {
      if (!quantileWeights) {
        const error = tf.sub(prediction, y);
        return tf.mean(this.config.loss === 'mae' ? tf.abs(error) : tf.square(error));
      }
      const error = tf.sub(tf.tile(y, [1, QUANTILE_LEVELS.length]), prediction);
      return tf.mean(tf.maximum(tf.mul(error, quantileWeights), tf.mul(error, tf.sub(quantileWeights, 1))));
    };

    const cumulative = this.config.quantiles && this.config.bands === 'cumulative';
    // Dropout masks are drawn from tfjs' seeded generator with a per-batch seed: deterministic runs.
    let dropoutCalls = 0;
    const dropoutSeed = (this.config.seed * 7919 + 13) % 2147483647;
    const training: ForwardContext | undefined =
      this.config.dropout > 0
        ? {
            dropout: (t) =>
              tf.dropout(t, this.config.dropout, undefined, dropoutSeed + dropoutCalls++) as Tensor2D,
          }
        : undefined;
    const rng = new Random((this.config.seed ^ 0x5bd1e995) >>> 0);
    const trainCount = split.trainStarts.length;
    const order = new Int32Array(trainCount);
    for (let i = 0; i < trainCount; i++) order[i] = i;
    const xs = new Float32Array(batchSize * width);
    const ys = new Float32Array(batchSize * horizon);
    const chunk = INFERENCE_CHUNK;
    const vx = new Float32Array(chunk * width);
    const vy = new Float32Array(chunk * horizon);

    const validationLoss = (): number | null => {
      const count = split.validationStarts.length;
      if (count === 0) return null;
      let total = 0;
      for (let from = 0; from < count; from += chunk) {
        const to = Math.min(count, from + chunk);
        const rows = to - from;
        fillBatch(
          scaled,
          split.validationStarts,
          null,
          from,
          to,
          inputSize,
          horizon,
          vx,
          vy,
          scaledExogenous,
        );
        if (cumulative) toCumulativeTargets(vy, rows, horizon);
        const loss = tf.tidy(() => {
          const x = tf.tensor2d(vx.subarray(0, rows * width), [rows, width]);
          const y = tf.tensor2d(vy.subarray(0, rows * horizon), [rows, horizon]);
          return lossOf(this.architecture.forward(tf, variables, constants, x), y).dataSync()[0];
        });
        total += loss * rows;
      }
      return total / count;
    };

    const snapshot = () => {
      const copy = new Map<string, Float32Array>();
      for (const spec of specs)
        copy.set(spec.name, (variables[spec.name].dataSync() as Float32Array).slice());
      return copy;
    };

    const lossHistory: number[] = [];
    const valLossHistory: (number | null)[] = [];
    let best = Number.POSITIVE_INFINITY;
    let bestEpoch = 0;
    let bestWeights: Map<string, Float32Array> | null = null;
    let sinceBest = 0;
    let stoppedEarly = false;
    let cancelled = false;
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        if (options.signal?.aborted) {
          cancelled = true;
          break;
        }
        const rate =
          schedule === 'cosine'
            ? baseRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs)))
            : schedule === 'step'
              ? baseRate * stepGamma ** Math.floor((epoch - 1) / stepSize)
              : baseRate;
        (optimizer as unknown as { learningRate: number }).learningRate = rate;
        for (let i = trainCount - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          const swap = order[i];
          order[i] = order[j];
          order[j] = swap;
        }
        let epochLoss = 0;
        for (let from = 0; from < trainCount; from += batchSize) {
          const to = Math.min(trainCount, from + batchSize);
          const rows = to - from;
          fillBatch(scaled, split.trainStarts, order, from, to, inputSize, horizon, xs, ys, scaledExogenous);
          if (cumulative) toCumulativeTargets(ys, rows, horizon);
          const batchLoss = tf.tidy(() => {
            const x = tf.tensor2d(xs.subarray(0, rows * width), [rows, width]);
            const y = tf.tensor2d(ys.subarray(0, rows * horizon), [rows, horizon]);
            const { value, grads } = tf.variableGrads(
              () => lossOf(this.architecture.forward(tf, variables, constants, x, training), y) as never,
              variableList,
            );
            let applied = grads;
            if (clipNorm > 0) {
              const squares = Object.values(grads).map((g) => tf.sum(tf.square(g)));
              const norm = tf.sqrt(tf.addN(squares));
              const factor = tf.div(clipNorm, tf.maximum(norm, clipNorm));
              applied = {};
              for (const [name, g] of Object.entries(grads)) applied[name] = tf.mul(g, factor);
            }
            optimizer.applyGradients(applied as Record<string, Tensor> as never);
            if (weightDecay > 0) {
              const factor = 1 - rate * weightDecay;
              for (const spec of specs) {
                if (!spec.name.endsWith('kernel')) continue;
                const variable = variables[spec.name];
                variable.assign(tf.mul(variable, factor));
              }
            }
            return value.dataSync()[0];
          });
          epochLoss += batchLoss * rows;
          if (options.signal?.aborted) break;
        }
        if (options.signal?.aborted && epoch > 1) {
          // A partial epoch is not a checkpoint candidate; the best complete epoch is kept.
          cancelled = true;
          break;
        }
        const loss = epochLoss / trainCount;
        const valLoss = validationLoss();
        const monitored = valLoss ?? loss;
        const improved = monitored < best - minDelta || bestWeights === null;
        if (improved) {
          best = monitored;
          bestEpoch = epoch;
          bestWeights = snapshot();
          sinceBest = 0;
        } else {
          sinceBest++;
        }
        lossHistory.push(loss);
        valLossHistory.push(valLoss);
        options.onEpoch?.({
          epoch,
          epochs,
          loss,
          valLoss,
          learningRate: rate,
          improved,
          elapsedMs: Date.now() - started,
        });
        if (patience > 0 && sinceBest >= patience) {
          stoppedEarly = true;
          break;
        }
        if (options.signal?.aborted) {
          cancelled = true;
          break;
        }
        yield;
      }
      const final = options.restoreBest === false || !bestWeights ? snapshot() : bestWeights;
      for (const spec of specs) {
        const values = final.get(spec.name);
        if (values) this.weights.set(spec.name, { shape: spec.shape, values });
      }
    } finally {
      for (const variable of variableList) variable.dispose();
      for (const constant of Object.values(constants)) constant.dispose();
      quantileWeights?.dispose();
      optimizer.dispose();
    }
    if (lossHistory.length === 0 && !bestWeights) {
      // Cancelled before any epoch finished: nothing trained, keep no half-state.
      this.scalerState = null;
      this.exogenousScalerState = [];
    } else {
      this.scalerState = scaler;
      this.exogenousScalerState = exogenousScalers;
    }
    const result: TrainResult = {
      epochsRun: lossHistory.length,
      bestEpoch,
      bestValLoss: split.validationStarts.length > 0 && Number.isFinite(best) ? best : null,
      lossHistory,
      valLossHistory,
      stoppedEarly,
      cancelled,
      trainSamples: trainCount,
      validationSamples: split.validationStarts.length,
      durationMs: Date.now() - started,
    };
    const { onEpoch: _onEpoch, signal: _signal, ...recorded } = options;
    this.trainingInfo = {
      symbol: info.symbol,
      start: info.start,
      end: info.end,
      bars: info.values.length,
      trainSamples: trainCount,
      validationSamples: split.validationStarts.length,
      epochsRun: result.epochsRun,
      bestEpoch,
      bestValLoss: result.bestValLoss,
      // The loss of the epoch whose weights the model holds (the restored best epoch, unless restoreBest is off).
      finalLoss:
        (options.restoreBest === false || bestEpoch === 0
          ? lossHistory[lossHistory.length - 1]
          : lossHistory[bestEpoch - 1]) ?? Number.NaN,
      stoppedEarly,
      cancelled,
      naiveScale: naiveScale(info.values.subarray(0, split.splitIndex + targetLag(target)), 1),
      options: recorded,
      durationMs: result.durationMs,
    };
    return result;
  }

  private ensureTrained(): Scaler {
    if (
      !this.scalerState ||
      this.weights.size === 0 ||
      this.exogenousScalerState.length !== this.config.exogenous.length
    ) {
      throw new ModelError(`${this.modelType} model is not trained`, {
        hint: 'call train() first or load a trained model file',
      });
    }
    return this.scalerState;
  }

  private inferenceState() {
    if (!this.inference) {
      const tf = getTf();
      const params: Params = {};
      for (const spec of this.architecture.params()) {
        const weight = this.weights.get(spec.name);
        if (!weight) throw new ModelError(`${this.modelType} model has no weight ${spec.name}`);
        params[spec.name] = tf.tensor(weight.values, spec.shape);
      }
      this.inference = { params, constants: this.architecture.constants(tf), tf };
    }
    return this.inference;
  }

  private invalidateInference(): void {
    if (!this.inference) return;
    for (const tensor of Object.values(this.inference.params)) tensor.dispose();
    for (const tensor of Object.values(this.inference.constants)) tensor.dispose();
    this.inference = null;
  }

  /** Free the cached inference tensors (weights stay in JS memory; the model stays usable). */
  dispose(): void {
    this.invalidateInference();
  }

  /**
   * Forecasts from one series at many origins in one batched pass. Origin t means "the last known value
   * is values[t]": the forecast for t uses values[t - requiredHistory + 1 .. t] and nothing later.
   * Returns origin-major [origins x horizon] forecasts in the original units, plus the raw quantile paths.
   */
  forecastAt(
    values: Float64Array,
    origins: ArrayLike<number>,
    exogenous?: ExogenousSeries | null,
  ): { point: Float64Array; quantiles: Float64Array | null } {
    const exogenousValues = exogenousColumns(this.config.exogenous, exogenous, values.length, 'the series');
    const scaler = this.ensureTrained();
    const { inputSize, horizon, target } = this.config;
    const exogenousScalers = this.exogenousScalerState;
    const width = this.inputWidth;
    const need = this.requiredHistory;
    const lag = targetLag(target);
    const outputs = this.outputs;
    const { params, constants, tf } = this.inferenceState();
    const count = origins.length;
    const point = new Float64Array(count * horizon);
    const quantiles = this.config.quantiles ? new Float64Array(count * outputs * horizon) : null;
    const x = new Float32Array(Math.min(count, INFERENCE_CHUNK) * width);
    const raw = new Float64Array(inputSize + lag);
    const step = new Float64Array(horizon);
    const path = new Float64Array(horizon);
    for (let from = 0; from < count; from += INFERENCE_CHUNK) {
      const to = Math.min(count, from + INFERENCE_CHUNK);
      const rows = to - from;
      for (let r = 0; r < rows; r++) {
        const t = origins[from + r];
        if (!Number.isInteger(t) || t < need - 1 || t >= values.length) {
          throw new ValidationError(
            `forecast origin ${t} needs ${need} values up to it (series has ${values.length})`,
            { field: 'origin' },
          );
        }
        const base = t - need + 1;
        for (let j = 0; j < need; j++) {
          const v = values[base + j];
          // Same checks as validateValues, inline: this loop runs for every forecast origin.
          if (!Number.isFinite(v) || (target !== 'price' && v <= 0)) {
            for (let i = 0; i < need; i++) raw[i] = values[base + i];
            validateValues(raw, target, `input window ending at index ${t}`);
          }
        }
        writeTargetWindow(values, base, inputSize, target, scaler, x, r * width);
        // Exogenous windows end at the origin too: the values of the target window's bars.
        for (let e = 0; e < exogenousValues.length; e++) {
          const series = exogenousValues[e];
          const offset = r * width + (e + 1) * inputSize;
          for (let j = 0; j < inputSize; j++) {
            const v = series[t - inputSize + 1 + j];
            if (!Number.isFinite(v)) {
              throw new ValidationError(
                `exogenous input '${this.config.exogenous[e].name}' has a non-finite value (${v}) at index ${t - inputSize + 1 + j}`,
                { field: `exogenous.${this.config.exogenous[e].name}` },
              );
            }
            x[offset + j] = exogenousScalers[e].transform(v);
          }
        }
      }
      // The values are read outside tidy: tidy walks whatever its callback returns looking for tensors,
      // and walking a Float32Array visits every element (~2 us each: 10+ ms per 1024 forecasts).
      const result = tf.tidy(() =>
        this.architecture.forward(
          tf,
          params,
          constants,
          tf.tensor2d(x.subarray(0, rows * width), [rows, width]),
        ),
      );
      const output = result.dataSync();
      result.dispose();
      const medianIndex = outputs === 1 ? 0 : 1;
      const cumulative = this.config.quantiles && this.config.bands === 'cumulative';
      for (let r = 0; r < rows; r++) {
        const last = values[origins[from + r]];
        for (let q = 0; q < outputs; q++) {
          if (cumulative) {
            // Output j is the scaled cumulative target over steps 1..j+1 (see toCumulativeTargets):
            // undo it and difference back to per-step values, whose running sum is that quantile.
            let previous = 0;
            for (let j = 0; j < horizon; j++) {
              const total =
                scaler.scale * output[r * outputs * horizon + q * horizon + j] * Math.sqrt(j + 1) +
                (j + 1) * scaler.center;
              step[j] = total - previous;
              previous = total;
            }
          } else {
            for (let j = 0; j < horizon; j++)
              step[j] = scaler.inverse(output[r * outputs * horizon + q * horizon + j]);
          }
          fromTargetSpace(step, last, target, path);
          if (q === medianIndex) point.set(path, (from + r) * horizon);
          if (quantiles) quantiles.set(path, ((from + r) * outputs + q) * horizon);
        }
      }
    }
    return { point, quantiles };
  }

  /**
   * Forecast the next `horizon` values after a window of raw values (its last `requiredHistory` are used).
   * Models with exogenous inputs need those series too, aligned with the window (same length).
   */
  predict(window: ArrayLike<number>, exogenous?: ExogenousSeries): Float64Array {
    const values = window instanceof Float64Array ? window : Float64Array.from(window);
    this.assertWindow(values);
    return this.forecastAt(values, [values.length - 1], exogenous).point;
  }

  /** p10/p50/p90 paths for a window (quantile models only). */
  predictQuantiles(
    window: ArrayLike<number>,
    exogenous?: ExogenousSeries,
  ): { p10: Float64Array; p50: Float64Array; p90: Float64Array } {
    if (!this.config.quantiles) {
      throw new ModelError(`this ${this.modelType} model was trained without quantiles`, {
        hint: 'train with quantiles: true (CLI: --quantiles)',
      });
    }
    const values = window instanceof Float64Array ? window : Float64Array.from(window);
    this.assertWindow(values);
    const q = this.forecastAt(values, [values.length - 1], exogenous).quantiles as Float64Array;
    const h = this.config.horizon;
    return { p10: q.slice(0, h), p50: q.slice(h, 2 * h), p90: q.slice(2 * h, 3 * h) };
  }

  /** Forecasts for many windows in one batched call (with exogenous inputs: one record per window). */
  predictBatch(
    windows: readonly ArrayLike<number>[],
    exogenous?: readonly ExogenousSeries[],
  ): Float64Array[] {
    const need = this.requiredHistory;
    const flat = new Float64Array(windows.length * need);
    const origins = new Int32Array(windows.length);
    const names = this.config.exogenous.map((s) => s.name);
    if (exogenous && exogenous.length !== windows.length) {
      throw new ValidationError(
        `predictBatch: ${windows.length} windows but ${exogenous.length} exogenous records`,
        { field: 'exogenous' },
      );
    }
    const flatExogenous: Record<string, Float64Array> | undefined =
      names.length > 0 || exogenous
        ? Object.fromEntries(names.map((name) => [name, new Float64Array(windows.length * need)]))
        : undefined;
    windows.forEach((window, k) => {
      const values = window instanceof Float64Array ? window : Float64Array.from(window);
      this.assertWindow(values);
      flat.set(values.subarray(values.length - need), k * need);
      origins[k] = k * need + need - 1;
      if (flatExogenous) {
        const columns = exogenousColumns(this.config.exogenous, exogenous?.[k], values.length, `window ${k}`);
        columns.forEach((column, e) => {
          flatExogenous[names[e]].set(column.subarray(column.length - need), k * need);
        });
      }
    });
    const { point } = this.forecastAt(flat, origins, flatExogenous);
    const h = this.config.horizon;
    return windows.map((_, k) => point.slice(k * h, (k + 1) * h));
  }

  private assertWindow(values: Float64Array): void {
    if (values.length < this.requiredHistory) {
      throw new ValidationError(
        `input window has ${values.length} values; this model needs at least ${this.requiredHistory} (input size ${this.config.inputSize}${targetLag(this.config.target) ? ' + 1 for returns' : ''})`,
        { field: 'window' },
      );
    }
  }

  /** Held-out evaluation against naive baselines: forecasts at every origin of `data` (see `evaluateForecaster`). */
  evaluate(data: TrainingData, options: EvaluateOptions = {}): EvaluationReport {
    return evaluateForecaster(this, data, options);
  }

  metadata(): ModelMetadata {
    return {
      format: 'neural-trader-model',
      formatVersion: MODEL_FILE_VERSION,
      modelType: this.modelType,
      config: this.config as CommonConfig & Record<string, unknown>,
      scaler: this.scalerState?.toJSON() ?? null,
      ...(this.config.exogenous.length > 0 ? { exogenousScalers: this.exogenousScalerStateJSON() } : {}),
      training: this.trainingInfo,
      metrics: this.metrics,
      createdAt: new Date().toISOString(),
      tfjsVersion: getTf().version.tfjs,
      library: 'neural-trader 0.1.0',
    };
  }

  private exogenousScalerStateJSON(): Record<string, ScalerState> {
    const out: Record<string, ScalerState> = {};
    for (const [name, scaler] of Object.entries(this.exogenousScalers)) out[name] = scaler.toJSON();
    return out;
  }

  /** The model file bytes (see model-file.ts for the format). */
  serialize(): Buffer {
    this.ensureTrained();
    return encodeModelFile(this.metadata(), this.weights);
  }

  /** Write the model to one file (atomically). */
  save(path: string): void {
    writeModelFile(path, this.serialize());
  }

  /** Named weights (copies), e.g. for inspection. */
  getWeights(): Map<string, { shape: number[]; values: Float32Array }> {
    return new Map(
      [...this.weights].map(([name, w]) => [name, { shape: [...w.shape], values: w.values.slice() }]),
    );
  }

  /** Restore state from a decoded model file (used by the loaders). */
  restore(metadata: ModelMetadata, weights: Map<string, { shape: number[]; values: Float32Array }>): void {
    for (const spec of this.architecture.params()) {
      const weight = weights.get(spec.name);
      if (!weight || weight.shape.join('x') !== spec.shape.join('x')) {
        throw new ModelError(
          `model file does not match its ${this.modelType} architecture: weight ${spec.name} ${weight ? `has shape [${weight.shape}], expected [${spec.shape}]` : 'is missing'}`,
        );
      }
    }
    const exogenousScalers = this.config.exogenous.map((spec) => {
      const state = metadata.exogenousScalers?.[spec.name];
      if (!state) {
        throw new ModelError(`model file is damaged: exogenous input '${spec.name}' has no scaler`, {
          hint: 'retrain the model; the file does not record how to scale that input',
        });
      }
      return new Scaler(state);
    });
    const extra = Object.keys(metadata.exogenousScalers ?? {}).filter(
      (name) => !this.config.exogenous.some((s) => s.name === name),
    );
    if (extra.length > 0) {
      throw new ModelError(
        `model file is damaged: scalers for exogenous inputs it does not declare (${extra.join(', ')})`,
      );
    }
    this.weights = weights;
    this.exogenousScalerState = exogenousScalers;
    this.scalerState = metadata.scaler ? new Scaler(metadata.scaler) : null;
    this.trainingInfo = metadata.training;
    this.metrics = metadata.metrics ?? {};
    this.invalidateInference();
  }
}
