import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ModelError } from './errors.js';

/**
 * The neural-trader model file (`.bin`), one self-contained file per model:
 *
 *   offset  size  content
 *   0       8     magic "NTMODEL\0"
 *   8       4     format version, uint32 little-endian (this build writes and reads version 1)
 *   12      4     metadata length M in bytes, uint32 LE
 *   16      4     weights length W in bytes, uint32 LE (a multiple of 4)
 *   20      32    SHA-256 of the M + W bytes that follow
 *   52      M     metadata: UTF-8 JSON (model type, architecture, scaler, training data and options,
 *                 metrics, created time, tfjs version, and the weight table: name, shape, offset, length)
 *   52+M    W     weights: Float32 little-endian, concatenated in weight-table order
 *
 * Loading checks the magic, the version, the lengths and the checksum before trusting a byte, so a
 * truncated, corrupt or foreign file is rejected with a ModelError that says which check failed.
 */
export const MODEL_FILE_MAGIC = 'NTMODEL\0';
export const MODEL_FILE_VERSION = 1;
const HEADER_BYTES = 52;

export interface WeightEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements from the start of the weights section. */
  offset: number;
  length: number;
}

export interface ModelFileContents<M> {
  metadata: M;
  weights: Map<string, { shape: number[]; values: Float32Array }>;
}

export function encodeModelFile<M extends object>(
  metadata: M,
  weights: ReadonlyMap<string, { shape: number[]; values: Float32Array }>,
): Buffer {
  const table: WeightEntry[] = [];
  let offset = 0;
  for (const [name, weight] of weights) {
    table.push({ name, shape: weight.shape, offset, length: weight.values.length });
    offset += weight.values.length;
  }
  const json = Buffer.from(JSON.stringify({ ...metadata, weights: table }), 'utf8');
  const weightBytes = Buffer.alloc(offset * 4);
  let at = 0;
  for (const weight of weights.values()) {
    for (let i = 0; i < weight.values.length; i++, at += 4) weightBytes.writeFloatLE(weight.values[i], at);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MODEL_FILE_MAGIC, 0, 'latin1');
  header.writeUInt32LE(MODEL_FILE_VERSION, 8);
  header.writeUInt32LE(json.length, 12);
  header.writeUInt32LE(weightBytes.length, 16);
  createHash('sha256').update(json).update(weightBytes).digest().copy(header, 20);
  return Buffer.concat([header, json, weightBytes]);
}

export function decodeModelFile<M>(bytes: Buffer, source = 'model file'): ModelFileContents<M> {
  const notModel = (why: string) =>
    new ModelError(`${source} is not a neural-trader model file (${why})`, {
      hint: 'pass a .bin file written by `npx neural-trader neural train` or model.save()',
    });
  if (bytes.length < HEADER_BYTES) throw notModel(`only ${bytes.length} bytes`);
  if (bytes.toString('latin1', 0, 8) !== MODEL_FILE_MAGIC) throw notModel('bad magic header');
  const version = bytes.readUInt32LE(8);
  if (version > MODEL_FILE_VERSION) {
    throw new ModelError(
      `${source} uses model format version ${version}, but this neural-trader supports version ${MODEL_FILE_VERSION} only`,
      { hint: 'upgrade neural-trader to load it, or retrain the model with this version' },
    );
  }
  if (version < 1) throw notModel(`invalid format version ${version}`);
  const jsonLength = bytes.readUInt32LE(12);
  const weightsLength = bytes.readUInt32LE(16);
  if (HEADER_BYTES + jsonLength + weightsLength !== bytes.length || weightsLength % 4 !== 0) {
    throw new ModelError(
      `${source} is truncated or corrupt: header says ${HEADER_BYTES + jsonLength + weightsLength} bytes, file has ${bytes.length}`,
      { hint: 'the file was cut short or modified; save or retrain the model again' },
    );
  }
  const body = bytes.subarray(HEADER_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(bytes.subarray(20, 52))) {
    throw new ModelError(`${source} is corrupt: SHA-256 checksum mismatch`, {
      hint: 'the file was modified or damaged after it was written; save or retrain the model again',
    });
  }
  let parsed: M & { weights?: WeightEntry[] };
  try {
    parsed = JSON.parse(body.toString('utf8', 0, jsonLength));
  } catch (error) {
    throw new ModelError(`${source} is corrupt: metadata is not valid JSON`, { cause: error });
  }
  const table = parsed.weights;
  if (!Array.isArray(table)) throw new ModelError(`${source} is corrupt: metadata has no weight table`);
  const weightsSection = body.subarray(jsonLength);
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const entry of table) {
    const expected = entry.shape.reduce((a, b) => a * b, 1);
    if (expected !== entry.length || (entry.offset + entry.length) * 4 > weightsSection.length) {
      throw new ModelError(`${source} is corrupt: weight ${entry.name} does not fit its shape or the file`);
    }
    const values = new Float32Array(entry.length);
    const base = entry.offset * 4;
    for (let i = 0; i < entry.length; i++) values[i] = weightsSection.readFloatLE(base + i * 4);
    weights.set(entry.name, { shape: entry.shape, values });
  }
  const { weights: _table, ...metadata } = parsed;
  return { metadata: metadata as M, weights };
}

/** Write atomically (temp file + rename) so an interrupted save never leaves a half-written model. */
export function writeModelFile(path: string, bytes: Buffer): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}

export function readModelFile<M>(path: string): ModelFileContents<M> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ModelError(
      `cannot read model file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        hint: 'check the path (see `npx neural-trader neural models` for saved models)',
        cause: error,
      },
    );
  }
  return decodeModelFile<M>(bytes, `model file ${path}`);
}
