import type { BarSeries } from '../core/bars.js';
import { DataError, ValidationError } from '../core/errors.js';
import type { PreTradeCheck } from '../core/orders.js';
import { formatTimestamp, parseDateRange } from '../core/time.js';
import type { Timeframe } from '../core/timeframe.js';
import { fetchMarketData, type ProviderOptions } from '../data/registry.js';
import { checkRequiredColumns } from '../strategies/columns.js';
import type { Strategy } from '../strategies/types.js';
import { describeDataSource } from './assumptions.js';
import { runBacktest } from './engine.js';
import type { CommissionModel } from './fill-models.js';
import { getBacktestPreset } from './presets.js';
import type { BacktestOptions, BacktestResult, EquityObserver } from './types.js';

/** Options of `backtest()` and the Backtester: the engine's rules plus where data comes from. */
export interface BacktestRunOptions extends BacktestOptions {
  /** Starting cash (alias of initialCapital, the old system's name). */
  capital?: number;
  /** Data provider for strategy symbols when no data is set: sample (default), file, synthetic, alpaca, polygon. */
  provider?: string;
  /** Bar timeframe to fetch (default 1Day). */
  timeframe?: Timeframe;
  /** A named preset ("peer-parity" / "peerParity") applied first; explicit options override it. */
  preset?: string;
  /** Options for the data provider, e.g. `{ path: 'prices.csv' }` for provider 'file' or `{ seed: 7 }` for synthetic. */
  providerOptions?: ProviderOptions;
}

/** Merge a preset (if named) under explicit options and map `capital` to `initialCapital`. */
export function resolveRunOptions(options: BacktestRunOptions = {}): BacktestOptions {
  const {
    preset,
    capital,
    provider: _provider,
    timeframe: _timeframe,
    providerOptions: _providerOptions,
    ...rest
  } = options;
  const base = preset ? getBacktestPreset(preset) : {};
  const merged: BacktestOptions = { ...base };
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  if (capital !== undefined) merged.initialCapital = capital;
  return merged;
}

/**
 * The library's fluent entry point:
 *
 *   const result = await new Backtester(strategy).setInitialCapital(100_000).setCommission(0.001).run('1995-01-01', '1995-12-31');
 *
 * Without setData() it fetches the strategy's symbols from the data layer (the bundled sample data by
 * default); with setData() it runs on the given series, cut to [start, end] when those are passed.
 */
export class Backtester {
  readonly strategy: Strategy;
  private options: BacktestRunOptions;
  private data: BarSeries[] = [];
  private readonly checks: PreTradeCheck[] = [];
  private readonly observers: EquityObserver[] = [];

  constructor(strategy: Strategy, options: BacktestRunOptions = {}) {
    this.strategy = strategy;
    this.options = { ...options };
  }

  setInitialCapital(capital: number): this {
    this.options.initialCapital = capital;
    this.options.capital = undefined;
    return this;
  }
  /** A rate (0.001 = 0.1% of notional) or a CommissionModel. */
  setCommission(commission: number | CommissionModel): this {
    this.options.commission = commission;
    return this;
  }
  setSlippage(bps: number): this {
    this.options.slippageBps = bps;
    return this;
  }
  setFractional(fractional = true): this {
    this.options.fractional = fractional;
    return this;
  }
  setAllowShort(allowShort = true): this {
    this.options.allowShort = allowShort;
    return this;
  }
  setProvider(provider: string): this {
    this.options.provider = provider;
    return this;
  }
  usePreset(preset: string): this {
    getBacktestPreset(preset);
    this.options.preset = preset;
    return this;
  }
  /** Any other engine option (maxLeverage, sizeAtFill, defaultTimeInForce, closeAtEnd, periodsPerYear, calendar). */
  setOptions(options: BacktestRunOptions): this {
    this.options = { ...this.options, ...options };
    return this;
  }
  addPreTradeCheck(check: PreTradeCheck): this {
    this.checks.push(check);
    return this;
  }
  addEquityObserver(observer: EquityObserver): this {
    this.observers.push(observer);
    return this;
  }
  /** Run on these series instead of fetching (one per strategy symbol; extra series may be read). */
  setData(...series: BarSeries[]): this {
    this.data = series;
    return this;
  }

  async run(start?: string | number | Date, end?: string | number | Date): Promise<BacktestResult> {
    const series = this.data.length > 0 ? this.cutData(start, end) : await this.fetchData(start, end);
    const options = resolveRunOptions(this.options);
    options.preTradeChecks = [...(options.preTradeChecks ?? []), ...this.checks];
    options.equityObservers = [...(options.equityObservers ?? []), ...this.observers];
    // Before prepare(): a missing column is known now, before a model is loaded or trained.
    checkRequiredColumns(this.strategy, series);
    const prepareStarted = performance.now();
    await this.strategy.prepare?.(series);
    const prepareMs = performance.now() - prepareStarted;
    const result = runBacktest(this.strategy, series, options);
    if (this.strategy.prepare) result.prepareMs = prepareMs;
    if (this.data.length === 0) {
      const source = describeDataSource(
        this.options.provider ?? 'sample',
        this.options.providerOptions?.path,
      );
      result.assumptions.dataSource = `${source}, ${result.timeframe} bars`;
    }
    return result;
  }

  private cutData(
    start: string | number | Date | undefined,
    end: string | number | Date | undefined,
  ): BarSeries[] {
    if (start === undefined && end === undefined) return this.data;
    const range = parseDateRange(start, end);
    return this.data.map((s) => {
      const window = s.between(range.start, range.end);
      if (window.length === 0) {
        const available =
          s.length > 0
            ? `${formatTimestamp(s.firstTimestamp)} to ${formatTimestamp(s.lastTimestamp)}`
            : 'none';
        throw new DataError(
          `no bars for ${s.symbol} between ${String(start)} and ${String(end)}; available: ${available}`,
          {
            field: 'start',
            hint: 'choose dates inside the available range',
          },
        );
      }
      return window;
    });
  }

  private async fetchData(
    start: string | number | Date | undefined,
    end: string | number | Date | undefined,
  ): Promise<BarSeries[]> {
    if (this.strategy.symbols.length === 0) {
      throw new ValidationError(`strategy ${this.strategy.name} has no symbols to fetch`, {
        field: 'symbols',
        hint: 'pass symbols in the strategy parameters or give data with setData()',
      });
    }
    const provider = this.options.provider ?? 'sample';
    const timeframe = this.options.timeframe;
    return Promise.all(
      this.strategy.symbols.map((symbol) =>
        fetchMarketData(symbol, start, end, provider, {
          ...this.options.providerOptions,
          ...(timeframe ? { timeframe } : {}),
        }),
      ),
    );
  }
}
