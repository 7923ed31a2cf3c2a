import { writeFileAtomic } from '../core/files.js';
import { toJsonView } from '../core/json-view.js';

/**
 * Result formatting shared by every command: a plain aligned table for people, JSON for programs.
 * Results go to stdout; progress, warnings and logs go to stderr. The conventions (CONTRIBUTING.md
 * "Output conventions") are applied here so every command inherits them:
 * - whole numbers print whole (`1991`, never `1991.0000`, even when float arithmetic left 1991.0000000001);
 * - other numbers print with `digits` decimals when the caller asks for a fixed number (money: 2, so
 *   `98114.10`), otherwise with the fewest decimals up to 4 that show them (`0.5`, `0.4299`); the
 *   fractional values of a table column share one number of decimals, so they line up;
 * - in a table with fixed decimals (money), a column with any fractional value prints its whole values
 *   with them too (`2402.00` under `2617.95`, never `2402`); a column of whole values (quantities,
 *   whole amounts) stays whole;
 * - a field named `..._pct` (or ending in `%`) holds a percent and is printed with a `%` sign (`12.34%`);
 * - `--json` output has camelCase keys and ISO dates (see src/core/json-view.ts).
 */
export type Cell = string | number | boolean | null | undefined;

const DEFAULT_DIGITS = 4;

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

/** Decimals for one value: none when whole at this precision, else `digits` (fixed) or the fewest needed. */
function valueDecimals(value: number, digits: number | undefined): number {
  const needed = decimalsNeeded(value, digits ?? DEFAULT_DIGITS);
  if (needed === 0) return 0;
  return digits ?? needed;
}

/**
 * One cell: non-finite numbers as n/a/inf, percent fields (`..._pct`) with two decimals and a `%` sign,
 * other numbers with `decimals` places when given (a table column's), else as `valueDecimals` says.
 */
export function formatCell(
  value: Cell,
  digits?: number,
  key?: string,
  decimals?: number,
  fixedColumn = false,
): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'n/a' : value > 0 ? 'inf' : '-inf';
    if (isPercentKey(key)) return `${value.toFixed(2)}%`;
    // Whole values print whole even in a column of decimals (no padding zeros: 12096, not 12096.00),
    // except in a money column (`fixedColumn`), which keeps its currency decimals on every value.
    const whole = valueDecimals(value, digits) === 0 && !fixedColumn;
    const places = whole ? 0 : (decimals ?? valueDecimals(value, digits));
    const text = value.toFixed(places);
    // -0.0000 is 0.
    return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
  }
  return String(value);
}

/** The decimals a numeric column needs so every value shows as the convention says and the column aligns. */
function columnDecimals(
  rows: readonly Record<string, Cell>[],
  column: string,
  digits: number | undefined,
): number {
  let decimals = 0;
  for (const row of rows) {
    const value = row[column];
    if (typeof value === 'number' && Number.isFinite(value))
      decimals = Math.max(decimals, valueDecimals(value, digits));
  }
  return decimals;
}

/** Render rows as an aligned text table; numbers are right-aligned. */
export function renderTable(
  rows: readonly Record<string, Cell>[],
  columns?: readonly string[],
  digits?: number,
): string {
  if (rows.length === 0) return '(no rows)\n';
  const cols = columns ?? Object.keys(rows[0]);
  const decimals = cols.map((c) => columnDecimals(rows, c, digits));
  // With fixed decimals (money), a column that has any fractional value keeps them on its whole values.
  const fixed = decimals.map((d) => digits !== undefined && d > 0);
  const cells = rows.map((row) => cols.map((c, j) => formatCell(row[c], digits, c, decimals[j], fixed[j])));
  const numeric = cols.map((c) => rows.every((row) => typeof row[c] === 'number' || row[c] == null));
  const widths = cols.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return `${[line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

/** Key/value pairs as two aligned columns (undefined values are left out). */
export function renderKeyValues(values: Readonly<Record<string, Cell>>, digits?: number): string {
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
