import type { Annualisation } from '../core/calendar.js';
import type { CurveMetrics } from './metrics.js';

/**
 * What every run over the same bars shares whatever the strategy does: the annualisation of the
 * timestamps and the buy-and-hold benchmark (its curve and its metrics). A sweep's trials run over one
 * series, so these are computed once per sweep instead of once per trial. Keyed by the identity of the
 * data (the buffers of the timestamps and closes, with the views' offsets and lengths) and the options
 * they depend on; a few recent entries are kept.
 */
export interface SharedRunFigures {
  annualisation: Annualisation;
  benchmarkEquity: Float64Array;
  benchmark: CurveMetrics;
}

const ids = new WeakMap<ArrayBufferLike, number>();
let nextId = 1;

function viewKey(view: Float64Array): string {
  let id = ids.get(view.buffer);
  if (id === undefined) {
    id = nextId++;
    ids.set(view.buffer, id);
  }
  return `${id}@${view.byteOffset}+${view.length}`;
}

const MAX_ENTRIES = 8;
const entries = new Map<string, { figures: SharedRunFigures; fingerprint: string }>();

/** 64 evenly spaced values of each column: a cached entry is not reused if its data was changed in place. */
function fingerprintOf(columns: readonly Float64Array[]): string {
  let out = '';
  for (const column of columns) {
    const n = column.length;
    const step = Math.max(1, Math.floor(n / 64));
    for (let i = 0; i < n; i += step) out += `${column[i]},`;
    out += `${column[n - 1]};`;
  }
  return out;
}

/** The key of a run's shared figures: its bars and the options they depend on. */
export function sharedFiguresKey(
  timestamps: Float64Array,
  closes: readonly Float64Array[],
  settings: string,
): string {
  return `${viewKey(timestamps)}|${closes.map(viewKey).join(',')}|${settings}`;
}

/** The figures for `key`, computed by `compute` the first time. */
export function sharedRunFigures(
  key: string,
  columns: readonly Float64Array[],
  compute: () => SharedRunFigures,
): SharedRunFigures {
  const fingerprint = fingerprintOf(columns);
  const found = entries.get(key);
  if (found && found.fingerprint === fingerprint) {
    entries.delete(key);
    entries.set(key, found);
    return found.figures;
  }
  const figures = compute();
  entries.delete(key);
  entries.set(key, { figures, fingerprint });
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  return figures;
}
