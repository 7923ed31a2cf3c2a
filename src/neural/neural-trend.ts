import { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import type { StrategyDefinition } from '../strategies/definition.js';
import type { ParamSpec } from '../strategies/params.js';
import { paramsSchema, parseParams } from '../strategies/params.js';
import type { Signal, SignalGenerator, Strategy, StrategyContext } from '../strategies/types.js';
import { initNeuralBackend } from './backend.js';
import type { NeuralModelType, TrainResult } from './forecaster.js';
import { NEURAL_MODEL_TYPES } from './forecaster.js';
import { type AnyForecaster, createForecaster } from './models.js';
import { FORECAST_TARGETS, type ForecastTarget } from './target.js';

/**
 * neural-trend: trade a neural forecaster's view of the next `horizon` bars. At bar t the model forecasts
 * from bars <= t only; if the forecast h-step return exceeds `threshold` the strategy is long, below
 * -threshold it is short (allowShort) or flat, otherwise flat. The model is retrained walk-forward every
 * `retrainEvery` bars on the `trainWindow` bars up to and including the current one, so it never sees the
 * bars it trades on.
 */
export interface NeuralTrendParams {
  model: NeuralModelType;
  inputSize: number;
  horizon: number;
  hiddenSize: number;
  epochs: number;
  retrainEvery: number;
  /** Bars of history each (re)training uses (0 = all so far). */
  trainWindow: number;
  /** Bars before the first training (and trade). */
  minTrainBars: number;
  threshold: number;
  allowShort: boolean;
  percent: number;
  target: ForecastTarget;
  learningRate: number;
  seed: number;
}

export const neuralTrendParams: readonly ParamSpec[] = [
  {
    name: 'model',
    type: 'choice',
    default: 'nhits',
    choices: NEURAL_MODEL_TYPES,
    description: 'forecaster: nhits, nbeats, lstm or transformer',
  },
  {
    name: 'inputSize',
    type: 'integer',
    default: 32,
    min: 2,
    max: 1024,
    grid: { min: 16, max: 64, step: 16 },
    description: 'bars (returns) in each input window',
  },
  {
    name: 'horizon',
    type: 'integer',
    default: 5,
    min: 1,
    max: 250,
    grid: { min: 1, max: 10, step: 1 },
    description: 'bars ahead the forecast (and the trade) looks',
  },
  {
    name: 'hiddenSize',
    type: 'integer',
    default: 32,
    min: 1,
    max: 1024,
    description: 'hidden units (Transformer: model size)',
  },
  {
    name: 'epochs',
    type: 'integer',
    default: 10,
    min: 1,
    max: 1000,
    description: 'training epochs per (re)training',
  },
  {
    name: 'retrainEvery',
    type: 'integer',
    default: 126,
    min: 1,
    max: 100_000,
    grid: { min: 21, max: 252, step: 21 },
    description: 'bars between walk-forward retrainings',
  },
  {
    name: 'trainWindow',
    type: 'integer',
    default: 750,
    min: 0,
    max: 1_000_000,
    description: 'bars of history per training (0 = all so far)',
  },
  {
    name: 'minTrainBars',
    type: 'integer',
    default: 300,
    min: 10,
    max: 1_000_000,
    description: 'bars of history before the first training',
  },
  {
    name: 'threshold',
    type: 'number',
    default: 0,
    min: 0,
    max: 1,
    grid: { min: 0, max: 0.02, step: 0.005 },
    description: 'forecast h-step return (fraction) needed to go long (or short below its negative)',
  },
  {
    name: 'allowShort',
    type: 'boolean',
    default: false,
    description: 'go short (not just flat) when the forecast return is below -threshold',
  },
  {
    name: 'percent',
    type: 'number',
    default: 1,
    min: 0.01,
    max: 10,
    description: 'position size as a fraction of equity',
  },
  {
    name: 'target',
    type: 'choice',
    default: 'log-return',
    choices: FORECAST_TARGETS,
    description: 'what the network models',
  },
  {
    name: 'learningRate',
    type: 'number',
    default: 0.001,
    min: 1e-6,
    max: 1,
    description: 'Adam learning rate',
  },
  {
    name: 'seed',
    type: 'integer',
    default: 42,
    min: 0,
    max: 2 ** 31 - 1,
    description: 'seed for initialisation and shuffling',
  },
];

const DEFAULTS = parseParams<NeuralTrendParams>('neural-trend', neuralTrendParams, {});

export function resolveNeuralTrendParams(params: Partial<NeuralTrendParams> = {}): NeuralTrendParams {
  const resolved = { ...DEFAULTS, ...params };
  if (resolved.minTrainBars < resolved.inputSize + resolved.horizon + 2) {
    resolved.minTrainBars = resolved.inputSize + resolved.horizon + 2;
  }
  if (resolved.trainWindow > 0 && resolved.trainWindow < resolved.minTrainBars) {
    throw new ValidationError(
      `neural-trend: trainWindow (${resolved.trainWindow}) must be 0 or at least minTrainBars (${resolved.minTrainBars})`,
      { field: 'trainWindow' },
    );
  }
  return resolved;
}

function buildModel(params: NeuralTrendParams): AnyForecaster {
  const architecture =
    params.model === 'transformer'
      ? { modelSize: params.hiddenSize, heads: params.hiddenSize % 4 === 0 ? 4 : 1 }
      : { hiddenSize: params.hiddenSize };
  return createForecaster(params.model, {
    inputSize: params.inputSize,
    horizon: params.horizon,
    target: params.target,
    seed: params.seed,
    ...architecture,
  });
}

function trainOn(model: AnyForecaster, closes: Float64Array, params: NeuralTrendParams): TrainResult {
  return model.trainSync(closes, {
    epochs: params.epochs,
    learningRate: params.learningRate,
    validationFraction: 0.2,
    patience: Math.max(3, Math.ceil(params.epochs / 4)),
  });
}

/** Desired exposure for a forecast h-step return. */
export function exposureForForecast(forecastReturn: number, params: NeuralTrendParams): number {
  if (forecastReturn > params.threshold) return params.percent;
  if (params.allowShort && forecastReturn < -params.threshold) return -params.percent;
  return 0;
}

/** Bars at which walk-forward training happens: the first at minTrainBars - 1, then every retrainEvery. */
export function retrainSchedule(length: number, params: NeuralTrendParams): number[] {
  const points: number[] = [];
  for (let t = params.minTrainBars - 1; t < length; t += params.retrainEvery) points.push(t);
  return points;
}

function trainingSlice(closes: Float64Array, t: number, params: NeuralTrendParams): Float64Array {
  const from = params.trainWindow > 0 ? Math.max(0, t + 1 - params.trainWindow) : 0;
  return closes.subarray(from, t + 1);
}

export interface NeuralTrendSignals {
  /** Forecast h-step return at each bar (NaN before the first training). */
  forecastReturns: Float64Array;
  /** Desired exposure at each bar (signed fraction of equity). */
  exposures: Float64Array;
  /** Bars at which the model was (re)trained (on bars up to and including that bar). */
  retrainedAt: number[];
}

/**
 * The strategy's decisions over a whole series, computed offline: walk-forward training at each
 * scheduled bar, then ONE batched forecast call for the whole segment up to the next retraining, each
 * forecast built from the bars up to its own origin. Gives the same decisions as running the strategy
 * bar by bar (which the tests check), much faster.
 */
export function neuralTrendSignals(
  data: BarSeries | Float64Array,
  params: Partial<NeuralTrendParams> = {},
): NeuralTrendSignals {
  const resolved = resolveNeuralTrendParams(params);
  const closes = data instanceof BarSeries ? data.close : data;
  const n = closes.length;
  const forecastReturns = new Float64Array(n).fill(Number.NaN);
  const exposures = new Float64Array(n);
  const retrainedAt = retrainSchedule(n, resolved);
  for (let s = 0; s < retrainedAt.length; s++) {
    const t0 = retrainedAt[s];
    const t1 = Math.min(n, s + 1 < retrainedAt.length ? retrainedAt[s + 1] : n);
    const model = buildModel(resolved);
    trainOn(model, trainingSlice(closes, t0, resolved), resolved);
    const origins = Int32Array.from({ length: t1 - t0 }, (_, k) => t0 + k);
    const { point } = model.forecastAt(closes, origins);
    model.dispose();
    const h = resolved.horizon;
    for (let k = 0; k < origins.length; k++) {
      const t = origins[k];
      forecastReturns[t] = point[k * h + h - 1] / closes[t] - 1;
      exposures[t] = exposureForForecast(forecastReturns[t], resolved);
    }
  }
  return { forecastReturns, exposures, retrainedAt };
}

/** The neural-trend strategy (backtest and live share it). */
export class NeuralTrendStrategy implements Strategy, SignalGenerator {
  readonly name = 'neural-trend';
  readonly symbols: readonly string[];
  readonly symbol: string;
  readonly warmup: number;
  readonly params: Readonly<NeuralTrendParams>;
  /**
   * The current model (retrained walk-forward); null before the first training, and in a run prepared with
   * its data (prepare(data) trains and disposes a model per segment).
   */
  model: AnyForecaster | null = null;
  /** Forecast h-step return at the last bar seen. */
  lastForecastReturn = Number.NaN;
  private lastTrainedAt = -1;
  private exposure = 0;
  /** Decisions precomputed by prepare(data) for the run's close column (null: decide bar by bar). */
  private plan: (NeuralTrendSignals & { close: Float64Array; schedule: Set<number> }) | null = null;
  readonly retrainedAt: number[] = [];

  constructor(symbol: string, params: Partial<NeuralTrendParams> = {}) {
    if (typeof symbol !== 'string' || symbol.trim() === '') {
      throw new ValidationError('neural-trend: a symbol is required', { field: 'symbols' });
    }
    this.symbol = symbol;
    this.symbols = [symbol];
    this.params = resolveNeuralTrendParams(params);
    this.warmup = this.params.minTrainBars;
  }

  /**
   * Start the fast wasm backend; given the run's data (a backtest or sweep trial), also compute the whole
   * run's decisions up front with one batched forecast per retraining segment (neuralTrendSignals: the
   * same training windows and the same decisions as bar by bar), which onBar then reads. Without data
   * (live, paper) onBar trains and forecasts bar by bar.
   */
  async prepare(data?: readonly BarSeries[]): Promise<void> {
    await initNeuralBackend();
    this.plan = null;
    const series = data?.find((s) => s.symbol === this.symbol);
    if (!series) return;
    const signals = neuralTrendSignals(series.close, this.params);
    this.plan = { ...signals, close: series.close, schedule: new Set(signals.retrainedAt) };
  }

  /**
   * The precomputed exposure at bar t, or undefined when there is no plan for this history: prepare(data)
   * was not given data, or the run's close column is not the one it planned on (the engine aligned the
   * series into new columns, or the strategy runs on other data). Checked by identity, so a plan is only
   * read for exactly the bars it was computed from.
   */
  private planned(close: Float64Array, t: number): number | undefined {
    const plan = this.plan;
    if (plan === null || close.buffer !== plan.close.buffer || close.byteOffset !== plan.close.byteOffset) {
      return undefined;
    }
    if (t >= plan.close.length) {
      throw new ValidationError(
        `neural-trend: prepare() was given ${plan.close.length} bars but the run reached bar ${t + 1}`,
        { field: 'data', hint: 'pass prepare() the series the run uses, or no data to decide bar by bar' },
      );
    }
    if (plan.schedule.has(t)) this.retrainedAt.push(t);
    this.lastForecastReturn = plan.forecastReturns[t];
    return plan.exposures[t];
  }

  onStart(): void {
    this.model?.dispose();
    this.model = null;
    this.lastTrainedAt = -1;
    this.exposure = 0;
    this.retrainedAt.length = 0;
    this.lastForecastReturn = Number.NaN;
  }

  /** Desired exposure at the last bar of `closes` (bars after it are never read). */
  private decide(closes: Float64Array, t: number): number {
    const p = this.params;
    if (t + 1 < p.minTrainBars) return 0;
    if (!this.model || t - this.lastTrainedAt >= p.retrainEvery) {
      this.model?.dispose();
      const model = buildModel(p);
      trainOn(model, trainingSlice(closes, t, p), p);
      this.model = model;
      this.lastTrainedAt = t;
      this.retrainedAt.push(t);
    }
    const forecast = this.model.forecastAt(closes, [t]).point;
    this.lastForecastReturn = forecast[p.horizon - 1] / closes[t] - 1;
    return exposureForForecast(this.lastForecastReturn, p);
  }

  onBar(context: StrategyContext): void {
    const history = context.history(this.symbol);
    const t = history.length - 1;
    const target = this.planned(history.close, t) ?? this.decide(history.close, t);
    if (target !== this.exposure) {
      this.exposure = target;
      context.orderTargetPercent(this.symbol, target);
    }
  }

  onEnd(): void {
    this.model?.dispose();
  }

  /** 'buy' / 'sell' / 'hold' at the last element of `data`, from a model trained on data before it. */
  generateSignal(data: BarSeries | readonly { close: number }[] | ArrayLike<number>): Signal {
    const closes =
      data instanceof BarSeries
        ? data.close
        : Float64Array.from(data as ArrayLike<unknown>, (v) =>
            typeof v === 'number' ? v : (v as { close: number }).close,
          );
    const fresh = new NeuralTrendStrategy(this.symbol, this.params);
    const t = closes.length - 1;
    const current = fresh.decide(closes, t);
    fresh.model?.dispose();
    if (current > 0) return 'buy';
    if (current < 0) return 'sell';
    return 'hold';
  }
}

export function createNeuralTrendStrategy(
  symbol: string,
  params: Partial<NeuralTrendParams> = {},
): NeuralTrendStrategy {
  return new NeuralTrendStrategy(
    symbol,
    parseParams<NeuralTrendParams>('neural-trend', neuralTrendParams, params),
  );
}

/**
 * The registry definition (strategies/registry.ts lists it). Backtests and sweep trials await
 * `prepare(data)`, which starts the wasm backend and batches the run's forecasts; a strategy driven
 * without it (an engine run with no prepare) trains and forecasts bar by bar on the active backend.
 */
export const neuralTrendDefinition: StrategyDefinition = {
  name: 'neural-trend',
  description:
    'Trade a neural forecast (N-HiTS/N-BEATS/LSTM/Transformer) of the h-bar return, retrained walk-forward every N bars.',
  params: neuralTrendParams,
  minSymbols: 1,
  maxSymbols: 1,
  schema: paramsSchema(neuralTrendParams),
  create: ({ symbols, ...params }) =>
    new NeuralTrendStrategy(symbols[0], params as Partial<NeuralTrendParams>),
};
