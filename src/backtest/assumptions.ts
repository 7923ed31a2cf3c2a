import { type Annualisation, annualisationOf } from '../core/calendar.js';
import type { Timeframe } from '../core/timeframe.js';
import { resolveBacktestOptions } from './options.js';
import type {
  BacktestAssumptions,
  BacktestOptions,
  BacktestResult,
  ResolvedBacktestOptions,
} from './types.js';

export type { BacktestAssumptions } from './types.js';

/**
 * The assumptions of a run from its resolved options and its annualisation (measured from the timestamps or
 * a calendar's, src/core/calendar.ts); the data source as the engine knows it.
 */
export function backtestAssumptions(
  options: ResolvedBacktestOptions,
  annualisation: Pick<Annualisation, 'periodsPerYear' | 'description'>,
  timeframe: Timeframe,
  dataSource = 'series given by the caller',
): BacktestAssumptions {
  return {
    commission: options.commission.name,
    slippageBps: options.slippageBps,
    financing: describeFinancing(options),
    annualization: {
      periodsPerYear: annualisation.periodsPerYear,
      riskFreeRate: 0,
      description: annualisation.description,
    },
    fills: `market orders at the next bar's open, ${options.fractional ? 'fractional' : 'whole'} units, gross exposure at most ${options.maxLeverage}x equity${options.allowShort ? '' : ', no shorting'}`,
    dataSource: `${dataSource}, ${timeframe} bars`,
  };
}

/** The financing convention in words: the rates, what they apply to and how they accrue. */
export function describeFinancing(
  options: Pick<ResolvedBacktestOptions, 'marginInterestRate' | 'borrowFeeRate'>,
): string {
  const { marginInterestRate: margin, borrowFeeRate: borrow } = options;
  if (margin === 0 && borrow === 0)
    return 'none (no margin interest on borrowed cash, no borrow fee on shorts)';
  const rate = (x: number) => `${Number((x * 100).toFixed(4))}% a year`;
  return (
    `margin interest ${margin > 0 ? rate(margin) : 'none'} on negative cash, borrow fee ${borrow > 0 ? rate(borrow) : 'none'} ` +
    'on short market value (at the previous close), simple interest accrued between bar timestamps over calendar time (365.25-day year), paid from cash'
  );
}

/** A data provider as stated in assumptions: what the name means, and the file for `file`. */
export function describeDataSource(provider: string, path?: string): string {
  switch (provider) {
    case 'sample':
      return 'sample (real market data bundled with neural-trader, see DATA_SOURCES.md)';
    case 'file':
      return path ? `file ${path}` : 'file (imported CSV)';
    case 'synthetic':
      return 'synthetic (seeded random walk)';
    default:
      return provider;
  }
}

/**
 * The assumptions of runs made from plain options over a series (optimisation trials, walk-forward
 * windows): the same defaults and conventions a single backtest with those options states, annualised over
 * the whole series, and the data provider by name.
 */
export function assumptionsOf(
  options: BacktestOptions,
  series: { timestamps: ArrayLike<number>; timeframe: Timeframe },
  provider?: string,
): BacktestAssumptions {
  const resolved = resolveBacktestOptions(options);
  const annualisation = annualisationOf(series.timestamps, series.timeframe, {
    periodsPerYear: resolved.periodsPerYear,
    calendar: resolved.calendar,
  });
  const source = provider === undefined ? undefined : describeDataSource(provider);
  return backtestAssumptions(resolved, annualisation, series.timeframe, source);
}

/** The assumptions as a table footer: `assumptions: ...`, then `annualisation:`, `fills:` and `data:` lines. */
export function describeAssumptions(assumptions: BacktestAssumptions): string {
  return [
    `assumptions: commission ${assumptions.commission}, slippage ${assumptions.slippageBps} bps, financing ${assumptions.financing}, risk-free rate ${assumptions.annualization.riskFreeRate}`,
    `annualisation: ${assumptions.annualization.description}`,
    `fills: ${assumptions.fills}`,
    `data: ${assumptions.dataSource}`,
  ].join('\n');
}

/**
 * Warnings for a run that is legitimate but says little: no fill at all. Each names the likely cause and
 * the fix; faces print them as one `warning:` line each.
 */
export function backtestWarnings(
  result: Pick<BacktestResult, 'fills' | 'rejections' | 'closes' | 'initialCapital' | 'symbols' | 'options'>,
): string[] {
  if (result.fills.length > 0) return [];
  if (result.rejections.length > 0) {
    const byCheck = new Map<string, number>();
    for (const r of result.rejections) byCheck.set(r.check, (byCheck.get(r.check) ?? 0) + 1);
    const reasons = [...byCheck].map(([check, n]) => `${check}: ${n}`).join(', ');
    return [
      `no trades: all ${result.rejections.length} orders were refused (${reasons}); the first said: ${result.rejections[0].message}`,
    ];
  }
  if (!result.options.fractional) {
    // The cheapest traded symbol at the first bar: if even one unit of it is beyond what the account can
    // hold, no whole-unit order can ever be placed.
    let cheapest: { symbol: string; price: number } | undefined;
    for (const symbol of result.symbols) {
      const price = result.closes[symbol]?.[0];
      if (price !== undefined && Number.isFinite(price) && (!cheapest || price < cheapest.price))
        cheapest = { symbol, price };
    }
    const buyingPower = result.initialCapital * result.options.maxLeverage;
    if (cheapest && buyingPower < cheapest.price) {
      return [
        `no trades: capital ${result.initialCapital} cannot buy one whole unit of ${cheapest.symbol} (${Number(cheapest.price.toFixed(4))} at the first bar); raise the capital or allow fractional quantities`,
      ];
    }
  }
  return [
    'no trades: the strategy never placed an order in this period; check its parameters and the date range',
  ];
}
