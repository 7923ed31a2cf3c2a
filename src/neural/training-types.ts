import type { BarSeries } from '../core/bars.js';

/**
 * What training takes and reports, shared by the forecasters (forecaster.ts) and the evaluation that
 * trains and scores them (evaluate.ts), so that neither has to import the other for its types.
 */

export type LearningRateSchedule = 'constant' | 'cosine' | 'step';

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** 'cosine' (default) anneals to 5% of the rate; 'step' multiplies by `stepGamma` every `stepSize` epochs. */
  schedule?: LearningRateSchedule;
  stepSize?: number;
  stepGamma?: number;
  /** Fraction of the series (by time, at the end) used for validation (default 0.2; 0 = none). */
  validationFraction?: number;
  /** Epochs without validation improvement before stopping (default 10; 0 = never stop early). */
  patience?: number;
  minDelta?: number;
  /** Restore the weights of the best validation epoch at the end (default true). */
  restoreBest?: boolean;
  /** Clip gradients by global norm (default 1; 0 = off). */
  clipNorm?: number;
  /**
   * Decoupled weight decay (AdamW): after each step every weight matrix is multiplied by
   * 1 - learningRate x weightDecay (biases, norms and positional tables are not decayed). Default 0.
   */
  weightDecay?: number;
  onEpoch?: (report: EpochReport) => void;
  /** Abort training: the best weights so far are kept and the result says `cancelled`. */
  signal?: AbortSignal;
  /** Keep the current weights as a starting point instead of re-initialising from the seed. */
  warmStart?: boolean;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number | null;
  learningRate: number;
  /** True when this epoch is the best so far (its weights are the checkpoint). */
  improved: boolean;
  elapsedMs: number;
}

export interface TrainResult {
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number | null;
  lossHistory: number[];
  valLossHistory: (number | null)[];
  stoppedEarly: boolean;
  cancelled: boolean;
  trainSamples: number;
  validationSamples: number;
  durationMs: number;
}

export interface TrainingInfo {
  symbol: string | null;
  start: string | null;
  end: string | null;
  bars: number;
  trainSamples: number;
  validationSamples: number;
  epochsRun: number;
  bestEpoch: number;
  bestValLoss: number | null;
  finalLoss: number;
  stoppedEarly: boolean;
  cancelled: boolean;
  /** In-sample MAE of the one-step naive forecast on the training data (MASE denominator). */
  naiveScale: number;
  options: Omit<TrainOptions, 'onEpoch' | 'signal'>;
  durationMs: number;
}

/** Exogenous series by name, each aligned bar for bar with the target series (same length). */
export type ExogenousSeries = Readonly<Record<string, ArrayLike<number>>>;

/** A target series with the exogenous series of a model trained with exogenous inputs. */
export interface SeriesWithExogenous {
  series: BarSeries | Float64Array | readonly number[];
  exogenous: ExogenousSeries;
}

/**
 * A series to train on or evaluate: bars (their closes) or plain values, oldest first; for models with
 * exogenous inputs, wrapped with those series.
 */
export type TrainingData = BarSeries | Float64Array | readonly number[] | SeriesWithExogenous;
