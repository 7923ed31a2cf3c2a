import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NeuralTraderError } from '../../src/core/errors.js';
import { initNeuralBackend } from '../../src/neural/backend.js';
import { ModelError } from '../../src/neural/errors.js';
import { decodeModelFile, encodeModelFile, MODEL_FILE_MAGIC } from '../../src/neural/model-file.js';
import {
  LSTMForecaster,
  loadModel,
  NBEATS,
  NHiTS,
  readModelMetadata,
  TransformerForecaster,
} from '../../src/neural/models.js';
import { listModels, registerModel } from '../../src/neural/registry.js';
import { linearTrend } from './helpers.js';

let dir: string;
let lstmPath: string;
let nhitsPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nt-neural-file-'));
  await initNeuralBackend();
  const data = linearTrend(80, 20, 0.1);
  const lstm = new LSTMForecaster({ inputSize: 6, horizon: 2, hiddenSize: 4 });
  await lstm.train(data, { epochs: 1 });
  lstmPath = join(dir, 'lstm.bin');
  lstm.save(lstmPath);
  const nhits = new NHiTS({ inputSize: 8, horizon: 2, hiddenSize: 8 });
  await nhits.train(data, { epochs: 1 });
  nhitsPath = join(dir, 'nhits.bin');
  nhits.save(nhitsPath);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectModelError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    expect((error as NeuralTraderError).code).toBe('MODEL');
    expect((error as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected a ModelError');
}

describe('model file format', () => {
  it('has the documented header and metadata', () => {
    const bytes = readFileSync(nhitsPath);
    expect(bytes.toString('latin1', 0, 8)).toBe(MODEL_FILE_MAGIC);
    expect(bytes.readUInt32LE(8)).toBe(1);
    const jsonLength = bytes.readUInt32LE(12);
    const weightsLength = bytes.readUInt32LE(16);
    expect(52 + jsonLength + weightsLength).toBe(bytes.length);
    const metadata = JSON.parse(bytes.toString('utf8', 52, 52 + jsonLength));
    expect(metadata.modelType).toBe('nhits');
    expect(metadata.formatVersion).toBe(1);
    expect(metadata.scaler.kind).toBe('standard');
    expect(metadata.training.bars).toBe(80);
    expect(metadata.tfjsVersion).toMatch(/^4\./);
    const total = metadata.weights.reduce((s: number, w: { length: number }) => s + w.length, 0);
    expect(total * 4).toBe(weightsLength);
    expect(readModelMetadata(nhitsPath).config.inputSize).toBe(8);
  });

  it('round-trips weights bit-exactly', () => {
    const weights = new Map([['w', { shape: [2, 2], values: Float32Array.of(1.5, -2.25, 3e-8, Math.PI) }]]);
    const decoded = decodeModelFile<{ a: number }>(encodeModelFile({ a: 1 }, weights));
    expect(decoded.metadata.a).toBe(1);
    expect([...(decoded.weights.get('w')?.values ?? [])]).toEqual([
      ...Float32Array.of(1.5, -2.25, 3e-8, Math.PI),
    ]);
  });

  it('loadModel dispatches on the stored type', () => {
    expect(loadModel(lstmPath)).toBeInstanceOf(LSTMForecaster);
    expect(loadModel(nhitsPath)).toBeInstanceOf(NHiTS);
  });

  it('rejects a file of another model type, naming both types', () => {
    expectModelError(
      () => NHiTS.load(lstmPath),
      /holds a LSTM model \(type 'lstm'\), not N-HiTS \('nhits'\)/,
    );
    expectModelError(() => NBEATS.load(nhitsPath), /N-HiTS .*not N-BEATS/);
    expectModelError(() => TransformerForecaster.load(nhitsPath), /not Transformer/);
  });

  it('rejects a newer format version, saying which version is supported', () => {
    const bytes = Buffer.from(readFileSync(nhitsPath));
    bytes.writeUInt32LE(2, 8);
    const path = join(dir, 'future.bin');
    writeFileSync(path, bytes);
    expectModelError(
      () => loadModel(path),
      /format version 2, but this neural-trader supports version 1 only/,
    );
  });

  it('rejects corrupt, truncated and foreign files', () => {
    const good = readFileSync(nhitsPath);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] ^= 0xff;
    writeFileSync(join(dir, 'flipped.bin'), flipped);
    expectModelError(() => loadModel(join(dir, 'flipped.bin')), /corrupt: SHA-256 checksum mismatch/);

    writeFileSync(join(dir, 'short.bin'), good.subarray(0, good.length - 100));
    expectModelError(() => loadModel(join(dir, 'short.bin')), /truncated or corrupt/);

    writeFileSync(join(dir, 'foreign.bin'), Buffer.from('{"this": "is json, not a model"}'.repeat(4)));
    expectModelError(
      () => loadModel(join(dir, 'foreign.bin')),
      /not a neural-trader model file \(bad magic header\)/,
    );

    writeFileSync(join(dir, 'tiny.bin'), Buffer.from('NT'));
    expectModelError(() => loadModel(join(dir, 'tiny.bin')), /only 2 bytes/);

    expectModelError(() => loadModel(join(dir, 'missing.bin')), /cannot read model file .*ENOENT/);
  });

  it('registers models in an index under home/models', () => {
    const home = join(dir, 'home');
    registerModel(home, nhitsPath, readModelMetadata(nhitsPath));
    registerModel(home, lstmPath, readModelMetadata(lstmPath));
    registerModel(home, nhitsPath, readModelMetadata(nhitsPath));
    const list = listModels(home);
    expect(list.map((m) => m.modelType).sort()).toEqual(['lstm', 'nhits']);
    expect(list.every((m) => m.exists && m.bytes > 100)).toBe(true);
  });
});
