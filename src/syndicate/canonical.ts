import { hash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` members dropped, non-finite numbers
 * as null. Two equal values always give the same text, so it can be hashed (audit chain) and compared
 * (idempotency fingerprints). Written as one loop without intermediate arrays: every operation
 * serialises its request and result this way before it commits.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const inner = record[key];
    if (inner === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(inner)}`;
  }
  return `${out}}`;
}

/** SHA-256 of UTF-8 text as hex (the one-shot crypto.hash: half the cost of createHash per call). */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The hash that precedes the first entry of a chain. */
export const GENESIS_HASH = '0'.repeat(64);
