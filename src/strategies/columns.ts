import type { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import type { ColumnRequirement, Strategy } from './types.js';

/**
 * Columns a strategy declares it needs (`Strategy.requiredColumns`), checked against the data before a
 * run: close-only data (index levels, FX closes, the Dow 30 file) has no real open/high/low and no
 * volume, and a strategy reading them would run on placeholders and, for a volume filter, never trade.
 * The decision (documented in the README): such a run FAILS FAST with one line naming the strategy, the
 * column, the symbol and what to change; it never quietly prints 0 fills.
 */

/** Whether a series has real values for a column (close always; volume only if some bar traded). */
export function seriesHasColumn(series: BarSeries, column: ColumnRequirement['column']): boolean {
  if (series.closeOnly) return false;
  if (column !== 'volume') return true;
  const volume = series.volume;
  for (let i = 0; i < volume.length; i++) if (volume[i] > 0) return true;
  return false;
}

/** Throw a ValidationError if a series the strategy trades lacks a column the strategy needs. */
export function checkRequiredColumns(strategy: Strategy, series: readonly BarSeries[]): void {
  const required = strategy.requiredColumns ?? [];
  if (required.length === 0) return;
  const traded = series.filter((s) => strategy.symbols.includes(s.symbol));
  for (const requirement of required) {
    const lacking = (traded.length > 0 ? traded : series).filter(
      (s) => !seriesHasColumn(s, requirement.column),
    );
    if (lacking.length === 0) continue;
    const names = lacking.map((s) => s.symbol).join(', ');
    const why = lacking.every((s) => s.closeOnly)
      ? 'close-only data'
      : `no bar with ${requirement.column} > 0`;
    throw new ValidationError(
      `${strategy.name} needs ${requirement.column} ${requirement.because}, but ${names} ${lacking.length > 1 ? 'have' : 'has'} none (${why})`,
      {
        field: requirement.column,
        hint: `${requirement.withoutIt}, or use bars with ${requirement.column} (e.g. the sample AAPL, MSFT or SPX)`,
      },
    );
  }
}
