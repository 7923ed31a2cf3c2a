import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BarSeries } from '../../src/core/bars.js';

/** A tiny reader for the shared real-data CSVs (date + one close column), independent of src/data. */
export function readCloseCsv(file: string, column: string, symbol: string, limit?: number): BarSeries {
  const text = readFileSync(resolve('/work/shared/data', file), 'utf8').trim().split('\n');
  const header = text[0].split(',');
  const dateIndex = 0;
  const closeIndex = header.indexOf(column);
  if (closeIndex < 0) throw new Error(`no column ${column} in ${file}`);
  const rows = text.slice(1, limit ? limit + 1 : undefined);
  const timestamps = new Float64Array(rows.length);
  const closes = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    const cells = row.split(',');
    timestamps[i] = Date.parse(`${cells[dateIndex].slice(0, 10)}T00:00:00Z`);
    closes[i] = Number(cells[closeIndex]);
  });
  return BarSeries.fromCloses(symbol, '1d', timestamps, closes);
}

export function sine(length: number, period = 20, level = 2, amplitude = 1): Float64Array {
  return Float64Array.from({ length }, (_, i) => level + amplitude * Math.sin((2 * Math.PI * i) / period));
}

export function linearTrend(length: number, start = 10, slope = 0.05): Float64Array {
  return Float64Array.from({ length }, (_, i) => start + slope * i);
}
