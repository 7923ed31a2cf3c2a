import { createHash } from 'node:crypto';
import type { BacktestResult } from '../backtest/types.js';
import type { BarSeries } from '../core/bars.js';
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
  bars?: BarSeries,
): { stored: number; episodes: number[]; warnings: string[] } {
  const symbol = result.symbols[0];
  const closes = result.closes[symbol];
  const n = result.timestamps.length;
  if (bars) return recordWithBars(result, memory, bars);
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
  const runKey = runKeyOf(result);
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
    inputs.push(tradeEpisode(result, runKey, t, result.timestamps[decision], stateAt(decision)));
  });
  const before = memory.count();
  const episodes = memory.storeEpisodes(inputs);
  return { stored: memory.count() - before, episodes: episodes.map((e) => e.id), warnings: [] };
}

/** The episode of the run's trade number `t`, stated at its decision bar (the bar before its entry). */
function tradeEpisode(
  result: BacktestResult,
  runKey: string,
  t: number,
  time: number,
  state: Float32Array,
): EpisodeInput {
  const trade = result.trades[t];
  return {
    kind: 'trade',
    key: `backtest:${runKey}:trade:${t}`,
    time,
    action: trade.direction === 'long' ? 'buy' : 'sell',
    symbol: trade.symbol,
    strategy: result.strategy,
    params: result.params,
    state,
    outcome: {
      reward: trade.returnFraction,
      pnl: trade.pnl,
      horizonBars: trade.barsHeld,
      knownAt: trade.exitTime,
    },
  };
}

function runKeyOf(result: BacktestResult): string {
  return createHash('sha256')
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
}

/**
 * The same episodes with states from the full bars (history before the run included, highs, lows and
 * volume used): the run's episode is stated at its first bar, each trade at the bar before its entry.
 */
function recordWithBars(
  result: BacktestResult,
  memory: MemoryStore,
  bars: BarSeries,
): { stored: number; episodes: number[]; warnings: string[] } {
  const symbol = result.symbols[0];
  const raw = rawStateFeatures(bars);
  const index = new Map<number, number>();
  for (let i = 0; i < bars.length; i++) index.set(bars.timestamps[i], i);
  const stateAt = (time: number) => {
    const i = index.get(time);
    if (i === undefined || i < EMBEDDING_WARMUP - 1) return undefined;
    return normaliseState(
      raw.subarray(i * EMBEDDING_DIMENSION, (i + 1) * EMBEDDING_DIMENSION),
      memory.normalisation,
    );
  };
  const runKey = runKeyOf(result);
  const n = result.timestamps.length;
  const inputs: EpisodeInput[] = [];
  const warnings: string[] = [];
  const first = result.timestamps[0];
  const runState = stateAt(first);
  if (runState) {
    inputs.push({
      kind: 'backtest',
      key: `backtest:${runKey}`,
      time: first,
      action: 'run',
      symbol,
      strategy: result.strategy,
      params: result.params,
      state: runState,
      outcome: {
        reward: result.equity[n - 1] / result.equity[0] - 1,
        pnl: result.equity[n - 1] - result.equity[0],
        horizonBars: n - 1,
        knownAt: result.timestamps[n - 1],
      },
    });
  } else
    warnings.push(
      `memory: the run's start has fewer than ${EMBEDDING_WARMUP} bars of history; its own episode was not recorded`,
    );
  let skipped = 0;
  result.trades.forEach((trade, t) => {
    if (trade.symbol !== symbol) return;
    const entry = index.get(trade.entryTime);
    const decision = entry === undefined || entry < 1 ? undefined : bars.timestamps[entry - 1];
    const state = decision === undefined ? undefined : stateAt(decision);
    if (!state || decision === undefined) {
      skipped++;
      return;
    }
    inputs.push(tradeEpisode(result, runKey, t, decision, state));
  });
  if (skipped > 0)
    warnings.push(
      `memory: ${skipped} trades entered before ${EMBEDDING_WARMUP} bars of history were not recorded`,
    );
  const before = memory.count();
  const episodes = inputs.length ? memory.storeEpisodes(inputs) : [];
  return { stored: memory.count() - before, episodes: episodes.map((e) => e.id), warnings };
}
