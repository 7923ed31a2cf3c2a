import { ValidationError } from '../core/errors.js';
import { parseDateBound } from '../core/time.js';
import { fetchMarketData } from '../data/registry.js';
import { EMBEDDING_WARMUP, embedMarketState } from './embedding.js';
import type { MemoryStore } from './store.js';

/**
 * The market state of `symbol` at the last bar on or before `date` (default: the latest bar), from a
 * data provider (bundled samples by default), normalised with the memory's statistics.
 */
export async function marketStateAt(
  symbol: string,
  date?: string,
  options: { provider?: string; benchmark?: string; memory?: MemoryStore } = {},
): Promise<{ symbol: string; time: number; state: Float32Array }> {
  const end = date === undefined ? undefined : parseDateBound(date, 'end', 'date');
  const series = await fetchMarketData(symbol, undefined, end, options.provider ?? 'sample');
  if (series.length < EMBEDDING_WARMUP) {
    throw new ValidationError(
      `${series.symbol}: a market state needs ${EMBEDDING_WARMUP} bars up to ${date ?? 'the end'}, the data has ${series.length}`,
      { field: 'date', hint: 'pick a later date' },
    );
  }
  let benchmark: Float64Array | undefined;
  if (options.benchmark) {
    const bench = await fetchMarketData(options.benchmark, undefined, end, options.provider ?? 'sample');
    const at = new Map<number, number>();
    for (let i = 0; i < bench.length; i++) at.set(bench.timestamps[i], bench.close[i]);
    benchmark = Float64Array.from(series.timestamps, (t) => at.get(t) ?? Number.NaN);
  }
  const index = series.length - 1;
  const state = embedMarketState(series, index, {
    benchmark,
    normalisation: options.memory?.normalisation,
  });
  return { symbol: series.symbol, time: series.timestamps[index], state };
}
export { loadAdaptivePrior } from './adaptive-prior.js';
export { memoryPath } from './paths.js';
