import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EvaluationReport } from './evaluate.js';
import type { ModelMetadata } from './forecaster.js';

/**
 * The model registry: `{home}/models/index.json`, one entry per saved model file (wherever it was
 * written), with what a user needs to pick one: type, symbol, shape, training range and metrics.
 */
export interface RegisteredModel {
  path: string;
  modelType: string;
  symbol: string | null;
  inputSize: number;
  horizon: number;
  target: string;
  /** Names of the exogenous inputs ([] = none; entries registered before exogenous inputs lack it). */
  exogenous?: string[];
  trainedFrom: string | null;
  trainedTo: string | null;
  epochs: number | null;
  bestValLoss: number | null;
  metrics: Record<string, unknown>;
  createdAt: string;
  bytes: number;
  /** False when the file has been moved or deleted since it was registered. */
  exists: boolean;
}

export function modelsDirectory(home: string): string {
  return join(home, 'models');
}

function indexPath(home: string): string {
  return join(modelsDirectory(home), 'index.json');
}

function readIndex(home: string): Omit<RegisteredModel, 'exists'>[] {
  const file = indexPath(home);
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { models?: Omit<RegisteredModel, 'exists'>[] };
    return Array.isArray(parsed.models) ? parsed.models : [];
  } catch {
    // A damaged index is rebuilt from scratch by the next registration rather than blocking training.
    return [];
  }
}

/** Add or replace (by path) the entry of a saved model file. */
export function registerModel(home: string, path: string, metadata: ModelMetadata): RegisteredModel {
  const absolute = resolve(path);
  mkdirSync(modelsDirectory(home), { recursive: true });
  const entry: Omit<RegisteredModel, 'exists'> = {
    path: absolute,
    modelType: metadata.modelType,
    symbol: metadata.training?.symbol ?? null,
    inputSize: metadata.config.inputSize,
    horizon: metadata.config.horizon,
    target: metadata.config.target,
    exogenous: (metadata.config.exogenous ?? []).map((spec) => spec.name),
    trainedFrom: metadata.training?.start ?? null,
    trainedTo: metadata.training?.end ?? null,
    epochs: metadata.training?.epochsRun ?? null,
    bestValLoss: metadata.training?.bestValLoss ?? null,
    metrics: metadata.metrics,
    createdAt: metadata.createdAt,
    bytes: statSync(absolute).size,
  };
  const models = readIndex(home).filter((m) => m.path !== absolute);
  models.push(entry);
  const file = indexPath(home);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ version: 1, models }, null, 2)}\n`);
  renameSync(temp, file);
  return { ...entry, exists: true };
}

/** Registered models, newest first. */
export function listModels(home: string): RegisteredModel[] {
  return readIndex(home)
    .map((m) => ({ ...m, exogenous: m.exogenous ?? [], exists: existsSync(m.path) }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * The score of one evaluation as stored in a model's metrics: which symbol and window it belongs to.
 * A score on the training symbol is the model's `holdout` score; a score on another symbol is kept
 * apart under `offSymbol` and never replaces it.
 */
export function evaluationRecord(report: EvaluationReport): {
  key: 'holdout' | 'offSymbol';
  value: Record<string, unknown>;
} {
  return {
    key: report.offSymbol ? 'offSymbol' : 'holdout',
    value: {
      symbol: report.symbol,
      trainedOn: report.trainedOn,
      period: report.period,
      origins: report.origins,
      mae: report.model.mae,
      rmse: report.model.rmse,
      mase: report.model.mase,
      scale: report.scale,
    },
  };
}
