import { mkdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { NeuralTraderError, ValidationError } from '../../core/errors.js';
import { formatTimestamp, parseDate } from '../../core/time.js';
import {
  NEURAL_TRAIN_DEFAULTS as D,
  DEFAULT_INPUT_SIZE_TEXT,
  defaultInputSize,
} from '../../neural/defaults.js';
import { dateArg, enumArg, integerArg, positiveNumberArg, symbolArg } from '../args.js';
import { checkBarsRequested, checkTrainingWork, formatCount, MAX_TRAINING_WORK } from '../limits.js';
import { type AnyToolSpec, defineTool, READ_ONLY } from '../tool.js';
import { providerArg } from './data.js';

/**
 * Neural forecasting: train N-HiTS / N-BEATS / LSTM / Transformer models on a symbol's closes, forecast
 * with a saved model, evaluate it against naive baselines, and list the model registry under
 * NEURAL_TRADER_HOME/models. tfjs (wasm) is loaded only when one of these tools runs.
 */
const MODEL_TYPES = ['nhits', 'nbeats', 'lstm', 'transformer'] as const;

const modelArg = z
  .string()
  .min(1)
  .max(1024)
  .describe(
    'A model from neural_model_status: its file name (e.g. "aapl-nhits-20240101T120000.ntm") or full path',
  );

const exogenousArgs = {
  exogenous: z
    .array(z.string().max(64))
    .max(8)
    .optional()
    .describe('Exogenous inputs from the bars, e.g. ["volume"] (nhits and transformer only)'),
  exogenous_symbols: z
    .array(z.string().max(64))
    .max(8)
    .optional()
    .describe('Other symbols whose log returns are exogenous inputs, e.g. ["DJIA"] (named returns:DJIA)'),
};
const EXOGENOUS_FIELDS = { exogenous: 'exogenous', exogenousSymbols: 'exogenous_symbols' };
const exogenousAsTrained =
  ' (default: as the model was trained; rebuilt from the model file. If given, must name the same inputs)';

/** The series with its exogenous inputs, built by the library's prepareExogenous (see neural train). */
async function withExogenous(
  series: import('../../core/bars.js').BarSeries,
  args: { exogenous?: string[]; exogenous_symbols?: string[]; provider: string },
  signal: AbortSignal,
  model?: readonly import('../../neural/index.js').ExogenousSpec[],
) {
  const [{ fetchMarketData }, { prepareExogenous }] = await Promise.all([
    import('../../data/index.js'),
    import('../../neural/index.js'),
  ]);
  return prepareExogenous(
    series,
    {
      request: { exogenous: args.exogenous, exogenousSymbols: args.exogenous_symbols },
      fields: EXOGENOUS_FIELDS,
      model,
    },
    (symbol, start, end) => fetchMarketData(symbol, start, end, args.provider, { signal }),
  );
}

const registeredModel = z.object({
  name: z.string(),
  path: z.string(),
  model_type: z.string(),
  symbol: z.string().nullable(),
  input_size: z.number(),
  horizon: z.number(),
  target: z.string(),
  exogenous: z.array(z.string()).describe('Names of the exogenous inputs ([] = none)'),
  trained_from: z.string().nullable(),
  trained_to: z.string().nullable(),
  epochs: z.number().nullable(),
  best_val_loss: z.number().nullable(),
  created_at: z.string(),
  bytes: z.number(),
  exists: z.boolean(),
});

interface RegistryEntry {
  path: string;
  modelType: string;
  symbol: string | null;
  inputSize: number;
  horizon: number;
  target: string;
  exogenous?: string[];
  trainedFrom: string | null;
  trainedTo: string | null;
  epochs: number | null;
  bestValLoss: number | null;
  createdAt: string;
  bytes: number;
  exists: boolean;
}

function describeModel(entry: RegistryEntry) {
  return {
    name: entry.path.split(/[\\/]/).pop() ?? entry.path,
    path: entry.path,
    model_type: entry.modelType,
    symbol: entry.symbol,
    input_size: entry.inputSize,
    horizon: entry.horizon,
    target: entry.target,
    exogenous: entry.exogenous ?? [],
    trained_from: entry.trainedFrom,
    trained_to: entry.trainedTo,
    epochs: entry.epochs,
    best_val_loss: entry.bestValLoss,
    created_at: entry.createdAt,
    bytes: entry.bytes,
    exists: entry.exists,
  };
}

/** Find a registered model by file name or path; the error lists what is registered. */
async function resolveModel(home: string, model: string): Promise<RegistryEntry> {
  const { listModels, modelsDirectory } = await import('../../neural/index.js');
  const models = listModels(home) as RegistryEntry[];
  const wanted = isAbsolute(model) ? resolve(model) : resolve(modelsDirectory(home), model);
  const found =
    models.find((m) => m.path === wanted) ??
    models.find((m) => m.path.split(/[\\/]/).pop() === model || m.path === resolve(model));
  if (!found) {
    const names = models.map((m) => m.path.split(/[\\/]/).pop()).slice(0, 10);
    throw new ValidationError(`unknown model "${model}"`, {
      field: 'model',
      hint: names.length
        ? `registered models: ${names.join(', ')} (see neural_model_status)`
        : 'no models are registered yet; train one with neural_train',
    });
  }
  if (!found.exists) {
    throw new ValidationError(`model file ${found.path} no longer exists`, {
      field: 'model',
      hint: 'train the model again with neural_train',
    });
  }
  return found;
}

const neuralTrain = defineTool({
  name: 'neural_train',
  title: 'Train a neural forecaster',
  description:
    'Train a forecasting model (nhits, nbeats, lstm or transformer) on the closes of a symbol between two ' +
    'dates, save it under NEURAL_TRADER_HOME/models and register it. Seeded, so the same arguments give ' +
    'the same model. Sends progress per epoch; cancelling stops training and saves nothing.',
  toolset: 'neural',
  // One training at a time: each uses every core it can, and the model registry is one file.
  worker: { long: true, maxConcurrent: 1 },
  timeLimitSeconds: 600,
  sizeLimit: `epochs x training windows at most ${formatCount(MAX_TRAINING_WORK)}`,
  input: {
    symbol: symbolArg(),
    model_type: enumArg(
      MODEL_TYPES,
      `Architecture (default ${D.model}: fast and strong on daily data)`,
    ).default(D.model),
    start_date: dateArg('First training date YYYY-MM-DD (default: earliest available)').optional(),
    end_date: dateArg('Last training date YYYY-MM-DD (default: latest available)').optional(),
    provider: providerArg.default('sample'),
    input_size: integerArg(
      `Bars of history per input window (default ${DEFAULT_INPUT_SIZE_TEXT})`,
      2,
      512,
    ).optional(),
    horizon: integerArg(`Bars ahead to forecast (default ${D.horizon})`, 1, 128).default(D.horizon),
    epochs: integerArg(`Maximum training epochs (default ${D.epochs})`, 1, 1000).default(D.epochs),
    batch_size: integerArg(
      'Mini-batch size (default 256 for nhits/nbeats, 32 for lstm/transformer)',
      1,
      4096,
    ).optional(),
    learning_rate: positiveNumberArg(`Adam learning rate (default ${D.learningRate})`).default(
      D.learningRate,
    ),
    validation_fraction: z
      .number()
      .min(0, { error: 'must be in [0, 0.9)' })
      .lt(0.9, { error: 'must be in [0, 0.9)' })
      .default(D.validationFraction)
      .describe(
        `Final share of the data held out for early stopping (default ${D.validationFraction}; 0 = none)`,
      ),
    patience: integerArg(
      `Epochs without improvement before stopping early (default ${D.patience})`,
      0,
      1000,
    ).default(D.patience),
    quantiles: z.boolean().default(false).describe('Also predict p10/p90 bands (quantile loss)'),
    preset: z
      .enum(['small', 'neuralforecast'])
      .default(D.preset)
      .describe('small (fast defaults) or neuralforecast (reference sizes, MAE loss, last-value level)'),
    interpretable: z
      .boolean()
      .default(false)
      .describe('N-BEATS only: trend + seasonality stacks with shared weights (N-BEATS-I)'),
    loss: z
      .enum(['mse', 'mae'])
      .optional()
      .describe(
        `Point loss (default ${D.loss}; neuralforecast preset: mae; quantile models train on pinball)`,
      ),
    dropout: z
      .number()
      .min(0, { error: 'must be in [0, 1)' })
      .lt(1, { error: 'must be in [0, 1)' })
      .optional()
      .describe('Dropout rate while training (default 0)'),
    target: z
      .enum(['price', 'log-price', 'return', 'log-return'])
      .default(D.target)
      .describe(`What the network models (default ${D.target})`),
    hidden_size: integerArg('Hidden units (Transformer: model size); default per model', 1, 4096).optional(),
    weight_decay: z
      .number()
      .min(0, { error: 'must be >= 0' })
      .lt(1000, { error: 'must be < 1000' })
      .optional()
      .describe('Decoupled weight decay of weight matrices (AdamW; default 0)'),
    seed: integerArg(`Random seed (default ${D.seed})`, 0, 2 ** 31 - 1).default(D.seed),
    ...exogenousArgs,
  },
  output: {
    model: registeredModel,
    training: z.object({
      epochs_run: z.number(),
      best_epoch: z.number(),
      best_val_loss: z.number().nullable(),
      final_loss: z.number().nullable(),
      loss: z
        .enum(['mse', 'mae', 'pinball'])
        .describe(
          'The loss training minimised (final_loss and best_val_loss are in it): pinball for quantile models',
        ),
      stopped_early: z.boolean(),
      train_samples: z.number(),
      validation_samples: z.number(),
      duration_ms: z.number(),
    }),
    bars: z.number(),
  },
  hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  checkSize(args) {
    checkBarsRequested({ start: args.start_date, end: args.end_date });
  },
  async run(args, context) {
    const home = context.runtime.config.home;
    const [{ fetchMarketData }, neural] = await Promise.all([
      import('../../data/index.js'),
      import('../../neural/index.js'),
    ]);
    const exogenous = neural.parseExogenousRequest(
      { exogenous: args.exogenous, exogenousSymbols: args.exogenous_symbols },
      EXOGENOUS_FIELDS,
    );
    const { series, data } = await withExogenous(
      await fetchMarketData(args.symbol, args.start_date, args.end_date, args.provider, {
        signal: context.signal,
      }),
      args,
      context.signal,
      exogenous,
    );
    // The window count is known only now; checked before any tensor is allocated.
    const inputSize = args.input_size ?? defaultInputSize(args.horizon);
    checkTrainingWork(args.epochs, series.length, inputSize, args.horizon, 1 + exogenous.length);
    await neural.initNeuralBackend();
    const model = neural.buildForecaster(args.model_type, {
      inputSize,
      horizon: args.horizon,
      quantiles: args.quantiles,
      seed: args.seed,
      preset: args.preset,
      interpretable: args.interpretable,
      loss: args.loss,
      dropout: args.dropout,
      target: args.target,
      hiddenSize: args.hidden_size,
      exogenous,
    });
    const pending: Promise<void>[] = [];
    try {
      const result = await model.train(data, {
        epochs: args.epochs,
        batchSize: args.batch_size,
        learningRate: args.learning_rate,
        validationFraction: args.validation_fraction,
        patience: args.patience,
        weightDecay: args.weight_decay,
        signal: context.signal,
        onEpoch: (report) => {
          const loss =
            report.valLoss === null
              ? `loss ${report.loss.toFixed(5)}`
              : `val loss ${report.valLoss.toFixed(5)}`;
          // Progress is best-effort: a failed notification must not fail the training.
          pending.push(
            context.progress(report.epoch, report.epochs, `epoch ${report.epoch}: ${loss}`).catch(() => {}),
          );
        },
      });
      await Promise.all(pending);
      if (result.cancelled || context.signal.aborted) {
        throw new NeuralTraderError('CANCELLED', 'training was cancelled; no model was saved');
      }
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
      mkdirSync(neural.modelsDirectory(home), { recursive: true });
      const file = join(
        neural.modelsDirectory(home),
        `${series.symbol.toLowerCase().replace(/[^a-z0-9]+/g, '_')}-${args.model_type}-${stamp}.ntm`,
      );
      model.save(file);
      const entry = neural.registerModel(home, file, model.metadata()) as RegistryEntry;
      return {
        model: describeModel(entry),
        training: {
          epochs_run: result.epochsRun,
          best_epoch: result.bestEpoch,
          best_val_loss: result.bestValLoss,
          final_loss: model.trainingInfo?.finalLoss ?? null,
          loss: neural.optimisedLoss(model.config),
          stopped_early: result.stoppedEarly,
          train_samples: result.trainSamples,
          validation_samples: result.validationSamples,
          duration_ms: result.durationMs,
        },
        bars: series.length,
      };
    } finally {
      model.dispose();
    }
  },
});

const neuralForecast = defineTool({
  name: 'neural_forecast',
  title: 'Neural forecast',
  description:
    'Forecast the next `horizon` closes of a symbol with a registered model, from the bars up to a date ' +
    '(default: the latest bar). Quantile models also return p10/p90 bands.',
  toolset: 'neural',
  worker: {},
  timeLimitSeconds: 60,
  input: {
    model: modelArg,
    symbol: symbolArg('Symbol to forecast (default: the symbol the model was trained on)').optional(),
    date: dateArg('Forecast origin YYYY-MM-DD: use bars up to this date (default: latest)').optional(),
    provider: providerArg.default('sample'),
    exogenous: exogenousArgs.exogenous.describe(`Exogenous inputs from the bars${exogenousAsTrained}`),
    exogenous_symbols: exogenousArgs.exogenous_symbols.describe(
      `Other symbols whose returns are inputs${exogenousAsTrained}`,
    ),
  },
  output: {
    model: z.string(),
    model_type: z.string(),
    symbol: z.string(),
    origin_date: z.string(),
    last_close: z.number(),
    horizon: z.number(),
    forecast: z.array(
      z.object({
        step: z.number(),
        value: z.number().nullable(),
        p10: z.number().nullable(),
        p90: z.number().nullable(),
      }),
    ),
    change_pct: z.number().nullable().describe('Forecast at the horizon vs the last close, in percent'),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  checkSize(args) {
    checkBarsRequested({ end: args.date }, 'date');
  },
  async run(args, context) {
    const home = context.runtime.config.home;
    const entry = await resolveModel(home, args.model);
    const symbol = args.symbol ?? entry.symbol;
    if (!symbol) {
      throw new ValidationError('symbol: required (the model does not record a training symbol)', {
        field: 'symbol',
      });
    }
    const [{ fetchMarketData }, neural] = await Promise.all([
      import('../../data/index.js'),
      import('../../neural/index.js'),
    ]);
    await neural.initNeuralBackend();
    const model = neural.loadModel(entry.path);
    try {
      const { series, data } = await withExogenous(
        await fetchMarketData(symbol, undefined, args.date, args.provider, { signal: context.signal }),
        args,
        context.signal,
        model.exogenous,
      );
      const exogenous = 'exogenous' in data ? data.exogenous : undefined;
      const point = model.predict(series.close, exogenous);
      const bands = model.config.quantiles ? model.predictQuantiles(series.close, exogenous) : undefined;
      const last = series.close[series.length - 1];
      const horizonValue = point[point.length - 1];
      return {
        model: describeModel(entry).name,
        model_type: entry.modelType,
        symbol: series.symbol,
        origin_date: formatTimestamp(series.lastTimestamp),
        last_close: last,
        horizon: point.length,
        forecast: Array.from(point, (value, i) => ({
          step: i + 1,
          value,
          p10: bands ? bands.p10[i] : null,
          p90: bands ? bands.p90[i] : null,
        })),
        change_pct: Number.isFinite(horizonValue) ? (horizonValue / last - 1) * 100 : null,
      };
    } finally {
      model.dispose();
    }
  },
});

const neuralEvaluate = defineTool({
  name: 'neural_evaluate',
  title: 'Evaluate a neural model',
  description:
    'Out-of-sample evaluation of a registered model on a date range: MAE, RMSE, MAPE, MASE and directional ' +
    'accuracy, compared with random-walk, drift and seasonal-naive baselines. Use dates after the ' +
    "model's training range for an honest test.",
  toolset: 'neural',
  worker: {},
  timeLimitSeconds: 300,
  input: {
    model: modelArg,
    symbol: symbolArg('Symbol to evaluate on (default: the training symbol)').optional(),
    start_date: dateArg('First date YYYY-MM-DD (default: the day after training ended)').optional(),
    end_date: dateArg('Last date YYYY-MM-DD (default: latest available)').optional(),
    provider: providerArg.default('sample'),
    stride: integerArg('Forecast at every n-th bar (default 1)', 1, 1000).default(1),
    season: integerArg(
      'Season of the seasonal-naive baseline in bars (default: from the timestamps, one week of daily bars or one trading day of intraday bars)',
      1,
      10_000,
    ).optional(),
    exogenous: exogenousArgs.exogenous.describe(`Exogenous inputs from the bars${exogenousAsTrained}`),
    exogenous_symbols: exogenousArgs.exogenous_symbols.describe(
      `Other symbols whose returns are inputs${exogenousAsTrained}`,
    ),
  },
  output: {
    model: z.string(),
    model_type: z.string(),
    symbol: z.string(),
    horizon: z.number(),
    origins: z.number(),
    period: z.object({ start: z.string(), end: z.string() }).nullable(),
    metrics: z.record(z.string(), z.number().nullable()),
    baselines: z.record(z.string(), z.record(z.string(), z.number().nullable())),
    verdicts: z.array(z.record(z.string(), z.unknown())),
    summary: z.array(z.string()),
    season: z.object({ bars: z.number(), basis: z.string() }),
    overlaps_training: z.boolean(),
    trained_on: z.string().nullable(),
    off_symbol: z.boolean(),
    scale: z.object({ value: z.number(), source: z.string() }),
    warnings: z.array(z.string()),
  },
  hints: { ...READ_ONLY, openWorldHint: true },
  checkSize(args) {
    checkBarsRequested({ end: args.end_date }, 'end_date');
  },
  async run(args, context) {
    const home = context.runtime.config.home;
    const entry = await resolveModel(home, args.model);
    const symbol = args.symbol ?? entry.symbol;
    if (!symbol) {
      throw new ValidationError('symbol: required (the model does not record a training symbol)', {
        field: 'symbol',
      });
    }
    const [{ fetchMarketData }, neural] = await Promise.all([
      import('../../data/index.js'),
      import('../../neural/index.js'),
    ]);
    await neural.initNeuralBackend();
    const model = neural.loadModel(entry.path);
    try {
      // Forecast origins start at the evaluation start (by default the last training day, so every
      // forecast target lies after training); the bars before it only feed the first input window.
      const start =
        args.start_date ?? (entry.trainedTo && symbol === entry.symbol ? entry.trainedTo : undefined);
      const { series: full, data } = await withExogenous(
        await fetchMarketData(symbol, undefined, args.end_date, args.provider, { signal: context.signal }),
        args,
        context.signal,
        model.exogenous,
      );
      let firstOrigin = 0;
      if (start) {
        const startMs = parseDate(start, 'start_date');
        let index = full.length;
        for (let i = 0; i < full.length; i++) {
          if (full.timestamps[i] >= startMs) {
            index = i;
            break;
          }
        }
        firstOrigin = Math.max(index, model.requiredHistory - 1);
      }
      const report = neural.evaluateForecaster(model, data, {
        firstOrigin,
        stride: args.stride,
        season: args.season,
      });
      const trainedTo = entry.trainedTo;
      return {
        model: describeModel(entry).name,
        model_type: report.modelType,
        symbol: full.symbol,
        horizon: report.horizon,
        origins: report.origins,
        period: report.period,
        metrics: report.model as unknown as Record<string, number>,
        baselines: report.baselines as unknown as Record<string, Record<string, number>>,
        verdicts: report.verdicts as unknown as Record<string, unknown>[],
        summary: report.summary,
        season: report.season,
        overlaps_training:
          symbol === entry.symbol &&
          trainedTo !== null &&
          report.period !== null &&
          report.period.start < trainedTo,
        trained_on: report.trainedOn,
        off_symbol: report.offSymbol,
        scale: report.scale,
        warnings: report.warnings,
      };
    } finally {
      model.dispose();
    }
  },
});

const neuralModelStatus = defineTool({
  name: 'neural_model_status',
  title: 'Neural model registry',
  description:
    'List the registered neural models (newest first) with type, symbol, shape, training range and ' +
    'validation loss, or the details of one model.',
  toolset: 'neural',
  input: {
    model: modelArg.optional(),
  },
  output: {
    models_directory: z.string(),
    count: z.number(),
    models: z.array(registeredModel),
    metrics: z.record(z.string(), z.unknown()).nullable().describe('Stored metrics of the selected model'),
  },
  hints: READ_ONLY,
  async run(args, context) {
    const home = context.runtime.config.home;
    const { listModels, modelsDirectory, readModelMetadata } = await import('../../neural/index.js');
    if (args.model) {
      const entry = await resolveModel(home, args.model);
      const metadata = readModelMetadata(entry.path);
      return {
        models_directory: modelsDirectory(home),
        count: 1,
        models: [describeModel(entry)],
        metrics: metadata.metrics,
      };
    }
    const models = (listModels(home) as RegistryEntry[]).map(describeModel);
    return { models_directory: modelsDirectory(home), count: models.length, models, metrics: null };
  },
});

export const neuralTools: readonly AnyToolSpec[] = [
  neuralTrain,
  neuralForecast,
  neuralEvaluate,
  neuralModelStatus,
];
