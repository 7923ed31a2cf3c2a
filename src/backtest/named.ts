import { createStrategy } from '../strategies/registry.js';
import { Backtester, type BacktestRunOptions } from './backtester.js';
import type { BacktestResult } from './types.js';

/**
 * The old system's one-call backtest: a registered strategy by name with its parameters, over a date range.
 *
 *   await backtest('pairs', { symbols: ['KO', 'PG'], lookback: 20, entryThreshold: 2.0 }, '1995-01-01', '1995-12-31')
 */
export async function backtest(
  strategyName: string,
  params: Record<string, unknown>,
  start?: string | number | Date,
  end?: string | number | Date,
  options: BacktestRunOptions = {},
): Promise<BacktestResult> {
  const strategy = createStrategy(strategyName, params);
  return new Backtester(strategy, options).run(start, end);
}
