import type { Command } from 'commander';
import type { BarSeries } from '../../core/bars.js';
import {
  NEURAL_TRAIN_DEFAULTS as D,
  DEFAULT_INPUT_SIZE_TEXT,
  defaultInputSize,
} from '../../neural/defaults.js';
import { loadCliConfig } from '../context.js';

/**
 * Neural forecasting commands: `neural train`, `neural predict`, `neural evaluate`, `neural models`.
 * Flags only at load time; tfjs (and the rest of src/neural) is imported inside the actions, so the
 * CLI's cold start never pays for it.
 */
interface DataFlags {
  data?: string;
  symbol?: string;
  provider?: string;
  start?: string;
  end?: string;
  json?: boolean;
  exog?: string[];
  exogSymbol?: string[];
}

const EXOG_FLAGS = { exogenous: '--exog', exogenousSymbols: '--exog-symbol' };

/**
 * The series with its exogenous inputs (`--exog volume`, `--exog-symbol DJIA`), built by the library's
 * prepareExogenous from the flags, or from the model file's record when `model` is given.
 */
async function withExogenous(
  neural: typeof import('../../neural/index.js'),
  flags: DataFlags,
  series: BarSeries,
  model?: readonly import('../../neural/index.js').ExogenousSpec[],
) {
  const { fetchMarketData } = await import('../../data/registry.js');
  return neural.prepareExogenous(
    series,
    { request: { exogenous: flags.exog, exogenousSymbols: flags.exogSymbol }, fields: EXOG_FLAGS, model },
    (symbol, start, end) => fetchMarketData(symbol, start, end, flags.provider ?? 'sample'),
  );
}

interface TrainFlags extends DataFlags {
  model: string;
  horizon: string;
  inputSize?: string;
  epochs: string;
  batchSize?: string;
  learningRate: string;
  schedule: string;
  patience: string;
  validation: string;
  clipNorm: string;
  weightDecay?: string;
  target: string;
  scaler: string;
  hiddenSize?: string;
  quantiles?: boolean;
  preset: string;
  interpretable?: boolean;
  loss?: string;
  dropout?: string;
  seed: string;
  output?: string;
}

interface ModelFileFlags extends DataFlags {
  modelFile: string;
  model?: string;
}

interface EvaluateFlags extends ModelFileFlags {
  walkForward?: boolean;
  folds: string;
  testSize?: string;
  epochs?: string;
  stride: string;
  season?: string;
}

async function number(
  value: string | undefined,
  flag: string,
  options: { integer?: boolean; min?: number } = {},
) {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(parsed) ||
    (options.integer && !Number.isInteger(parsed)) ||
    (options.min !== undefined && parsed < options.min)
  ) {
    const { ValidationError } = await import('../../core/errors.js');
    const kind = options.integer ? 'an integer' : 'a number';
    throw new ValidationError(
      `--${flag} must be ${kind}${options.min !== undefined ? ` >= ${options.min}` : ''} (got "${value}")`,
      { field: flag },
    );
  }
  return parsed;
}

/** Bars from --data (CSV) or --symbol (a provider, default the bundled samples), checked for gaps in values. */
async function loadBars(flags: DataFlags, fallbackSymbol?: string | null): Promise<BarSeries> {
  const { ValidationError } = await import('../../core/errors.js');
  let series: BarSeries;
  if (flags.data) {
    const { loadCsvBars } = await import('../../data/csv.js');
    const symbol = flags.symbol ?? fallbackSymbol ?? 'DATA';
    series = loadCsvBars(flags.data, { symbol });
    if (flags.start || flags.end) {
      const { parseDateRange } = await import('../../core/time.js');
      const range = parseDateRange(flags.start, flags.end);
      series = series.between(range.start, range.end);
    }
  } else {
    const symbol = flags.symbol ?? fallbackSymbol;
    if (!symbol) {
      throw new ValidationError('no data: pass --symbol (e.g. SPX) or --data prices.csv', {
        field: 'symbol',
      });
    }
    const { fetchMarketData } = await import('../../data/registry.js');
    series = await fetchMarketData(symbol, flags.start, flags.end, flags.provider ?? 'sample');
  }
  for (let i = 0; i < series.length; i++) {
    if (!Number.isFinite(series.close[i])) {
      const { formatTimestamp } = await import('../../core/time.js');
      throw new ValidationError(
        `data has a missing/NaN close at bar ${i} (${formatTimestamp(series.timestamps[i])})`,
        { field: 'close', hint: 'drop or fill missing bars before training or forecasting' },
      );
    }
  }
  return series;
}

function fmt(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return Math.abs(value) >= 1000 ? value.toFixed(2) : value.toPrecision(digits);
}

async function train(program: Command, flags: TrainFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { ValidationError } = await import('../../core/errors.js');
  const neural = await import('../../neural/index.js');
  if (!(neural.NEURAL_MODEL_TYPES as readonly string[]).includes(flags.model)) {
    throw new ValidationError(
      `--model must be one of ${neural.NEURAL_MODEL_TYPES.join(', ')} (got "${flags.model}")`,
      {
        field: 'model',
      },
    );
  }
  if (!(neural.FORECAST_TARGETS as readonly string[]).includes(flags.target)) {
    throw new ValidationError(
      `--target must be one of ${neural.FORECAST_TARGETS.join(', ')} (got "${flags.target}")`,
      {
        field: 'target',
      },
    );
  }
  if (!['cosine', 'step', 'constant'].includes(flags.schedule)) {
    throw new ValidationError(`--schedule must be cosine, step or constant (got "${flags.schedule}")`, {
      field: 'schedule',
    });
  }
  const horizon = (await number(flags.horizon, 'horizon', { integer: true, min: 1 })) as number;
  const inputSize = (await number(flags.inputSize ?? String(defaultInputSize(horizon)), 'input-size', {
    integer: true,
    min: 2,
  })) as number;
  const epochs = (await number(flags.epochs, 'epochs', { integer: true, min: 1 })) as number;
  const hiddenSize = await number(flags.hiddenSize, 'hidden-size', { integer: true, min: 1 });
  const modelType = flags.model as (typeof neural.NEURAL_MODEL_TYPES)[number];
  if (!(neural.NEURAL_PRESETS as readonly string[]).includes(flags.preset)) {
    throw new ValidationError(
      `--preset must be one of ${neural.NEURAL_PRESETS.join(', ')} (got "${flags.preset}")`,
      { field: 'preset' },
    );
  }
  if (flags.loss !== undefined && !(neural.FORECAST_LOSSES as readonly string[]).includes(flags.loss)) {
    throw new ValidationError(`--loss must be mse or mae (got "${flags.loss}")`, { field: 'loss' });
  }
  const dropout = await number(flags.dropout, 'dropout', { min: 0 });
  if (dropout !== undefined && dropout >= 1) {
    throw new ValidationError(`--dropout must be in [0, 1) (got "${flags.dropout}")`, { field: 'dropout' });
  }
  const model = neural.buildForecaster(modelType, {
    inputSize,
    horizon,
    target: flags.target as (typeof neural.FORECAST_TARGETS)[number],
    scaler: flags.scaler as 'standard' | 'minmax' | 'none',
    quantiles: Boolean(flags.quantiles),
    seed: (await number(flags.seed, 'seed', { integer: true, min: 0 })) as number,
    preset: flags.preset as (typeof neural.NEURAL_PRESETS)[number],
    interpretable: flags.interpretable,
    loss: flags.loss as (typeof neural.FORECAST_LOSSES)[number] | undefined,
    dropout,
    hiddenSize,
    exogenous: neural.parseExogenousRequest(
      { exogenous: flags.exog, exogenousSymbols: flags.exogSymbol },
      EXOG_FLAGS,
    ),
  });
  const { series, data } = await withExogenous(neural, flags, await loadBars(flags), model.exogenous);
  const { mkdirSync } = await import('node:fs');
  const { dirname, resolve, join } = await import('node:path');
  const output = resolve(
    flags.output ??
      join(
        neural.modelsDirectory(config.home),
        `${modelType}-${series.symbol.replace(/[^A-Za-z0-9_-]/g, '_')}-h${horizon}.bin`,
      ),
  );
  mkdirSync(dirname(output), { recursive: true });

  const { createProgress } = await import('../progress.js');
  const progress = createProgress(`training ${neural.modelDisplayName(modelType)}`, epochs);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      '\ninterrupt: stopping after the current batch and keeping the best checkpoint (Ctrl-C again to quit now)\n',
    );
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.stderr.write(
    `${neural.modelDisplayName(modelType)}: ${series.length} bars of ${series.symbol}, input ${inputSize}, horizon ${horizon}, target ${flags.target}, ${model.parameterCount} parameters\n`,
  );
  let result: Awaited<ReturnType<typeof model.train>>;
  try {
    result = await model.train(data, {
      epochs,
      batchSize: await number(flags.batchSize, 'batch-size', { integer: true, min: 1 }),
      learningRate: (await number(flags.learningRate, 'learning-rate', { min: 0 })) as number,
      schedule: flags.schedule as 'cosine' | 'step' | 'constant',
      patience: (await number(flags.patience, 'patience', { integer: true, min: 0 })) as number,
      validationFraction: (await number(flags.validation, 'validation', { min: 0 })) as number,
      clipNorm: (await number(flags.clipNorm, 'clip-norm', { min: 0 })) as number,
      weightDecay: await number(flags.weightDecay, 'weight-decay', { min: 0 }),
      signal: controller.signal,
      onEpoch: (r) =>
        progress.update(
          r.epoch,
          `loss ${fmt(r.loss)}${r.valLoss !== null ? ` val ${fmt(r.valLoss)}` : ''}${r.improved ? ' *' : ''}`,
        ),
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (result.cancelled || result.stoppedEarly) {
    // The bar would claim all epochs ran; say where training actually stopped instead.
    if (process.stderr.isTTY) process.stderr.write('\n');
    process.stderr.write(
      `training ${result.cancelled ? 'cancelled' : 'stopped early (no validation improvement)'} after epoch ${result.epochsRun}/${epochs}; best epoch ${result.bestEpoch}\n`,
    );
  } else {
    progress.finish('done');
  }
  if (!model.isTrained) {
    throw new neural.ModelError('training was cancelled before the first epoch finished; nothing was saved');
  }
  model.metrics = {
    bestValLoss: result.bestValLoss,
    finalTrainLoss: model.trainingInfo?.finalLoss ?? null,
  };
  model.save(output);
  const { statSync } = await import('node:fs');
  neural.registerModel(config.home, output, model.metadata());
  const summary = {
    model: modelType,
    file: output,
    bytes: statSync(output).size,
    symbol: series.symbol,
    bars: series.length,
    parameters: model.parameterCount,
    ...(model.exogenous.length ? { exogenous: model.exogenous.map((e) => e.name).join(',') } : {}),
    epochs: result.epochsRun,
    bestEpoch: result.bestEpoch,
    bestValLoss: result.bestValLoss,
    // Training loss of the epoch whose weights were saved (the restored best epoch).
    finalLoss: model.trainingInfo?.finalLoss ?? null,
    preset: flags.preset,
    // The loss training minimised, which finalLoss and bestValLoss are in (pinball for quantile models).
    loss: neural.optimisedLoss(model.config),
    stoppedEarly: result.stoppedEarly,
    cancelled: result.cancelled,
    seconds: result.durationMs / 1000,
    backend: neural.activeBackend() ?? 'unknown',
  };
  if (flags.json) {
    const { printJson } = await import('../output.js');
    printJson(summary);
  } else {
    const { renderKeyValues } = await import('../output.js');
    process.stdout.write(renderKeyValues(summary, 6));
  }
  if (result.cancelled) {
    process.stderr.write(
      `training interrupted; best checkpoint (epoch ${result.bestEpoch}) saved to ${output}\n`,
    );
    process.exitCode = 130;
  }
}

async function loadFor(flags: ModelFileFlags) {
  const neural = await import('../../neural/index.js');
  const model = await loadModelFile(neural, flags);
  await neural.initNeuralBackend();
  return { neural, model };
}

async function loadModelFile(neural: typeof import('../../neural/index.js'), flags: ModelFileFlags) {
  if (flags.model) {
    const loaders = {
      nhits: neural.NHiTS.load,
      nbeats: neural.NBEATS.load,
      lstm: neural.LSTMForecaster.load,
      transformer: neural.TransformerForecaster.load,
    } as const;
    const loader = loaders[flags.model as keyof typeof loaders];
    if (!loader) {
      const { ValidationError } = await import('../../core/errors.js');
      throw new ValidationError(
        `--model must be one of ${neural.NEURAL_MODEL_TYPES.join(', ')} (got "${flags.model}")`,
        {
          field: 'model',
        },
      );
    }
    return loader(flags.modelFile);
  }
  return neural.loadModel(flags.modelFile);
}

async function predict(program: Command, flags: ModelFileFlags): Promise<void> {
  await loadCliConfig(program);
  const { neural, model } = await loadFor(flags);
  const { series, data } = await withExogenous(
    neural,
    flags,
    await loadBars(flags, model.trainingInfo?.symbol),
    model.exogenous,
  );
  const exogenous = 'exogenous' in data ? data.exogenous : undefined;
  const { ValidationError } = await import('../../core/errors.js');
  if (series.length < model.requiredHistory) {
    throw new ValidationError(
      `too few bars to forecast: ${series.length} given, ${model.requiredHistory} needed (the model's input size ${model.inputSize}${model.requiredHistory > model.inputSize ? ' + 1 for returns' : ''})`,
      { field: 'data', hint: 'widen --start/--end' },
    );
  }
  const { formatTimestamp } = await import('../../core/time.js');
  const forecast = model.predict(series.close, exogenous);
  const quantiles = model.config.quantiles ? model.predictQuantiles(series.close, exogenous) : null;
  const last = series.length - 1;
  const rows = Array.from(forecast, (value, j) => ({
    step: j + 1,
    forecast: value,
    ...(quantiles ? { p10: quantiles.p10[j], p90: quantiles.p90[j] } : {}),
    change: value / series.close[last] - 1,
  }));
  const result = {
    model: model.modelType,
    modelFile: flags.modelFile,
    symbol: series.symbol,
    asOf: formatTimestamp(series.timestamps[last]),
    lastClose: series.close[last],
    horizon: model.horizon,
    forecast: Array.from(forecast),
    ...(quantiles ? { p10: Array.from(quantiles.p10), p90: Array.from(quantiles.p90) } : {}),
  };
  if (flags.json) {
    const { printJson } = await import('../output.js');
    printJson(result);
    return;
  }
  process.stdout.write(
    `${neural.modelDisplayName(model.modelType)} forecast for ${series.symbol} after ${result.asOf} (last close ${fmt(result.lastClose, 6)}):\n`,
  );
  const { printTable } = await import('../output.js');
  printTable(rows, undefined, 4);
}

async function evaluate(program: Command, flags: EvaluateFlags): Promise<void> {
  const config = await loadCliConfig(program);
  const { neural, model } = await loadFor(flags);
  const { ValidationError } = await import('../../core/errors.js');
  const { parseDate, formatTimestamp } = await import('../../core/time.js');
  const stride = (await number(flags.stride, 'stride', { integer: true, min: 1 })) as number;
  // Undefined: the library measures the season from the data's timestamps (and says so in the report).
  const season = await number(flags.season, 'season', { integer: true, min: 1 });
  const name = neural.modelDisplayName(model.modelType);
  const training = model.trainingInfo;
  let report:
    | import('../../neural/index.js').EvaluationReport
    | import('../../neural/index.js').WalkForwardReport;
  if (flags.walkForward) {
    const { data } = await withExogenous(
      neural,
      flags,
      await loadBars(flags, training?.symbol),
      model.exogenous,
    );
    const folds = (await number(flags.folds, 'folds', { integer: true, min: 1 })) as number;
    const testSize = await number(flags.testSize, 'test-size', { integer: true, min: 1 });
    const epochs =
      (await number(flags.epochs, 'epochs', { integer: true, min: 1 })) ?? training?.options.epochs ?? 20;
    const { createProgress } = await import('../progress.js');
    const progress = createProgress(`walk-forward ${name}`, folds);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.on('SIGINT', onSigint);
    try {
      report = await neural.walkForwardEvaluate(
        () => neural.createForecaster(model.modelType, { ...model.config }),
        data,
        {
          folds,
          testSize,
          stride,
          season,
          train: { ...(training?.options ?? {}), epochs },
          signal: controller.signal,
          onFold: (fold, total, r) => progress.update(fold, `fold ${fold}/${total}: ${r.epochsRun} epochs`),
        },
      );
    } finally {
      process.off('SIGINT', onSigint);
    }
    progress.finish();
  } else {
    // Held-out period: by default every origin after the model's training data ends.
    const all = await loadBars({ ...flags, start: undefined, end: undefined }, training?.symbol);
    const { series, data } = await withExogenous(
      neural,
      flags,
      flags.end ? all.slice(0, all.upperBound(parseDate(flags.end, 'end'))) : all,
      model.exogenous,
    );
    let first: number;
    if (flags.start) first = series.lowerBound(parseDate(flags.start, 'start'));
    else if (training?.end && series.symbol === training.symbol) {
      first = series.upperBound(parseDate(training.end, 'end')) - 1;
    } else first = 0;
    if (first >= series.length - model.horizon) {
      throw new ValidationError(
        `no held-out bars to evaluate on: ${series.symbol} data ends ${formatTimestamp(all.lastTimestamp)}, and the model was trained up to ${training?.end ?? 'the end of the data'}`,
        {
          hint: 'train on an earlier period (--end), or pass --start/--end or --data for a later period, or use --walk-forward',
        },
      );
    }
    if (
      training?.end &&
      training.symbol === series.symbol &&
      first < series.upperBound(parseDate(training.end, 'end')) - 1
    ) {
      process.stderr.write(
        `warning: the evaluation period overlaps the model's training data (trained up to ${training.end}); scores are in-sample\n`,
      );
    }
    report = neural.evaluateForecaster(model, data, { firstOrigin: first, stride, season });
  }
  if (!flags.walkForward) {
    const { readModelMetadata, registerModel, evaluationRecord } = neural;
    try {
      const metadata = readModelMetadata(flags.modelFile);
      const record = evaluationRecord(report);
      metadata.metrics = { ...metadata.metrics, [record.key]: record.value };
      registerModel(config.home, flags.modelFile, metadata);
    } catch {
      // Recording the score in the registry is a convenience; the evaluation itself succeeded.
    }
  }
  const offSymbol = report.offSymbol;
  const warnings = [...report.warnings];
  const { printWarnings } = await import('../flags.js');
  printWarnings(warnings);
  if (flags.json) {
    const { printJson } = await import('../output.js');
    printJson(report);
    return;
  }
  const row = (label: string, m: import('../../neural/index.js').ForecastMetrics) => ({
    forecaster: label,
    MAE: m.mae,
    RMSE: m.rmse,
    'MAPE%': m.mape,
    'sMAPE%': m.smape,
    MASE: m.mase,
    'dir.acc': m.directionalAccuracy === null ? 'n/a' : m.directionalAccuracy.toFixed(3),
  });
  const kind = flags.walkForward
    ? `walk-forward (${'folds' in report ? report.folds.length : 0} folds, retrained each)`
    : offSymbol
      ? `off-symbol (trained on ${training?.symbol})`
      : 'held-out';
  process.stdout.write(
    `${name} ${kind} evaluation on ${report.period ? `${report.period.start} .. ${report.period.end}` : 'the data'}: ${report.origins} forecasts x horizon ${report.horizon}\n`,
  );
  const { printTable } = await import('../output.js');
  printTable([row(name, report.model), ...neural.BASELINES.map((b) => row(b, report.baselines[b]))]);
  const beaten = report.verdicts.filter((v) => v.beatOnMae).length;
  const significant = report.verdicts.filter((v) => v.significant).length;
  const randomWalk = report.verdicts[0];
  process.stdout.write(`seasonal-naive season: ${report.season.basis}\n`);
  process.stdout.write(`${report.summary.join('\n')}\n`);
  process.stdout.write(
    `verdict: ${name} beat ${beaten} of ${report.verdicts.length} naive baselines on MAE (${significant} significantly); ${
      randomWalk.significant
        ? 'it beat the random walk significantly'
        : randomWalk.beatOnMae
          ? 'its edge over the random walk is not statistically significant'
          : 'it did NOT beat the random walk'
    }\n`,
  );
}

async function models(program: Command, flags: { json?: boolean }): Promise<void> {
  const config = await loadCliConfig(program);
  const { listModels } = await import('../../neural/registry.js');
  const list = listModels(config.home);
  if (flags.json) {
    const { printJson } = await import('../output.js');
    printJson(list);
    return;
  }
  if (list.length === 0) {
    process.stdout.write('no models registered yet (train one with `npx neural-trader neural train`)\n');
    return;
  }
  const { printTable } = await import('../output.js');
  printTable(
    list.map((m) => ({
      type: m.modelType,
      symbol: m.symbol ?? '',
      input: m.inputSize,
      horizon: m.horizon,
      target: m.target,
      exog: (m.exogenous ?? []).join(',') || '-',
      trained:
        m.trainedFrom && m.trainedTo ? `${m.trainedFrom.slice(0, 10)}..${m.trainedTo.slice(0, 10)}` : '',
      epochs: m.epochs,
      valLoss: m.bestValLoss,
      holdoutMAE: (m.metrics.holdout as { mae?: number } | undefined)?.mae,
      created: m.createdAt.slice(0, 19),
      path: m.exists ? m.path : `${m.path} (missing)`,
    })),
  );
}

function dataOptions(command: Command): Command {
  return command
    .option('--data <file>', 'CSV file of bars (date + close columns at least)')
    .option('--symbol <ticker>', 'ticker from the data provider (bundled samples: SPX, AAPL, KO, GOLD, ...)')
    .option('--provider <name>', 'data provider for --symbol', 'sample')
    .option('--start <date>', 'first date (inclusive)')
    .option('--end <date>', 'last date (inclusive)')
    .option(
      '--exog <inputs...>',
      'exogenous inputs from the bars: volume (nhits/transformer; predict/evaluate: as trained)',
    )
    .option(
      '--exog-symbol <symbols...>',
      "another symbol's log returns as an exogenous input, e.g. DJIA or DJIA,GOLD",
    )
    .option('--json', 'print JSON');
}

export function register(program: Command): void {
  const neural = program
    .command('neural')
    .description('neural forecasting: N-HiTS, N-BEATS, LSTM, Transformer');

  dataOptions(
    neural
      .command('train')
      .description('train a forecaster on a price series and save it to one model file')
      .option('--model <type>', 'nhits | nbeats | lstm | transformer', D.model)
      .option('--horizon <bars>', 'bars ahead to forecast', String(D.horizon)),
  )
    .option('--input-size <bars>', `input window length (default ${DEFAULT_INPUT_SIZE_TEXT})`)
    .option('--epochs <n>', 'maximum epochs', String(D.epochs))
    .option('--batch-size <n>', 'mini-batch size (default 256 for nhits/nbeats, 32 for lstm/transformer)')
    .option('--learning-rate <rate>', 'Adam learning rate', String(D.learningRate))
    .option('--schedule <name>', 'learning-rate schedule: cosine | step | constant', D.schedule)
    .option('--patience <epochs>', 'early stopping patience (0 = off)', String(D.patience))
    .option(
      '--validation <fraction>',
      'fraction of the data (at the end) for validation',
      String(D.validationFraction),
    )
    .option('--clip-norm <norm>', 'clip gradients by global norm (0 = off)', String(D.clipNorm))
    .option('--weight-decay <rate>', 'decoupled weight decay of weight matrices (AdamW; default 0)')
    .option('--target <target>', 'price | log-price | return | log-return', D.target)
    .option('--scaler <kind>', 'standard | minmax | none', D.scaler)
    .option('--hidden-size <n>', 'hidden units (Transformer: model size)')
    .option('--quantiles', 'also predict p10/p90 (pinball loss)')
    .option(
      '--preset <name>',
      'small (fast defaults) | neuralforecast (reference sizes, MAE, last-value level)',
      D.preset,
    )
    .option('--interpretable', 'N-BEATS: trend + seasonality stacks with shared weights (N-BEATS-I)')
    .option('--loss <name>', `point loss: mse | mae (default ${D.loss}; neuralforecast preset: mae)`)
    .option('--dropout <rate>', 'dropout rate in [0, 1) while training (default 0)')
    .option('--seed <n>', 'seed for initialisation and shuffling', String(D.seed))
    .option('--output <file>', 'model file to write (default {home}/models/<model>-<symbol>-h<horizon>.bin)')
    .action((flags: TrainFlags) => train(program, flags));

  dataOptions(
    neural
      .command('predict')
      .description("forecast the next bars after the data's last bar")
      .requiredOption('--model-file <file>', 'model file written by `neural train`')
      .option('--model <type>', 'require this model type'),
  ).action((flags: ModelFileFlags) => predict(program, flags));

  dataOptions(
    neural
      .command('evaluate')
      .description('score a model against naive baselines on held-out data (or walk-forward)')
      .requiredOption('--model-file <file>', 'model file written by `neural train`')
      .option('--model <type>', 'require this model type'),
  )
    .option('--walk-forward', 'retrain at rolling origins and forecast each next segment')
    .option('--folds <n>', 'walk-forward folds', '3')
    .option('--test-size <bars>', 'walk-forward origins per fold (default 30% of the data / folds)')
    .option('--epochs <n>', 'walk-forward training epochs (default: as the model was trained)')
    .option('--stride <bars>', 'forecast at every n-th bar', '1')
    .option(
      '--season <bars>',
      'season of the seasonal-naive baseline (default: from the timestamps, one week of daily bars or one trading day of intraday bars)',
    )
    .action((flags: EvaluateFlags) => evaluate(program, flags));

  neural
    .command('models')
    .description('list registered models with their metrics')
    .option('--json', 'print JSON')
    .action((flags: { json?: boolean }) => models(program, flags));
}
