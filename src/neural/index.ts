// Public surface of src/neural: neural forecasters (N-HiTS, N-BEATS, LSTM, Transformer), training,
// model files, evaluation against naive baselines, and the neural-trend strategy.
export type {
  LSTMArchitecture,
  NBEATSArchitecture,
  NBEATSStackType,
  NHiTSArchitecture,
  TransformerArchitecture,
} from './architectures.js';
export { activeBackend, initNeuralBackend } from './backend.js';
export type { BaselineName } from './baselines.js';

export {
  BASELINES,
  baselineForecast,
  driftForecast,
  randomWalkForecast,
  seasonalNaiveForecast,
} from './baselines.js';
export type { OptimisedLoss } from './defaults.js';
export {
  DEFAULT_INPUT_SIZE_TEXT,
  defaultInputSize,
  NEURAL_TRAIN_DEFAULTS,
  optimisedLoss,
} from './defaults.js';
export { ModelError } from './errors.js';
export type {
  BaselineVerdict,
  EvaluateOptions,
  EvaluationReport,
  ScaleSource,
  WalkForwardOptions,
  WalkForwardReport,
} from './evaluate.js';
export {
  evaluateForecaster,
  evaluationScale,
  scoreAgainstBaselines,
  walkForwardEvaluate,
} from './evaluate.js';
export type {
  ExogenousColumn,
  ExogenousFields,
  ExogenousLoader,
  ExogenousRequest,
  ExogenousSource,
  ExogenousSpec,
} from './exogenous.js';
export {
  deriveExogenous,
  describeExogenous,
  EXOGENOUS_COLUMNS,
  parseExogenousRequest,
  prepareExogenous,
} from './exogenous.js';
export type {
  CommonConfig,
  EpochReport,
  ExogenousSeries,
  ForecasterOptions,
  ForecastLoss,
  LearningRateSchedule,
  ModelMetadata,
  NeuralModelType,
  QuantileBands,
  SeriesWithExogenous,
  TrainingData,
  TrainingInfo,
  TrainOptions,
  TrainResult,
} from './forecaster.js';
export { FORECAST_LOSSES, NEURAL_MODEL_TYPES, NeuralForecaster, QUANTILE_LEVELS } from './forecaster.js';
export type { ForecastMetrics } from './metrics.js';
export {
  dieboldMariano,
  directionalAccuracy,
  forecastMetrics,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanAbsoluteScaledError,
  naiveScale,
  rootMeanSquaredError,
  symmetricMape,
} from './metrics.js';
export type { ModelFileContents, WeightEntry } from './model-file.js';
export { decodeModelFile, encodeModelFile, MODEL_FILE_MAGIC, MODEL_FILE_VERSION } from './model-file.js';
export type {
  AnyForecaster,
  BuildOptions,
  LSTMConfig,
  LSTMOptions,
  NBEATSConfig,
  NBEATSOptions,
  NeuralPreset,
  NHiTSConfig,
  NHiTSOptions,
  TransformerConfig,
  TransformerOptions,
} from './models.js';
export {
  buildForecaster,
  createForecaster,
  EXOGENOUS_MODEL_TYPES,
  LSTMForecaster,
  LSTMForecaster as LSTM,
  loadModel,
  modelDisplayName,
  NBEATS,
  NEURAL_PRESETS,
  NHiTS,
  presetOptions,
  readModelMetadata,
  TransformerForecaster,
} from './models.js';
export type { NeuralTrendParams, NeuralTrendSignals } from './neural-trend.js';
export {
  createNeuralTrendStrategy,
  exposureForForecast,
  NeuralTrendStrategy,
  neuralTrendDefinition,
  neuralTrendParams,
  neuralTrendSignals,
} from './neural-trend.js';
export type { RegisteredModel } from './registry.js';
export { evaluationRecord, listModels, modelsDirectory, registerModel } from './registry.js';
export type { ScalerKind, ScalerState } from './scaler.js';
export { Scaler } from './scaler.js';
export type { ForecastTarget } from './target.js';
export { DEFAULT_TARGET, FORECAST_TARGETS, fromTargetSpace, toTargetSpace } from './target.js';
