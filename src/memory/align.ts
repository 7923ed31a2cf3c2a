import type { BarSeries } from '../core/bars.js';

/** The closes of `series` and of `benchmark` on the timestamps both have (inner join, in order). */
export function alignedCloses(
  series: BarSeries,
  benchmark: BarSeries,
): { timestamps: Float64Array; closes: Float64Array; benchmark: Float64Array } {
  const at = new Map<number, number>();
  for (let i = 0; i < benchmark.length; i++) at.set(benchmark.timestamps[i], benchmark.close[i]);
  const ts: number[] = [];
  const c: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < series.length; i++) {
    const v = at.get(series.timestamps[i]);
    if (v === undefined) continue;
    ts.push(series.timestamps[i]);
    c.push(series.close[i]);
    b.push(v);
  }
  return { timestamps: Float64Array.from(ts), closes: Float64Array.from(c), benchmark: Float64Array.from(b) };
}
