import { ValidationError } from '../core/errors.js';
import type { BacktestOptions } from './types.js';

/**
 * Named bundles of backtest conventions.
 *
 * peerParity reproduces the conventions under which backtrader, vectorbt and backtesting.py produce
 * identical fill logs (see test/backtest/golden/README.txt): market orders fill at the next bar's open
 * with no slippage; target orders are sized at the fill, so an all-in buy (orderTargetPercent(symbol, 1))
 * gets floor((cash / 1.001) / open) whole units and a sell (orderTargetQuantity(symbol, 0)) sells the
 * whole position; commission 0.001 x notional on every fill; start cash 100,000; an open position is not
 * closed at the end (final equity = cash + units x last close); no financing (no margin interest, no
 * borrow fee), as the peers charge none.
 */
export const presets = {
  peerParity: {
    initialCapital: 100_000,
    commission: 0.001,
    slippageBps: 0,
    fractional: false,
    allowShort: false,
    maxLeverage: 1,
    sizeAtFill: true,
    closeAtEnd: false,
    marginInterestRate: 0,
    borrowFeeRate: 0,
  },
} as const satisfies Record<string, BacktestOptions>;

export type BacktestPresetName = keyof typeof presets;

/** Preset names as the CLI spells them (kebab-case) mapped to the preset keys. */
const CLI_NAMES: Record<string, BacktestPresetName> = {
  'peer-parity': 'peerParity',
  peerParity: 'peerParity',
};

/** Look up a preset by its library (peerParity) or CLI (peer-parity) name. */
export function getBacktestPreset(name: string): BacktestOptions {
  const key = CLI_NAMES[name];
  if (!key) {
    throw new ValidationError(`unknown backtest preset "${name}"`, {
      field: 'preset',
      hint: 'valid presets: peer-parity',
    });
  }
  return { ...presets[key] };
}
