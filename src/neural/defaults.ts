/**
 * Neural training defaults, in one place: the library applies them (buildForecaster, train) and the CLI
 * (`neural train`) and the MCP server (`neural_train`) read them here for their defaults and help texts,
 * so the same request through any face trains the same model to the same numbers. Imports nothing (the
 * CLI reads it at start-up, before tfjs is loaded).
 */
export const NEURAL_TRAIN_DEFAULTS = {
  /** Architecture when none is named. */
  model: 'nhits',
  /** Bars ahead to forecast. */
  horizon: 5,
  /** Maximum training epochs (early stopping usually ends training sooner). */
  epochs: 100,
  /** Adam learning rate. */
  learningRate: 0.001,
  /** Learning-rate schedule over the epochs. */
  schedule: 'cosine',
  /** Epochs without validation improvement before stopping early (0 = off). */
  patience: 10,
  /** Final share of the windows held out for early stopping. */
  validationFraction: 0.2,
  /** Gradient clipping by global norm (0 = off). */
  clipNorm: 1,
  /** What the network models. */
  target: 'log-return',
  /** Scaling of target-space values. */
  scaler: 'standard',
  /** Architecture sizes: 'small' (this library's fast sizes) or 'neuralforecast'. */
  preset: 'small',
  /** Point loss (quantile models train on the pinball loss instead). */
  loss: 'mse',
  /** Seed for initialisation and shuffling. */
  seed: 42,
} as const;

/** Bars per input window when none is given: 4 x horizon, at least 8. */
export function defaultInputSize(horizon: number): number {
  return Math.max(8, 4 * horizon);
}

/** The input-size rule in words, for help texts. */
export const DEFAULT_INPUT_SIZE_TEXT = '4 x horizon, at least 8';

/** The loss a model's training minimises: its point loss, or the pinball loss of a quantile model. */
export type OptimisedLoss = 'mse' | 'mae' | 'pinball';

/**
 * The loss training actually minimises (and that its reported loss values are in): quantile models
 * minimise the pinball loss over p10/p50/p90 whatever their point `loss` says.
 */
export function optimisedLoss(config: { quantiles: boolean; loss: 'mse' | 'mae' }): OptimisedLoss {
  return config.quantiles ? 'pinball' : config.loss;
}
