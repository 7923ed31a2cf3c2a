import { readFileSync } from 'node:fs';

/** The real AAPL daily OHLCV file, parsed with a tiny reader so the tests do not depend on src/data. */
export interface Ohlcv {
  timestamps: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export function loadAapl(): Ohlcv {
  const text = readFileSync('/work/shared/data/aapl_daily_ohlcv_2013_2018.csv', 'utf8');
  const lines = text.trim().split(/\r?\n/).slice(1);
  const n = lines.length;
  const data: Ohlcv = {
    timestamps: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  lines.forEach((line, i) => {
    const [date, open, high, low, close, , volume] = line.split(',');
    data.timestamps[i] = Date.parse(`${date}T00:00:00Z`);
    data.open[i] = Number(open);
    data.high[i] = Number(high);
    data.low[i] = Number(low);
    data.close[i] = Number(close);
    data.volume[i] = Number(volume);
  });
  return data;
}

/** Relative closeness with a tiny absolute floor for values at or near zero. */
export function expectClose(actual: number, expected: number, context: string, relative = 1e-8): void {
  const scale = Math.max(Math.abs(actual), Math.abs(expected), 1e-6);
  if (!(Math.abs(actual - expected) <= relative * scale)) {
    throw new Error(`${context}: got ${actual}, expected ${expected} (relative tolerance ${relative})`);
  }
}

/**
 * Compare our full-length output (NaN during warm-up) with an oracle that omits warm-up values: the
 * oracle's i-th value is ours at index offset + i, and everything before offset must be NaN.
 */
export function expectAligned(
  ours: Float64Array,
  oracle: readonly number[],
  offset: number,
  name: string,
  relative = 1e-8,
): void {
  if (oracle.length === 0) throw new Error(`${name}: the oracle produced no values`);
  if (ours.length - offset !== oracle.length) {
    throw new Error(`${name}: ${ours.length - offset} values after warm-up, oracle has ${oracle.length}`);
  }
  for (let i = 0; i < offset; i++) {
    if (!Number.isNaN(ours[i]))
      throw new Error(`${name}: expected NaN during warm-up at ${i}, got ${ours[i]}`);
  }
  for (let i = 0; i < oracle.length; i++)
    expectClose(ours[offset + i], oracle[i], `${name}[${offset + i}]`, relative);
}
