import { formatDate, formatInstant, MS_PER_DAY } from './time.js';

/**
 * The JSON a face prints or returns, made to follow the output conventions (CONTRIBUTING.md "Output
 * conventions") whatever the library object looked like:
 * - field names in one case per face: camelCase for CLI `--json`, snake_case for MCP;
 * - timestamps (fields named `timestamp(s)`, `time`, `date`, `start`, `end`, `asOf`, `...At`, `...Time`
 *   holding epoch milliseconds) as ISO 8601 text, never epoch numbers: `YYYY-MM-DD` when every timestamp
 *   in the document is midnight UTC, otherwise the full `YYYY-MM-DDTHH:mm:ssZ` for all of them, so one
 *   document (and so one series) never mixes the two;
 * - typed arrays as arrays, Maps as objects, NaN and Infinity as null.
 * Strategy parameter objects (`params`, `fixedParams`, `bestParams`, `paramSpace`) keep their keys: they are
 * the names a caller passes back in, not field names.
 */
export type KeyCase = 'camel' | 'snake';

const TIME_KEY =
  /^(timestamps?|time|date|dates|start|end|as_?of)$|[a-z](At|Time|Timestamp|_at|_time|_timestamp)$/;
const PARAMS_KEY = /(^p|P|_p)arams$|^param_?[sS]pace$/;
const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;
const CAMEL = /^[a-z][a-z0-9]*([A-Z][a-z0-9]*)+$/;
/**
 * Whole epoch ms between 1800 and 2400, and not within 12 days of 1970-01-01: a small number under a
 * time-like name (a duration, a count) is not a timestamp anyone means.
 */
const MIN_EPOCH = Date.UTC(1800, 0, 1);
const MAX_EPOCH = Date.UTC(2400, 0, 1);

function isEpoch(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= MIN_EPOCH &&
    value < MAX_EPOCH &&
    Math.abs(value) >= 1e9
  );
}

function renameKey(key: string, keyCase: KeyCase): string {
  if (keyCase === 'camel' && SNAKE.test(key))
    return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  if (keyCase === 'snake' && CAMEL.test(key)) return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return key;
}

/** Plain JSON (what JSON.stringify would send): typed arrays, Maps, toJSON(), NaN/Infinity as null. */
export function plainJson(value: unknown): unknown {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView))
      return Array.from(v as unknown as ArrayLike<number>);
    if (v instanceof Map) return Object.fromEntries(v);
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    return v;
  });
  return text === undefined ? null : JSON.parse(text);
}

/** Every epoch-ms value under a time-like key, to choose one date format for the document. */
function collectTimestamps(value: unknown, underTimeKey: boolean, out: number[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectTimestamps(item, underTimeKey, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collectTimestamps(item, TIME_KEY.test(key), out);
  } else if (underTimeKey && isEpoch(value)) {
    out.push(value);
  }
}

function transform(
  value: unknown,
  keyCase: KeyCase,
  format: (ts: number) => string,
  underTimeKey: boolean,
  keepKeys: boolean,
): unknown {
  if (Array.isArray(value))
    return value.map((item) => transform(item, keyCase, format, underTimeKey, keepKeys));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const isParams = PARAMS_KEY.test(key);
      out[keepKeys ? key : renameKey(key, keyCase)] = transform(
        item,
        keyCase,
        format,
        TIME_KEY.test(key),
        keepKeys || isParams,
      );
    }
    return out;
  }
  return underTimeKey && isEpoch(value) ? format(value) : value;
}

/** `value` as a face's JSON: one key case, ISO dates, plain JSON values (see the module comment). */
export function toJsonView(value: unknown, keyCase: KeyCase): unknown {
  const plain = plainJson(value);
  const timestamps: number[] = [];
  collectTimestamps(plain, false, timestamps);
  const daily = timestamps.every((ts) => ts % MS_PER_DAY === 0);
  return transform(plain, keyCase, daily ? formatDate : formatInstant, false, false);
}
