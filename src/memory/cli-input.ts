import { readFileSync } from 'node:fs';
import { NeuralTraderError, ValidationError } from '../core/errors.js';
import type { MemoryExport } from './store.js';

/** A state vector typed as JSON text (`[0.1, -0.3, ...]`). */
export function parseStateJson(text: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('state: not JSON; expected a list of 32 numbers like [0.1, -0.3, ...]', {
      field: 'state',
    });
  }
  if (!Array.isArray(value) || !value.every((x) => typeof x === 'number')) {
    throw new ValidationError('state: expected a JSON list of numbers', { field: 'state' });
  }
  return value as number[];
}

/** Read a `memory export` file (its contents are checked by importAll before anything is written). */
export function readExport(file: string): MemoryExport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NeuralTraderError('IO', `cannot read ${file}: ${(error as Error).message}`, {
      field: file,
      cause: error,
    });
  }
  try {
    const doc = JSON.parse(text) as MemoryExport;
    if (!doc || typeof doc !== 'object' || !Array.isArray(doc.episodes) || !Array.isArray(doc.skills)) {
      throw new Error('no episodes/skills lists');
    }
    return doc;
  } catch (error) {
    throw new ValidationError(`${file} is not a memory export (${(error as Error).message})`, {
      field: file,
      hint: 'create one with `npx neural-trader memory export FILE`',
    });
  }
}

/** `backtest --memory [db]`: store the run's episodes; reports on stderr, returns warnings. */
export async function recordRunInMemory(
  result: import('../backtest/types.js').BacktestResult,
  db: boolean | string,
  home: string,
  data: { provider?: string; providerOptions?: Record<string, unknown> } = {},
): Promise<string[]> {
  const { MemoryStore, defaultMemoryPath } = await import('./store.js');
  const { recordBacktestEpisodes } = await import('./record.js');
  const { fetchMarketData } = await import('../data/registry.js');
  // The run's bars with the history before it (same provider), so states use highs, lows and volume
  // exactly as a `memory search --symbol` query does.
  const bars = await fetchMarketData(result.symbols[0], undefined, result.end, data.provider ?? 'sample', {
    timeframe: result.timeframe,
    ...(data.providerOptions ?? {}),
  });
  const store = MemoryStore.open({ path: typeof db === 'string' ? db : defaultMemoryPath(home) });
  try {
    const recorded = recordBacktestEpisodes(result, store, bars);
    process.stderr.write(
      `memory: ${recorded.stored} new episodes (${recorded.episodes.length} in this run) in ${store.path}\n`,
    );
    return recorded.warnings;
  } finally {
    store.close();
  }
}
