import { createHash } from 'node:crypto';
import type { BacktestResult } from '../backtest/types.js';
import { EMBEDDING_DIMENSION, EMBEDDING_WARMUP, normaliseState, rawStateFeatures } from './embedding.js';
import type { MemoryStore } from './store.js';
import type { EpisodeInput } from './types.js';

/**
 * Episodes of a finished backtest (what `backtest --memory` stores): one `backtest` episode for the run
 * and one `trade` episode per closed round trip, each with the market state of the bar the decision
 * was made on (the bar before the entry fill), computed from the run's closes. The run's episode is
 * stated at the first bar with a complete state (bar 120) and its outcome is the return from there to
 * the end. Keys make a repeated run idempotent (same strategy, parameters, symbols and bars: nothing
 * new is written). Runs too short for a state (fewer than 121 bars) record nothing and say so.
 */
export function recordBacktestEpisodes(
  result: BacktestResult,
  memory: MemoryStore,
): { stored: number; episodes: number[]; warnings: string[] } {
  const symbol = result.symbols[0];
  const closes = result.closes[symbol];
  const n = result.timestamps.length;
  if (!closes || n < EMBEDDING_WARMUP) {
    return {
      stored: 0,
      episodes: [],
      warnings: [
        `memory: nothing recorded: a market state needs ${EMBEDDING_WARMUP} bars and the run has ${n}`,
      ],
    };
  }
  const raw = rawStateFeatures({ close: closes, closeOnly: true });
  const stateAt = (i: number) =>
    normaliseState(
      raw.subarray(i * EMBEDDING_DIMENSION, (i + 1) * EMBEDDING_DIMENSION),
      memory.normalisation,
    );
  const runKey = createHash('sha256')
    .update(
      JSON.stringify([
        result.strategy,
        result.params,
        result.symbols,
        result.timeframe,
        result.start,
        result.end,
        result.options,
      ]),
    )
    .digest('hex')
    .slice(0, 24);
  const first = EMBEDDING_WARMUP - 1;
  const inputs: EpisodeInput[] = [
    {
      kind: 'backtest',
      key: `backtest:${runKey}`,
      time: result.timestamps[first],
      action: 'run',
      symbol,
      strategy: result.strategy,
      params: result.params,
      state: stateAt(first),
      outcome: {
        reward: result.equity[n - 1] / result.equity[first] - 1,
        pnl: result.equity[n - 1] - result.equity[first],
        horizonBars: n - 1 - first,
        knownAt: result.timestamps[n - 1],
      },
    },
  ];
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) index.set(result.timestamps[i], i);
  result.trades.forEach((trade, t) => {
    if (trade.symbol !== symbol) return;
    const entry = index.get(trade.entryTime);
    if (entry === undefined) return;
    const decision = Math.max(0, entry - 1);
    if (decision < first) return;
    inputs.push({
      kind: 'trade',
      key: `backtest:${runKey}:trade:${t}`,
      time: result.timestamps[decision],
      action: trade.direction === 'long' ? 'buy' : 'sell',
      symbol,
      strategy: result.strategy,
      params: result.params,
      state: stateAt(decision),
      outcome: {
        reward: trade.returnFraction,
        pnl: trade.pnl,
        horizonBars: trade.barsHeld,
        knownAt: trade.exitTime,
      },
    });
  });
  const before = memory.count();
  const episodes = memory.storeEpisodes(inputs);
  return { stored: memory.count() - before, episodes: episodes.map((e) => e.id), warnings: [] };
}
