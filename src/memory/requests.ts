import { ValidationError } from '../core/errors.js';
import { parseDateBound } from '../core/time.js';
import { marketStateAt } from './market-state.js';
import type { MemoryStore } from './store.js';
import type {
  Episode,
  EpisodeFilter,
  EpisodeInput,
  EpisodeKind,
  SearchMethod,
  SimilarResult,
} from './types.js';

/**
 * What the CLI and the MCP tools share: where a query's state vector comes from (given numbers, a
 * symbol's market state at a date, or a stored episode's state) and the filters as people type them.
 * Both faces call these, so the same request gives the same answer on each.
 */
export interface StateSource {
  /** The vector itself (32 numbers). */
  state?: number[];
  /** The market state of this symbol at `date` (default: its latest bar). */
  symbol?: string;
  date?: string;
  /** Benchmark symbol for the correlation features. */
  benchmark?: string;
  provider?: string;
  /** A stored episode's state. */
  episodeId?: number;
}

export interface ResolvedState {
  state: Float32Array;
  /** Where it came from, e.g. "SPX at 2008-10-10", "episode 12", "given". */
  source: string;
  /** The bar time of a symbol's state. */
  time?: number;
}

export async function resolveState(source: StateSource, store: MemoryStore): Promise<ResolvedState> {
  const given = [source.state !== undefined, source.symbol !== undefined, source.episodeId !== undefined];
  if (given.filter(Boolean).length !== 1) {
    throw new ValidationError(
      'state: give exactly one of a state vector, a symbol (with a date), or an episode id',
      {
        field: 'state',
        hint: 'e.g. --symbol SPX --date 2008-10-10, or --episode 12',
      },
    );
  }
  if (source.state !== undefined) return { state: Float32Array.from(source.state), source: 'given' };
  if (source.episodeId !== undefined) {
    return { state: store.getEpisodeState(source.episodeId), source: `episode ${source.episodeId}` };
  }
  const found = await marketStateAt(source.symbol as string, source.date, {
    provider: source.provider,
    benchmark: source.benchmark,
    memory: store,
  });
  return { state: found.state, source: `${found.symbol} market state`, time: found.time };
}

export interface FilterText {
  symbol?: string;
  strategy?: string;
  kind?: string;
  from?: string;
  to?: string;
  outcome?: string;
}

const KINDS = ['backtest', 'trade', 'bet', 'decision'];
const OUTCOMES = ['positive', 'negative', 'known'];

/** Filters as typed (dates as YYYY, YYYY-MM, YYYY-MM-DD ...), checked and parsed. */
export function parseFilter(text: FilterText): EpisodeFilter {
  const filter: EpisodeFilter = {};
  if (text.symbol) filter.symbol = text.symbol.trim().toUpperCase();
  if (text.strategy) filter.strategy = text.strategy.trim();
  if (text.kind !== undefined) {
    if (!KINDS.includes(text.kind)) {
      throw new ValidationError(`kind: ${text.kind} must be one of ${KINDS.join(', ')}`, { field: 'kind' });
    }
    filter.kind = text.kind as EpisodeKind;
  }
  if (text.outcome !== undefined) {
    if (!OUTCOMES.includes(text.outcome)) {
      throw new ValidationError(`outcome: ${text.outcome} must be one of ${OUTCOMES.join(', ')}`, {
        field: 'outcome',
      });
    }
    filter.outcome = text.outcome as EpisodeFilter['outcome'];
  }
  if (text.from !== undefined) filter.from = parseDateBound(text.from, 'start', 'from');
  if (text.to !== undefined) filter.to = parseDateBound(text.to, 'end', 'to');
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
    throw new ValidationError('from: the range starts after it ends', { field: 'from' });
  }
  return filter;
}

export interface RecallRequest extends StateSource {
  filter?: FilterText;
  k?: number;
  method?: SearchMethod;
}

export async function recallSimilar(
  store: MemoryStore,
  request: RecallRequest,
): Promise<SimilarResult & { query: { source: string; time?: number } }> {
  const filter = parseFilter(request.filter ?? {});
  const resolved = await resolveState(request, store);
  const result = store.retrieveSimilar(resolved.state, { k: request.k, method: request.method, filter });
  return { query: { source: resolved.source, time: resolved.time }, ...result };
}

/** Store an episode whose state may be given as numbers or as a symbol's market state at a date. */
export async function storeEpisodeRequest(
  store: MemoryStore,
  request: Omit<EpisodeInput, 'state' | 'time'> & {
    state?: number[];
    date?: string;
    time?: string;
    provider?: string;
  },
): Promise<Episode> {
  const { state, date, time, provider, ...rest } = request;
  const resolved = await resolveState(
    state !== undefined ? { state } : { symbol: rest.symbol, date, provider },
    store,
  );
  const at = time !== undefined ? parseDateBound(time, 'start', 'time') : resolved.time;
  if (at === undefined) {
    throw new ValidationError('time: when was this state observed? give a time (or a symbol and date)', {
      field: 'time',
    });
  }
  return store.storeEpisode({ ...rest, state: resolved.state, time: at });
}
