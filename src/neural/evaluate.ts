import { BarSeries } from '../core/bars.js';
import { type Season, seasonOf } from '../core/calendar.js';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import { formatTimestamp } from '../core/time.js';
import { BASELINES, type BaselineName, baselineForecast } from './baselines.js';
import { splitExogenousData } from './exogenous.js';
import type {
  ExogenousSeries,
  TrainingData,
  TrainingInfo,
  TrainOptions,
  TrainResult,
} from './training-types.js';

/** What evaluation needs of a forecaster (NeuralForecaster has it; declared here to keep the import one-way). */
export interface EvaluatedForecaster {
  readonly modelType: string;
  readonly horizon: number;
  readonly requiredHistory: number;
  readonly isTrained: boolean;
  trainingInfo: TrainingInfo | null;
  train(data: TrainingData, options?: TrainOptions): Promise<TrainResult>;
  forecastAt(
    values: Float64Array,
    origins: ArrayLike<number>,
    exogenous?: ExogenousSeries | null,
  ): { point: Float64Array; quantiles: Float64Array | null };
  dispose(): void;
}

import { dieboldMariano, type ForecastMetrics, forecastMetrics, naiveScale } from './metrics.js';

export interface EvaluateOptions {
  /** Index (in the data) of the first forecast origin; default: the first with enough history. */
  firstOrigin?: number;
  /** Forecast at every `stride`-th bar (default 1). */
  stride?: number;
  /**
   * Season length of the seasonal-naive baseline in bars. Default: measured from the data's timestamps
   * (`seasonOf`: one week of daily bars, one trading day of intraday bars); 5 for raw values without them.
   */
  season?: number;
  /**
   * MASE denominator. Default: the model's training naive MAE when the data is the series the model
   * was trained on (same symbol); otherwise the evaluated series' own one-step naive MAE over its bars up
   * to the first forecast origin (all its bars when fewer than 20 precede it).
   */
  naiveScale?: number;
}

/** Where a report's MASE denominator came from. */
export type ScaleSource = 'training-series' | 'evaluated-series' | 'given';

export interface BaselineVerdict {
  baseline: BaselineName;
  /** True when the model's MAE is lower than the baseline's. */
  beatOnMae: boolean;
  beatOnRmse: boolean;
  modelMae: number;
  baselineMae: number;
  /** Diebold-Mariano test on per-origin mean absolute errors (negative statistic = model better). */
  dieboldMariano: { statistic: number; pValue: number };
  /** Beat on MAE and the difference is significant at 5% (DM p < 0.05). */
  significant: boolean;
}

export interface EvaluationReport {
  modelType: string;
  horizon: number;
  origins: number;
  period: { start: string; end: string } | null;
  model: ForecastMetrics;
  baselines: Record<BaselineName, ForecastMetrics>;
  verdicts: BaselineVerdict[];
  /** One line per baseline, e.g. "beat random-walk: NO (MAE 12.31 vs 11.87)". */
  summary: string[];
  /** The seasonal-naive baseline's season and where it came from. */
  season: Season;
  /** The evaluated series' symbol (null for raw values) and the symbol the model was trained on. */
  symbol: string | null;
  trainedOn: string | null;
  /** True when the model is evaluated on another symbol than its training symbol. */
  offSymbol: boolean;
  /** The MASE denominator used and where it came from. */
  scale: { value: number; source: ScaleSource };
  warnings: string[];
}

function valuesOf(wrapped: TrainingData): {
  values: Float64Array;
  timestamps: Float64Array | null;
  symbol: string | null;
  exogenous: ExogenousSeries | null;
} {
  const { series: data, exogenous } = splitExogenousData(wrapped);
  if (data instanceof BarSeries)
    return { values: data.close, timestamps: data.timestamps, symbol: data.symbol, exogenous };
  return {
    values: data instanceof Float64Array ? data : Float64Array.from(data),
    timestamps: null,
    symbol: null,
    exogenous,
  };
}

/** The exogenous series cut to bars [0, end), to train a walk-forward fold on. */
function sliceExogenous(exogenous: ExogenousSeries, end: number): ExogenousSeries {
  const out: Record<string, ArrayLike<number>> = {};
  for (const [name, values] of Object.entries(exogenous)) {
    out[name] = values instanceof Float64Array ? values.subarray(0, end) : Array.from(values).slice(0, end);
  }
  return out;
}

/** The MASE scale of an evaluation (see EvaluateOptions.naiveScale) and the off-symbol verdict. */
export function evaluationScale(
  model: EvaluatedForecaster,
  values: Float64Array,
  symbol: string | null,
  firstOrigin: number,
  given?: number,
): { value: number; source: ScaleSource; offSymbol: boolean; warnings: string[] } {
  const trainedOn = model.trainingInfo?.symbol ?? null;
  const offSymbol = trainedOn !== null && symbol !== null && trainedOn !== symbol;
  const warnings = offSymbol
    ? [
        `the model was trained on ${trainedOn} and is evaluated on ${symbol}: these are not held-out scores of the trained series (MASE is scaled by ${symbol}'s own moves)`,
      ]
    : [];
  if (given !== undefined) return { value: given, source: 'given', offSymbol, warnings };
  const trainingScale = model.trainingInfo?.naiveScale;
  if (
    !offSymbol &&
    (symbol === null || symbol === trainedOn) &&
    trainingScale !== undefined &&
    trainingScale > 0
  ) {
    return { value: trainingScale, source: 'training-series', offSymbol, warnings };
  }
  const history = firstOrigin >= 20 ? values.subarray(0, firstOrigin + 1) : values;
  return { value: naiveScale(history, 1), source: 'evaluated-series', offSymbol, warnings };
}

/** Score forecasts made at `origins` (origin-major, horizon each) and the naive baselines at the same points. */
export function scoreAgainstBaselines(
  values: Float64Array,
  origins: Int32Array,
  horizon: number,
  forecasts: Float64Array,
  scale: number,
  season = 5,
): Pick<EvaluationReport, 'model' | 'baselines' | 'verdicts' | 'summary'> {
  const count = origins.length;
  const actual = new Float64Array(count * horizon);
  const originValues = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const t = origins[k];
    originValues[k] = values[t];
    for (let j = 0; j < horizon; j++) actual[k * horizon + j] = values[t + 1 + j];
  }
  const model = forecastMetrics(actual, forecasts, originValues, horizon, scale);
  const baselines = {} as Record<BaselineName, ForecastMetrics>;
  const step = new Float64Array(horizon);
  // Per-origin mean absolute error over the horizon: the loss series the Diebold-Mariano test compares.
  const originLoss = (predicted: Float64Array) => {
    const loss = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      let sum = 0;
      for (let j = 0; j < horizon; j++) sum += Math.abs(actual[k * horizon + j] - predicted[k * horizon + j]);
      loss[k] = sum / horizon;
    }
    return loss;
  };
  const modelLoss = originLoss(forecasts);
  const tests = {} as Record<BaselineName, { statistic: number; pValue: number }>;
  for (const name of BASELINES) {
    const predicted = new Float64Array(count * horizon);
    for (let k = 0; k < count; k++) {
      baselineForecast(name, values, origins[k], horizon, step, season);
      predicted.set(step, k * horizon);
    }
    baselines[name] = forecastMetrics(actual, predicted, originValues, horizon, scale);
    tests[name] = dieboldMariano(modelLoss, originLoss(predicted), Math.max(0, horizon - 1));
  }
  const verdicts = BASELINES.map((baseline) => ({
    baseline,
    beatOnMae: model.mae < baselines[baseline].mae,
    beatOnRmse: model.rmse < baselines[baseline].rmse,
    modelMae: model.mae,
    baselineMae: baselines[baseline].mae,
    dieboldMariano: tests[baseline],
    significant: model.mae < baselines[baseline].mae && tests[baseline].pValue < 0.05,
  }));
  const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(2) : v.toPrecision(4));
  const summary = verdicts.map((v) => {
    const p = v.dieboldMariano.pValue;
    const pText = Number.isFinite(p) ? (p < 0.001 ? 'p<0.001' : `p=${p.toFixed(3)}`) : 'p=n/a';
    const significance = v.beatOnMae
      ? `${p < 0.05 ? 'significant' : 'not significant'}, DM ${pText}`
      : `${p < 0.05 ? 'significantly worse' : 'difference not significant'}, DM ${pText}`;
    const name = v.baseline === 'seasonal-naive' ? `seasonal-naive (season ${season} bars)` : v.baseline;
    return `beat ${name}: ${v.beatOnMae ? 'YES' : 'NO'} (MAE ${fmt(v.modelMae)} vs ${fmt(v.baselineMae)}, ${significance}; RMSE ${v.beatOnRmse ? 'lower' : 'not lower'})`;
  });
  return { model, baselines, verdicts, summary };
}

function originRange(first: number, last: number, stride: number): Int32Array {
  const count = last >= first ? Math.floor((last - first) / stride) + 1 : 0;
  const origins = new Int32Array(count);
  for (let k = 0; k < count; k++) origins[k] = first + k * stride;
  return origins;
}

/**
 * Evaluate a trained model on data it did not train on: forecast at every origin (one batched pass),
 * compare with the actual next `horizon` values, and score the naive baselines on the same points.
 */
export function evaluateForecaster(
  model: EvaluatedForecaster,
  data: TrainingData,
  options: EvaluateOptions = {},
): EvaluationReport {
  const { values, timestamps, symbol, exogenous } = valuesOf(data);
  const horizon = model.horizon;
  const need = model.requiredHistory;
  const first = Math.max(need - 1, options.firstOrigin ?? 0);
  const last = values.length - 1 - horizon;
  const stride = options.stride ?? 1;
  const origins = originRange(first, last, stride);
  if (origins.length === 0) {
    throw new ValidationError(
      `too few bars to evaluate: ${values.length} given; at least ${first + 1 + horizon} needed (${need} of history before the first forecast, plus the horizon ${horizon})`,
      { field: 'data', hint: 'use a longer evaluation period' },
    );
  }
  const { point } = model.forecastAt(values, origins, exogenous);
  const scale = evaluationScale(model, values, symbol, first, options.naiveScale);
  const season = resolveSeason(options.season, timestamps);
  const scored = scoreAgainstBaselines(values, origins, horizon, point, scale.value, season.bars);
  return {
    symbol,
    trainedOn: model.trainingInfo?.symbol ?? null,
    offSymbol: scale.offSymbol,
    scale: { value: scale.value, source: scale.source },
    warnings: scale.warnings,
    modelType: model.modelType,
    horizon,
    origins: origins.length,
    period: timestamps
      ? {
          start: formatTimestamp(timestamps[origins[0]]),
          end: formatTimestamp(timestamps[origins[origins.length - 1] + horizon]),
        }
      : null,
    ...scored,
    season,
  };
}

/** The season a caller asked for, or the one the timestamps imply (5 bars for values without timestamps). */
export function resolveSeason(
  requested: number | undefined,
  timestamps: ArrayLike<number> | null | undefined,
): Season {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) {
      throw new ValidationError(`season must be a whole number of bars >= 1, got ${requested}`, {
        field: 'season',
      });
    }
    return { bars: requested, basis: `${requested} bars (given)` };
  }
  if (timestamps && timestamps.length >= 2) return seasonOf(timestamps);
  return { bars: 5, basis: '5 bars (default; the values carry no timestamps)' };
}

export interface WalkForwardOptions extends Pick<EvaluateOptions, 'stride' | 'season'> {
  /** Number of rolling origins (retrains), default 3. */
  folds?: number;
  /** Forecast origins per fold; default: 30% of the data split over the folds. */
  testSize?: number;
  train?: TrainOptions;
  onFold?: (fold: number, folds: number, result: TrainResult) => void;
  signal?: AbortSignal;
}

export interface WalkForwardReport extends Omit<EvaluationReport, 'period'> {
  folds: {
    fold: number;
    trainBars: number;
    origins: number;
    model: ForecastMetrics;
    randomWalk: ForecastMetrics;
  }[];
  period: { start: string; end: string } | null;
}

/**
 * Rolling-origin evaluation: for each fold a fresh model is trained on all data up to the fold's first
 * origin, then forecasts the fold's origins (each from data up to that origin only). Metrics pool all folds.
 */
export async function walkForwardEvaluate(
  createModel: () => EvaluatedForecaster,
  data: TrainingData,
  options: WalkForwardOptions = {},
): Promise<WalkForwardReport> {
  const { values, timestamps, symbol, exogenous } = valuesOf(data);
  const series = splitExogenousData(data).series;
  const probe = createModel();
  const horizon = probe.horizon;
  const folds = options.folds ?? 3;
  const testSize = options.testSize ?? Math.floor((0.3 * values.length) / folds);
  const stride = options.stride ?? 1;
  const season = resolveSeason(options.season, timestamps);
  if (!Number.isInteger(folds) || folds < 1 || testSize < 1) {
    throw new ValidationError(
      `walk-forward needs folds >= 1 and a test size >= 1 (got ${folds}, ${testSize})`,
      {
        field: 'folds',
      },
    );
  }
  const firstOrigin = values.length - horizon - folds * testSize;
  if (firstOrigin < probe.requiredHistory + horizon) {
    throw new ValidationError(
      `too few bars for ${folds} walk-forward folds of ${testSize}: ${values.length} given`,
      { field: 'data', hint: 'use fewer folds, a smaller test size or more data' },
    );
  }
  const allOrigins: number[] = [];
  const allForecasts: number[] = [];
  const foldReports: WalkForwardReport['folds'] = [];
  const scale = naiveScale(values.subarray(0, firstOrigin + 1), 1);
  for (let fold = 0; fold < folds; fold++) {
    if (options.signal?.aborted)
      throw new NeuralTraderError('CANCELLED', 'walk-forward evaluation cancelled');
    const start = firstOrigin + fold * testSize;
    const trainSeries =
      series instanceof BarSeries ? series.slice(0, start + 1) : values.subarray(0, start + 1);
    const trainData: TrainingData = exogenous
      ? { series: trainSeries, exogenous: sliceExogenous(exogenous, start + 1) }
      : trainSeries;
    const model = createModel();
    const result = await model.train(trainData, { ...options.train, signal: options.signal });
    options.onFold?.(fold + 1, folds, result);
    if (!model.isTrained) throw new NeuralTraderError('CANCELLED', 'walk-forward evaluation cancelled');
    const origins = originRange(start, start + testSize - 1, stride);
    const { point } = model.forecastAt(values, origins, exogenous);
    model.dispose();
    const scored = scoreAgainstBaselines(values, origins, horizon, point, scale, season.bars);
    foldReports.push({
      fold: fold + 1,
      trainBars: start + 1,
      origins: origins.length,
      model: scored.model,
      randomWalk: scored.baselines['random-walk'],
    });
    for (const t of origins) allOrigins.push(t);
    for (const v of point) allForecasts.push(v);
  }
  const origins = Int32Array.from(allOrigins);
  const pooled = scoreAgainstBaselines(
    values,
    origins,
    horizon,
    Float64Array.from(allForecasts),
    scale,
    season.bars,
  );
  return {
    // Walk-forward trains every fold on this series itself: never off-symbol.
    symbol,
    trainedOn: symbol,
    offSymbol: false,
    scale: { value: scale, source: 'evaluated-series' },
    warnings: [],
    modelType: probe.modelType,
    horizon,
    origins: origins.length,
    period: timestamps
      ? {
          start: formatTimestamp(timestamps[origins[0]]),
          end: formatTimestamp(timestamps[origins[origins.length - 1] + horizon]),
        }
      : null,
    folds: foldReports,
    ...pooled,
    season,
  };
}
