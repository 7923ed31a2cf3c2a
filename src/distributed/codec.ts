import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { deserialize, serialize } from 'node:v8';
import { z } from 'zod';
import type { BarSeries } from '../core/bars.js';
import { DataError, NeuralTraderError } from '../core/errors.js';
import { TIMEFRAMES } from '../core/timeframe.js';
import type { SharedSeries, Trial } from './trial-adapter.js';

/**
 * Wire formats of queue mode.
 *
 * Bar data: one binary blob per sweep - a magic tag, a JSON header (symbols, timeframe, lengths), then
 * the float64 columns little-endian, 8-byte aligned - named by the SHA-256 of the whole blob, so a
 * worker can check what it received and cache it under that name.
 *
 * Trial results: V8's structured serialisation, which keeps every float64 bit (NaN, +-Infinity, -0,
 * the equity curve's Float64Array) and property order, so a result read back from Redis ranks and
 * prints byte for byte as the one computed locally. Both are checked when read (they come from outside
 * this process).
 */
const MAGIC = Buffer.from('NTBARS1\0', 'latin1');
const COLUMNS = ['timestamps', 'open', 'high', 'low', 'close', 'volume'] as const;
/** Redis strings hold at most 512 MB; stay well below. */
export const MAX_DATA_BYTES = 400 * 1024 * 1024;

const headerSchema = z.object({
  columns: z.tuple([
    z.literal('timestamps'),
    z.literal('open'),
    z.literal('high'),
    z.literal('low'),
    z.literal('close'),
    z.literal('volume'),
  ]),
  series: z
    .array(
      z.object({
        symbol: z.string().min(1).max(64),
        timeframe: z.enum(TIMEFRAMES),
        closeOnly: z.boolean(),
        length: z.number().int().min(1),
      }),
    )
    .min(1)
    .max(1000),
});

function requireLittleEndian(): void {
  if (endianness() !== 'LE') {
    throw new NeuralTraderError('UNSUPPORTED', 'queue mode needs a little-endian machine');
  }
}

export interface EncodedData {
  blob: Buffer;
  sha256: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Encode aligned series as one content-addressed blob. */
export function encodeSeries(series: readonly BarSeries[]): EncodedData {
  requireLittleEndian();
  const header = Buffer.from(
    JSON.stringify({
      columns: COLUMNS,
      series: series.map((s) => ({
        symbol: s.symbol,
        timeframe: s.timeframe,
        closeOnly: s.closeOnly,
        length: s.length,
      })),
    }),
    'utf8',
  );
  const start = Math.ceil((MAGIC.length + 4 + header.length) / 8) * 8;
  const values = series.reduce((n, s) => n + s.length * COLUMNS.length, 0);
  const bytes = start + values * 8;
  if (bytes > MAX_DATA_BYTES) {
    throw new DataError(
      `the sweep's bar data is ${Math.round(bytes / 2 ** 20)} MB; queue mode ships at most ${MAX_DATA_BYTES / 2 ** 20} MB`,
      { hint: 'use fewer symbols or a shorter date range per sweep' },
    );
  }
  const blob = Buffer.alloc(bytes);
  MAGIC.copy(blob, 0);
  blob.writeUInt32LE(header.length, MAGIC.length);
  header.copy(blob, MAGIC.length + 4);
  let offset = start;
  for (const s of series) {
    for (const name of COLUMNS) {
      const column = s[name];
      blob.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), offset);
      offset += column.byteLength;
    }
  }
  return { blob, sha256: sha256Hex(blob) };
}

/**
 * Decode a blob after checking it is the one named `sha256`; the columns land in SharedArrayBuffers so
 * trial threads read them without a copy.
 */
export function decodeSeries(blob: Uint8Array, sha256: string): SharedSeries[] {
  requireLittleEndian();
  const corrupt = (what: string) =>
    new DataError(`bar data ${sha256.slice(0, 12)}: ${what}`, {
      hint: 'the copy in Redis is damaged: start the sweep again from the coordinator (it stores the data anew)',
    });
  if (sha256Hex(blob) !== sha256) throw corrupt('its SHA-256 does not match its name');
  const view = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (view.length < MAGIC.length + 4 || !view.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt('not a neural-trader bar blob');
  }
  const headerLength = view.readUInt32LE(MAGIC.length);
  let header: z.infer<typeof headerSchema>;
  try {
    const text = view.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength).toString('utf8');
    header = headerSchema.parse(JSON.parse(text));
  } catch {
    throw corrupt('unreadable header');
  }
  const start = Math.ceil((MAGIC.length + 4 + headerLength) / 8) * 8;
  const values = header.series.reduce((n, s) => n + s.length * COLUMNS.length, 0);
  if (view.length !== start + values * 8) throw corrupt('its length does not match its header');
  const shared = new SharedArrayBuffer(values * 8);
  new Uint8Array(shared).set(view.subarray(start));
  let index = 0;
  return header.series.map((s) => {
    const columns = {} as SharedSeries['columns'];
    for (const name of COLUMNS) {
      columns[name] = new Float64Array(shared, index * 8, s.length);
      index += s.length;
    }
    return { symbol: s.symbol, timeframe: s.timeframe, closeOnly: s.closeOnly, columns };
  });
}

const trialSchema = z.object({
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  metrics: z.record(z.string(), z.unknown()).optional(),
  finalEquity: z.number().optional(),
  error: z.string().optional(),
  equity: z.instanceof(Float64Array).optional(),
  timestamps: z.instanceof(Float64Array).optional(),
});

export function encodeTrial(trial: Trial): Buffer {
  return serialize(trial);
}

/** Decode a stored trial; a value that is not one is an error naming the task. */
export function decodeTrial(bytes: Buffer, task: string): Trial {
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch {
    value = undefined;
  }
  const parsed = trialSchema.safeParse(value);
  if (!parsed.success) {
    throw new DataError(`the stored result of trial ${task} is not a trial result`, {
      hint: 'another program may be writing under this queue prefix: use a prefix of your own (?prefix=)',
    });
  }
  // The checked value itself (zod rebuilds objects, which would reorder nothing but costs a copy).
  return value as Trial;
}
