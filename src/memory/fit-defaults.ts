import { loadSampleSeries } from '../data/sample.js';
import { alignedCloses } from './align.js';
import { fitNormalisation, type Normalisation, rawStateFeatures } from './embedding.js';

/** Where the default normalisation is fitted: bundled real data only. */
export const DEFAULT_NORMALISATION_SOURCE =
  'bundled samples: SPX daily OHLCV 2000-2020 (features 0-29); Dow 30 stocks 1991-2000 against DJIA (features 30-31)';

/**
 * Re-derive the default normalisation from the bundled samples (what scripts/memory-normalisation.mjs
 * writes to normalisation-defaults.ts; a test checks the committed constants equal this).
 */
export function fitDefaultNormalisation(): Normalisation {
  const spx = loadSampleSeries('SPX');
  const base = fitNormalisation([rawStateFeatures(spx)], DEFAULT_NORMALISATION_SOURCE);
  const djia = loadSampleSeries('DJIA');
  const rows: Float64Array[] = [];
  for (const ticker of ['AA', 'AXP', 'BA', 'CAT', 'GE', 'IBM', 'JNJ', 'KO', 'MRK', 'PG', 'WMT', 'XOM']) {
    const stock = loadSampleSeries(`DJ30:${ticker}`);
    const { closes, benchmark } = alignedCloses(stock, djia);
    rows.push(rawStateFeatures({ close: closes, closeOnly: true }, benchmark));
  }
  const bench = fitNormalisation(rows, DEFAULT_NORMALISATION_SOURCE);
  return {
    version: base.version,
    source: DEFAULT_NORMALISATION_SOURCE,
    mean: [...base.mean.slice(0, 30), ...bench.mean.slice(30)],
    std: [...base.std.slice(0, 30), ...bench.std.slice(30)],
  };
}
