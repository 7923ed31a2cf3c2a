import { writeFileAtomic } from '../core/files.js';

/**
 * Result formatting shared by every command: a plain aligned table for people, JSON for programs.
 * Results go to stdout; progress and logs go to stderr.
 */
export type Cell = string | number | boolean | null | undefined;

export function formatCell(value: Cell, digits = 4): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'n/a' : value > 0 ? 'inf' : '-inf';
    if (Number.isInteger(value)) return String(value);
    return value.toFixed(digits);
  }
  return String(value);
}

/** Render rows as an aligned text table; numbers are right-aligned. */
export function renderTable(
  rows: readonly Record<string, Cell>[],
  columns?: readonly string[],
  digits = 4,
): string {
  if (rows.length === 0) return '(no rows)\n';
  const cols = columns ?? Object.keys(rows[0]);
  const cells = rows.map((row) => cols.map((c) => formatCell(row[c], digits)));
  const numeric = cols.map((c) => rows.every((row) => typeof row[c] === 'number' || row[c] == null));
  const widths = cols.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return `${[line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

/** Key/value pairs as two aligned columns. */
export function renderKeyValues(values: Readonly<Record<string, Cell>>, digits = 4): string {
  const keys = Object.keys(values);
  const width = Math.max(...keys.map((k) => k.length));
  return `${keys.map((k) => `${k.padEnd(width)}  ${formatCell(values[k], digits)}`).join('\n')}\n`;
}

export function printTable(
  rows: readonly Record<string, Cell>[],
  columns?: readonly string[],
  digits?: number,
): void {
  process.stdout.write(renderTable(rows, columns, digits));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

/** JSON that survives typed arrays, NaN/Infinity (as null) and Maps. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array || value instanceof Float32Array || value instanceof Int32Array) {
    return Array.from(value);
  }
  if (value instanceof Map) return Object.fromEntries(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

export function writeJsonFile(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, jsonReplacer, 2)}\n`);
}
