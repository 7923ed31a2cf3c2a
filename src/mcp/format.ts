import type { Cell } from '../cli/output.js';
import { toJsonView } from '../core/json-view.js';

/**
 * Tool results are sent twice: as `structuredContent` (JSON for programs) and as text (for the model
 * and for clients that only show text). This module makes the JSON safe and renders the text.
 */

/**
 * A tool's data as MCP returns it (CONTRIBUTING.md "Output conventions"): snake_case field names at every
 * level (strategy parameter objects keep their names), timestamps as ISO dates or instants (one format
 * per result), typed arrays to arrays, Maps to objects, NaN/Infinity to null.
 */
export function toPlainJson<T>(value: T): T {
  return toJsonView(value, 'snake') as T;
}

/** Numbers as people read them: integers whole, others to at most 6 decimals without trailing zeros. */
function formatCell(value: Cell): string {
  if (value === null || value === undefined) return 'n/a';
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(6)));
  return String(value);
}

/** An aligned text table; numeric columns are right-aligned. */
function renderTable(rows: readonly Record<string, Cell>[], columns: readonly string[]): string {
  const cells = rows.map((row) => columns.map((c) => formatCell(row[c])));
  const numeric = columns.map((c) => rows.every((row) => typeof row[c] === 'number' || row[c] == null));
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return `${[line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n')}\n`;
}

function renderKeyValues(values: Readonly<Record<string, Cell>>): string {
  const keys = Object.keys(values);
  const width = Math.max(...keys.map((k) => k.length));
  return `${keys.map((k) => `${k.padEnd(width)}  ${formatCell(values[k])}`).join('\n')}\n`;
}

function isScalar(value: unknown): value is Cell {
  return value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value);
}

function isFlatRecord(value: unknown): value is Record<string, Cell> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => isScalar(v))
  );
}

/** Rows longer than this are shown as head and tail in the text form (structuredContent has them all). */
const MAX_TEXT_ROWS = 40;

function renderRows(rows: readonly Record<string, Cell>[]): string {
  if (rows.length <= MAX_TEXT_ROWS) return renderTable(rows, columnsOf(rows));
  const head = rows.slice(0, MAX_TEXT_ROWS / 2);
  const tail = rows.slice(rows.length - MAX_TEXT_ROWS / 2);
  const columns = columnsOf(rows);
  const tailText = renderTable(tail, columns).split('\n').slice(2).join('\n');
  return `${renderTable(head, columns)}... (${rows.length - MAX_TEXT_ROWS} more rows)\n${tailText}`;
}

function columnsOf(rows: readonly Record<string, Cell>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/**
 * A readable rendering of nested tool data: scalars as aligned key/value lines, arrays of flat records
 * as tables, nested objects as titled sections.
 */
export function renderData(data: unknown, title?: string): string {
  const parts: string[] = [];
  if (isScalar(data)) return `${title ? `${title}: ` : ''}${formatCell(data)}\n`;
  if (Array.isArray(data)) {
    const heading = title ? `${title} (${data.length})\n` : '';
    if (data.length === 0) return `${heading}(none)\n`;
    if (data.every(isFlatRecord)) return `${heading}${renderRows(data)}`;
    if (data.every(isScalar)) return `${heading}${data.map((v) => formatCell(v)).join(', ')}\n`;
    return `${heading}${data.map((item, i) => renderData(item, `[${i}]`)).join('')}`;
  }
  const record = data as Record<string, unknown>;
  const scalars: Record<string, Cell> = {};
  const nested: [string, unknown][] = [];
  for (const [key, value] of Object.entries(record)) {
    if (isScalar(value)) scalars[key] = value;
    else nested.push([key, value]);
  }
  if (title) parts.push(`${title}\n`);
  if (Object.keys(scalars).length > 0) parts.push(renderKeyValues(scalars));
  for (const [key, value] of nested) parts.push(`\n${renderData(value, title ? `${title}.${key}` : key)}`);
  return parts.join('');
}
