import { ValidationError } from '../core/errors.js';
import {
  type LSTMArchitecture,
  lstmArchitecture,
  type NBEATSArchitecture,
  type NBEATSStackType,
  type NHiTSArchitecture,
  nbeatsArchitecture,
  nhitsArchitecture,
  type TransformerArchitecture,
  transformerArchitecture,
} from './architectures.js';
import { NEURAL_TRAIN_DEFAULTS } from './defaults.js';
import { ModelError } from './errors.js';
import { resolveExogenousSpecs } from './exogenous.js';
import {
  type CommonConfig,
  type ForecasterOptions,
  type ModelMetadata,
  NEURAL_MODEL_TYPES,
  NeuralForecaster,
  type NeuralModelType,
  resolveCommonConfig,
} from './forecaster.js';
import type { Architecture } from './layers.js';
import { readModelFile } from './model-file.js';

function intOption(value: number | undefined, fallback: number, field: string, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min)
    throw new ValidationError(`${field} must be an integer >= ${min} (got ${v})`, { field });
  return v;
}

function shapeOf(config: CommonConfig) {
  return {
    inputSize: config.inputSize,
    horizon: config.horizon,
    outputs: config.quantiles ? 3 : 1,
    exogenous: config.exogenous.length,
  };
}

/** The model types that take exogenous inputs. */
export const EXOGENOUS_MODEL_TYPES: readonly NeuralModelType[] = ['nhits', 'transformer'];

function refuseExogenous(config: CommonConfig, type: NeuralModelType): void {
  if (config.exogenous.length > 0) {
    throw new ValidationError(
      `exogenous inputs are supported by N-HiTS and the Transformer only (model ${type})`,
      { field: 'exogenous', hint: 'use --model nhits or --model transformer' },
    );
  }
}

// ---------------------------------------------------------------------------------------------- N-HiTS

export type NHiTSOptions = ForecasterOptions & Partial<NHiTSArchitecture>;
export type NHiTSConfig = CommonConfig & NHiTSArchitecture;

export class NHiTS extends NeuralForecaster<NHiTSConfig> {
  readonly modelType = 'nhits' as const;

  override get defaultBatchSize(): number {
    return 256;
  }

  constructor(options: NHiTSOptions) {
    const common = resolveCommonConfig(options);
    const stacks = intOption(options.stacks, 3, 'stacks');
    const defaultPools = [8, 4, 1, 1, 1, 1].map((k) =>
      Math.max(1, Math.min(k, Math.floor(common.inputSize / 2))),
    );
    const defaultFactors = [Math.min(4, common.horizon), Math.min(2, common.horizon), 1, 1, 1, 1];
    const poolKernelSizes = options.poolKernelSizes ?? defaultPools.slice(0, stacks);
    const downsampleFactors = options.downsampleFactors ?? defaultFactors.slice(0, stacks);
    if (poolKernelSizes.length !== stacks || downsampleFactors.length !== stacks) {
      throw new ValidationError(
        `poolKernelSizes and downsampleFactors need one entry per stack (${stacks})`,
        {
          field: 'poolKernelSizes',
        },
      );
    }
    super({
      ...common,
      stacks,
      blocksPerStack: intOption(options.blocksPerStack, 1, 'blocksPerStack'),
      hiddenSize: intOption(options.hiddenSize, 128, 'hiddenSize'),
      mlpLayers: intOption(options.mlpLayers, 2, 'mlpLayers'),
      poolKernelSizes: poolKernelSizes.map((k) => intOption(k, 1, 'poolKernelSizes')),
      downsampleFactors: downsampleFactors.map((f) => intOption(f, 1, 'downsampleFactors')),
      lastValueLevel: options.lastValueLevel ?? false,
    });
  }

  protected buildArchitecture(): Architecture {
    return nhitsArchitecture(shapeOf(this.config), this.config);
  }

  static load(path: string): NHiTS {
    return loadModelOfType(path, 'nhits') as NHiTS;
  }
}

// ---------------------------------------------------------------------------------------------- N-BEATS

export type NBEATSOptions = ForecasterOptions &
  Partial<NBEATSArchitecture> & {
    /** Shorthand for stackTypes ['trend', 'seasonality'] (N-BEATS-I). */
    interpretable?: boolean;
  };
export type NBEATSConfig = CommonConfig & NBEATSArchitecture;

export class NBEATS extends NeuralForecaster<NBEATSConfig> {
  readonly modelType = 'nbeats' as const;

  override get defaultBatchSize(): number {
    return 256;
  }

  constructor(options: NBEATSOptions) {
    const common = resolveCommonConfig(options);
    refuseExogenous(common, 'nbeats');
    const stackTypes: NBEATSStackType[] =
      options.stackTypes ?? (options.interpretable ? ['trend', 'seasonality'] : ['generic', 'generic']);
    for (const type of stackTypes) {
      if (!['generic', 'trend', 'seasonality'].includes(type)) {
        throw new ValidationError(`N-BEATS stack type must be generic, trend or seasonality (got ${type})`, {
          field: 'stackTypes',
        });
      }
    }
    super({
      ...common,
      stackTypes,
      blocksPerStack: intOption(options.blocksPerStack, 2, 'blocksPerStack'),
      hiddenSize: intOption(options.hiddenSize, 128, 'hiddenSize'),
      mlpLayers: intOption(options.mlpLayers, 4, 'mlpLayers'),
      polynomialDegree: intOption(options.polynomialDegree, 3, 'polynomialDegree', 0),
      harmonics: intOption(
        options.harmonics,
        Math.max(1, Math.min(8, Math.floor(common.inputSize / 4))),
        'harmonics',
      ),
      shareWeights: options.shareWeights ?? stackTypes.some((type) => type !== 'generic'),
      lastValueLevel: options.lastValueLevel ?? false,
      basisVersion: options.basisVersion === 1 ? 1 : 2,
    });
  }

  protected buildArchitecture(): Architecture {
    return nbeatsArchitecture(shapeOf(this.config), this.config);
  }

  static load(path: string): NBEATS {
    return loadModelOfType(path, 'nbeats') as NBEATS;
  }
}

// ---------------------------------------------------------------------------------------------- LSTM

export type LSTMOptions = ForecasterOptions & Partial<LSTMArchitecture>;
export type LSTMConfig = CommonConfig & LSTMArchitecture;

export class LSTMForecaster extends NeuralForecaster<LSTMConfig> {
  readonly modelType = 'lstm' as const;

  constructor(options: LSTMOptions) {
    const common = resolveCommonConfig(options);
    refuseExogenous(common, 'lstm');
    super({
      ...common,
      hiddenSize: intOption(options.hiddenSize, 32, 'hiddenSize'),
      layers: intOption(options.layers, 1, 'layers'),
    });
  }

  protected buildArchitecture(): Architecture {
    return lstmArchitecture(shapeOf(this.config), this.config);
  }

  static load(path: string): LSTMForecaster {
    return loadModelOfType(path, 'lstm') as LSTMForecaster;
  }
}

// ---------------------------------------------------------------------------------------------- Transformer

export type TransformerOptions = ForecasterOptions & Partial<TransformerArchitecture>;
export type TransformerConfig = CommonConfig & TransformerArchitecture;

export class TransformerForecaster extends NeuralForecaster<TransformerConfig> {
  readonly modelType = 'transformer' as const;

  constructor(options: TransformerOptions) {
    const common = resolveCommonConfig(options);
    const modelSize = intOption(options.modelSize, 32, 'modelSize');
    const heads = intOption(options.heads, 4, 'heads');
    if (modelSize % heads !== 0) {
      throw new ValidationError(`modelSize (${modelSize}) must be divisible by heads (${heads})`, {
        field: 'heads',
      });
    }
    const layers = intOption(options.layers, 2, 'layers');
    const positionalEncoding = options.positionalEncoding ?? 'sinusoidal';
    if (positionalEncoding !== 'sinusoidal' && positionalEncoding !== 'learned') {
      throw new ValidationError(
        `positionalEncoding must be sinusoidal or learned (got ${positionalEncoding})`,
        {
          field: 'positionalEncoding',
        },
      );
    }
    super({
      ...common,
      modelSize,
      heads,
      layers,
      feedForwardSize: intOption(options.feedForwardSize, 2 * modelSize, 'feedForwardSize'),
      positionalEncoding,
    });
  }

  protected buildArchitecture(): Architecture {
    return transformerArchitecture(shapeOf(this.config), this.config);
  }

  static load(path: string): TransformerForecaster {
    return loadModelOfType(path, 'transformer') as TransformerForecaster;
  }
}

// ---------------------------------------------------------------------------------------------- presets

export type NeuralPreset = 'small' | 'neuralforecast';
export const NEURAL_PRESETS: readonly NeuralPreset[] = ['small', 'neuralforecast'];

/**
 * Architecture options of a preset. 'small' = this library's fast defaults (nothing overridden).
 * 'neuralforecast' = the reference defaults of Nixtla's neuralforecast (v1.7): N-HiTS 3 stacks x 1 block of
 * 2 x 512 units, pooling [2, 2, 1], downsampling [4, 2, 1], forecast levelled on the last value; N-BEATS
 * identity + trend + seasonality stacks of 2 x 512 units, last-value level; LSTM 2 layers of 128; Transformer
 * (VanillaTransformer) model size 128, 4 heads, 2 encoder layers, dropout 0.05; MAE loss for all. Explicit
 * options given beside a preset win.
 */
export function presetOptions(
  type: NeuralModelType,
  preset: NeuralPreset,
  horizon: number,
): Record<string, unknown> {
  if (preset === 'small') return {};
  if (preset !== 'neuralforecast') {
    throw new ValidationError(`preset must be one of ${NEURAL_PRESETS.join(', ')} (got ${String(preset)})`, {
      field: 'preset',
    });
  }
  switch (type) {
    case 'nhits':
      return {
        loss: 'mae',
        dropout: 0,
        stacks: 3,
        blocksPerStack: 1,
        hiddenSize: 512,
        mlpLayers: 2,
        poolKernelSizes: [2, 2, 1],
        downsampleFactors: [Math.min(4, horizon), Math.min(2, horizon), 1],
        lastValueLevel: true,
      };
    case 'nbeats':
      return {
        loss: 'mae',
        dropout: 0,
        stackTypes: ['generic', 'trend', 'seasonality'],
        blocksPerStack: 1,
        hiddenSize: 512,
        mlpLayers: 2,
        polynomialDegree: 2,
        shareWeights: false,
        lastValueLevel: true,
      };
    case 'lstm':
      return { loss: 'mae', dropout: 0, hiddenSize: 128, layers: 2 };
    case 'transformer':
      return {
        loss: 'mae',
        dropout: 0.05,
        modelSize: 128,
        heads: 4,
        layers: 2,
        feedForwardSize: 256,
      };
  }
}

// ---------------------------------------------------------------------------------------------- factory

export type AnyForecaster = NHiTS | NBEATS | LSTMForecaster | TransformerForecaster;

export type ModelOptionsByType = {
  nhits: NHiTSOptions;
  nbeats: NBEATSOptions;
  lstm: LSTMOptions;
  transformer: TransformerOptions;
};

const MODEL_NAMES: Record<NeuralModelType, string> = {
  nhits: 'N-HiTS',
  nbeats: 'N-BEATS',
  lstm: 'LSTM',
  transformer: 'Transformer',
};

export function modelDisplayName(type: NeuralModelType): string {
  return MODEL_NAMES[type];
}

/** Create an untrained model of a type by name. */
export function createForecaster(
  type: NeuralModelType,
  options: ForecasterOptions & Record<string, unknown>,
): AnyForecaster {
  switch (type) {
    case 'nhits':
      return new NHiTS(options as NHiTSOptions);
    case 'nbeats':
      return new NBEATS(options as NBEATSOptions);
    case 'lstm':
      return new LSTMForecaster(options as LSTMOptions);
    case 'transformer':
      return new TransformerForecaster(options as TransformerOptions);
    default:
      throw new ValidationError(
        `unknown model type '${String(type)}'; expected one of ${NEURAL_MODEL_TYPES.join(', ')}`,
        {
          field: 'model',
        },
      );
  }
}

export interface BuildOptions extends ForecasterOptions {
  /** 'small' (default: this library's fast sizes) or 'neuralforecast' (the reference defaults). */
  preset?: NeuralPreset;
  /** N-BEATS only: trend + seasonality stacks with shared weights (N-BEATS-I). */
  interpretable?: boolean;
  /** Hidden units (Transformer: model size). */
  hiddenSize?: number;
}

/**
 * The one place the CLI, the MCP server and the library turn face-level options into a model: the
 * preset's architecture first, then every option given explicitly (undefined = not given).
 */
export function buildForecaster(type: NeuralModelType, options: BuildOptions): AnyForecaster {
  const { preset = NEURAL_TRAIN_DEFAULTS.preset, interpretable, hiddenSize, ...rest } = options;
  if (!NEURAL_MODEL_TYPES.includes(type)) return createForecaster(type, { ...options });
  if (interpretable && type !== 'nbeats') {
    throw new ValidationError(`interpretable applies to N-BEATS only (model ${type})`, {
      field: 'interpretable',
      hint: 'use --model nbeats --interpretable',
    });
  }
  const merged: Record<string, unknown> = { ...presetOptions(type, preset, options.horizon) };
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) merged[key] = value;
  if (interpretable) {
    merged.stackTypes = ['trend', 'seasonality'];
    merged.shareWeights = true;
  }
  if (hiddenSize !== undefined) merged[type === 'transformer' ? 'modelSize' : 'hiddenSize'] = hiddenSize;
  return createForecaster(type, merged as unknown as ForecasterOptions & Record<string, unknown>);
}

function readChecked(path: string): {
  metadata: ModelMetadata;
  weights: Map<string, { shape: number[]; values: Float32Array }>;
} {
  const contents = readModelFile<ModelMetadata>(path);
  const { metadata } = contents;
  if (metadata.format !== 'neural-trader-model' || !NEURAL_MODEL_TYPES.includes(metadata.modelType)) {
    throw new ModelError(`model file ${path} has an unknown model type '${String(metadata.modelType)}'`, {
      hint: `supported types: ${NEURAL_MODEL_TYPES.join(', ')}`,
    });
  }
  checkExogenousMetadata(metadata, path);
  return contents;
}

/**
 * A model file's exogenous inputs must be well-formed, on a model type that takes them, with exactly one
 * valid scaler each; files written before exogenous inputs existed have none and load unchanged.
 */
function checkExogenousMetadata(metadata: ModelMetadata, path: string): void {
  const damaged = (why: string) =>
    new ModelError(`model file ${path} has a damaged exogenous spec: ${why}`, {
      hint: 'retrain the model; the file does not describe its exogenous inputs consistently',
    });
  let specs: ReturnType<typeof resolveExogenousSpecs>;
  try {
    specs = resolveExogenousSpecs(metadata.config?.exogenous);
  } catch (error) {
    throw damaged((error as Error).message);
  }
  const scalers = metadata.exogenousScalers;
  if (specs.length === 0) {
    if (scalers !== undefined && Object.keys(scalers ?? {}).length > 0)
      throw damaged('scalers without inputs');
    return;
  }
  if (!EXOGENOUS_MODEL_TYPES.includes(metadata.modelType)) {
    throw damaged(`a ${MODEL_NAMES[metadata.modelType]} model cannot have exogenous inputs`);
  }
  if (!scalers || typeof scalers !== 'object') throw damaged('no exogenous scalers');
  for (const spec of specs) {
    const state = scalers[spec.name];
    if (!state || !Number.isFinite(state.center) || !Number.isFinite(state.scale) || !(state.scale > 0)) {
      throw damaged(`input '${spec.name}' has ${state ? 'an invalid' : 'no'} scaler`);
    }
  }
  const extra = Object.keys(scalers).filter((name) => !specs.some((s) => s.name === name));
  if (extra.length > 0) throw damaged(`scalers for undeclared inputs ${extra.join(', ')}`);
}

/**
 * Options added after model files were first written get the value that reproduces the old behaviour
 * when a file does not record them (new models record every option).
 */
function withLegacyDefaults(config: ModelMetadata['config']): ModelMetadata['config'] {
  const filled: Record<string, unknown> = { ...config };
  if (filled.bands === undefined) filled.bands = 'per-step';
  if (filled.shareWeights === undefined) filled.shareWeights = false;
  if (filled.basisVersion === undefined) filled.basisVersion = 1;
  return filled as ModelMetadata['config'];
}

function build(contents: ReturnType<typeof readChecked>): AnyForecaster {
  const model = createForecaster(contents.metadata.modelType, withLegacyDefaults(contents.metadata.config));
  model.restore(contents.metadata, contents.weights);
  return model;
}

const LOADERS: Record<NeuralModelType, string> = {
  nhits: 'NHiTS.load',
  nbeats: 'NBEATS.load',
  lstm: 'LSTMForecaster.load',
  transformer: 'TransformerForecaster.load',
};

function loadModelOfType(path: string, expected: NeuralModelType): AnyForecaster {
  const contents = readChecked(path);
  const actual = contents.metadata.modelType;
  if (actual !== expected) {
    throw new ModelError(
      `model file ${path} holds a ${MODEL_NAMES[actual]} model (type '${actual}'), not ${MODEL_NAMES[expected]} ('${expected}')`,
      { hint: `load it with ${LOADERS[actual]} or loadModel(path), which dispatches on the file's type` },
    );
  }
  return build(contents);
}

/** Load any model file, dispatching on the model type stored in it. */
export function loadModel(path: string): AnyForecaster {
  return build(readChecked(path));
}

/** The metadata of a model file (validated) without building the model. */
export function readModelMetadata(path: string): ModelMetadata {
  return readChecked(path).metadata;
}
