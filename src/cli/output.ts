import { writeFileAtomic } from '../core/files.js';
import { toJsonView } from '../core/json-view.js';

/**
 * Result formatting shared by every command: a plain aligned table for people, JSON for programs.
 * Results go to stdout; progress, warnings and logs go to stderr. The conventions (CONTRIBUTING.md
 * "Output conventions") are applied here so every command inherits them:
 * - numbers without padding zeros (`1991`, not `1991.0000`); a table column uses one number of decimals,
 *   the fewest that show each of its values to `digits` places, so the column lines up;
 * - a field named `..._pct` holds a percent and is printed with a `%` sign (`12.34%`);
 * - `--json` output has camelCase keys and ISO dates (see src/core/json-view.ts).
 */
export type Cell = string | number | boolean | null | undefined;

/** Decimals needed to show `value` to at most `digits` places without trailing zeros. */
function decimalsNeeded(value: number, digits: number): number {
  const fixed = value.toFixed(digits);
  const dot = fixed.indexOf('.');
  if (dot < 0) return 0;
  let end = fixed.length;
  while (end > dot + 1 && fixed[end - 1] === '0') end--;
  return end - dot - 1;
}

function isPercentKey(key: string | undefined): boolean {
  return key !== undefined && /(_pct|%)$/.test(key);
}

/**
 * One cell: non-finite numbers as n/a/inf, numbers with `decimals` places (default: the fewest up to
 * `digits`), percent fields (`..._pct`) with two decimals and a `%` sign.
 */
export function formatCell(value: Cell, digits = 4, key?: string, decimals?: number): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'n/a' : value > 0 ? 'inf' : '-inf';
    if (isPercentKey(key)) return `${value.toFixed(2)}%`;
    const places = decimals ?? decimalsNeeded(value, digits);
    const text = value.toFixed(places);
    // -0.0000 is 0.
    return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
  }
  return String(value);
}

/** The decimals a numeric column needs so every value shows to `digits` places and the column aligns. */
function columnDecimals(rows: readonly Record<string, Cell>[], column: string, digits: number): number {
  let decimals = 0;
  for (const row of rows) {
    const value = row[column];
    if (typeof value === 'number' && Number.isFinite(value))
      decimals = Math.max(decimals, decimalsNeeded(value, digits));
  }
  return decimals;
}

/** Render rows as an aligned text table; numbers are right-aligned. */
export function renderTable(
  rows: readonly Record<string, Cell>[],
  columns?: readonly string[],
  digits = 4,
): string {
  if (rows.length === 0) return '(no rows)\n';
  const cols = columns ?? Object.keys(rows[0]);
  const decimals = cols.map((c) => columnDecimals(rows, c, digits));
  const cells = rows.map((row) => cols.map((c, j) => formatCell(row[c], digits, c, decimals[j])));
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
  const keys = Object.keys(values).filter((k) => values[k] !== undefined);
  const width = Math.max(...keys.map((k) => k.length));
  return `${keys.map((k) => `${k.padEnd(width)}  ${formatCell(values[k], digits, k)}`.trimEnd()).join('\n')}\n`;
}

export function printTable(
  rows: readonly Record<string, Cell>[],
  columns?: readonly string[],
  digits?: number,
): void {
  process.stdout.write(renderTable(rows, columns, digits));
}

/** `--json` text of a result: camelCase keys, ISO dates, no NaN (see src/core/json-view.ts). */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(toJsonView(value, 'camel'), null, 2)}\n`;
}

export function printJson(value: unknown): void {
  process.stdout.write(jsonText(value));
}

export function writeJsonFile(path: string, value: unknown): void {
  writeFileAtomic(path, jsonText(value));
}
