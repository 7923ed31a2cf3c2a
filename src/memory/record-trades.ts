import { fetchMarketData } from '../data/registry.js';
import { Journal } from '../execution/journal.js';
import { EMBEDDING_DIMENSION, EMBEDDING_WARMUP, normaliseState, rawStateFeatures } from './embedding.js';
import { defaultMemoryPath, MemoryStore } from './store.js';
import type { EpisodeInput } from './types.js';

/**
 * `trade --memory`: every fill of the traded account becomes a `trade` episode (idempotent by fill id,
 * so re-running on an account records each fill once), with the market state of the bar before the
 * fill's price bar. A fill that reduces a position carries its outcome: the realised P&L against the
 * average cost (commissions included) and the return on the closed cost, known at the fill's time.
 * States come from the bundled sample data that paper replays trade on; fills of symbols or times the
 * samples do not cover are skipped with a warning (an episode needs a state).
 */
export async function recordTradeRunInMemory(
  home: string,
  account: string,
  db: boolean | string,
  strategy?: string,
): Promise<string[]> {
  const journal = Journal.open(home, { account });
  let fills: ReturnType<Journal['listFills']>;
  try {
    fills = journal.listFills();
  } finally {
    journal.close();
  }
  fills.sort((a, b) => a.timestamp - b.timestamp);
  const warnings: string[] = [];
  const inputs: EpisodeInput[] = [];
  const position = new Map<string, { qty: number; cost: number }>();
  const states = new Map<
    string,
    { index: Map<number, number>; raw: Float64Array; times: Float64Array } | null
  >();
  const store = MemoryStore.open({ path: typeof db === 'string' ? db : defaultMemoryPath(home) });
  try {
    let skipped = 0;
    for (const fill of fills) {
      const p = position.get(fill.symbol) ?? { qty: 0, cost: 0 };
      const signed = fill.side === 'buy' ? fill.quantity : -fill.quantity;
      let outcome: EpisodeInput['outcome'];
      if (p.qty !== 0 && Math.sign(signed) !== Math.sign(p.qty)) {
        const closed = Math.min(Math.abs(signed), Math.abs(p.qty));
        const average = p.cost / Math.abs(p.qty);
        const pnl = (fill.price - average) * closed * Math.sign(p.qty) - fill.commission;
        outcome = { reward: pnl / (average * closed), pnl, knownAt: fill.timestamp };
        p.cost -= average * closed;
        p.qty += Math.sign(signed) * closed;
        const rest = Math.abs(signed) - closed;
        if (rest > 0) {
          p.qty = Math.sign(signed) * rest;
          p.cost = rest * fill.price;
        }
      } else {
        p.qty += signed;
        p.cost += fill.quantity * fill.price + fill.commission;
      }
      position.set(fill.symbol, p);
      if (!states.has(fill.symbol)) {
        try {
          const bars = await fetchMarketData(fill.symbol, undefined, undefined, 'sample');
          const index = new Map<number, number>();
          for (let i = 0; i < bars.length; i++) index.set(bars.timestamps[i], i);
          states.set(fill.symbol, { index, raw: rawStateFeatures(bars), times: bars.timestamps });
        } catch {
          states.set(fill.symbol, null);
        }
      }
      const s = states.get(fill.symbol);
      const bar = s?.index.get(fill.priceTime ?? fill.timestamp);
      const decision = bar === undefined ? undefined : bar - 1;
      if (!s || decision === undefined || decision < EMBEDDING_WARMUP - 1) {
        skipped++;
        continue;
      }
      inputs.push({
        kind: 'trade',
        key: `trade:${account}:${fill.fillId}`,
        time: s.times[decision],
        action: fill.side,
        symbol: fill.symbol,
        strategy,
        state: normaliseState(
          s.raw.subarray(decision * EMBEDDING_DIMENSION, (decision + 1) * EMBEDDING_DIMENSION),
          store.normalisation,
        ),
        outcome,
      });
    }
    if (skipped > 0) {
      warnings.push(
        `memory: ${skipped} fills had no market state in the bundled data (unknown symbol or under ${EMBEDDING_WARMUP} bars of history) and were not recorded`,
      );
    }
    const before = store.count();
    if (inputs.length > 0) store.storeEpisodes(inputs);
    process.stderr.write(
      `memory: ${store.count() - before} new trade episodes (${inputs.length} fills) in ${store.path}\n`,
    );
    return warnings;
  } finally {
    store.close();
  }
}
