import { BarSeries } from '../core/bars.js';
import { ValidationError } from '../core/errors.js';
import { Random } from '../core/random.js';
import { type EpochMs, MS_PER_DAY, parseDate } from '../core/time.js';
import { TIMEFRAME_MS, type Timeframe } from '../core/timeframe.js';
import { requestRange, windowSeries } from './store.js';
import type { FetchBarsOptions, MarketDataProvider } from './types.js';

/**
 * Seeded synthetic markets for tests, demos and strategy research where the truth is known: a geometric
 * Brownian motion with consistent OHLCV bars, and a cointegrated pair whose log-price spread is a
 * mean-reverting AR(1) with a chosen half-life. The same seed and parameters always give the same bars.
 */
export interface GbmOptions {
  /** Annual drift (e.g. 0.07 for 7% a year). Default 0.07. */
  mu?: number;
  /** Annual volatility (e.g. 0.2). Default 0.2. */
  sigma?: number;
  /** First open. Default 100. */
  startPrice?: number;
  /** Number of bars. Default 2520 (ten years of trading days). */
  bars?: number;
  timeframe?: Timeframe;
  seed?: number;
  /** Timestamp (or date) of the first bar; default 2000-01-03. Daily bars fall on business days. */
  start?: EpochMs | string;
  symbol?: string;
  /** Mean bar volume. Default 1,000,000. */
  meanVolume?: number;
}

export interface CointegratedPairOptions extends Omit<GbmOptions, 'symbol'> {
  /** log A = beta * log B + spread. Default 1. */
  hedgeRatio?: number;
  /** Spread half-life in bars (how fast it reverts). Default 10. */
  halfLife?: number;
  /** Standard deviation of the spread's per-bar shocks (log units). Default 0.01. */
  noise?: number;
  /** First open of leg A; default startPrice. */
  startPriceA?: number;
  symbols?: [string, string];
}

const DEFAULT_START = Date.UTC(2000, 0, 3);
const TRADING_DAYS_PER_YEAR = 252;

/** Year fraction of one bar, in trading time. */
function yearsPerBar(timeframe: Timeframe): number {
  switch (timeframe) {
    case '1Month':
      return 1 / 12;
    case '1Week':
      return 1 / 52;
    case '1Day':
      return 1 / TRADING_DAYS_PER_YEAR;
    default:
      return TIMEFRAME_MS[timeframe] / MS_PER_DAY / TRADING_DAYS_PER_YEAR;
  }
}

function isWeekend(ts: number): boolean {
  const weekday = new Date(ts).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/**
 * Bar timestamps from `start`: business days for daily bars, Mondays for weekly, month starts for
 * monthly, and a continuous weekday clock for intraday bars (weekends skipped, FX style).
 */
export function syntheticTimestamps(start: EpochMs, count: number, timeframe: Timeframe): Float64Array {
  const out = new Float64Array(count);
  if (timeframe === '1Month') {
    const d = new Date(start);
    for (let i = 0; i < count; i++) out[i] = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + i, 1);
    return out;
  }
  const step = timeframe === '1Week' ? 7 * MS_PER_DAY : TIMEFRAME_MS[timeframe];
  let ts =
    timeframe === '1Day' || timeframe === '1Week' ? Math.floor(start / MS_PER_DAY) * MS_PER_DAY : start;
  if (timeframe === '1Week') {
    // Align to Monday (1970-01-01 was a Thursday).
    const day = Math.floor(ts / MS_PER_DAY);
    ts = (day - ((((day + 3) % 7) + 7) % 7)) * MS_PER_DAY;
  }
  for (let i = 0; i < count; i++) {
    while (timeframe !== '1Week' && isWeekend(ts)) ts += timeframe === '1Day' ? MS_PER_DAY : step;
    out[i] = ts;
    ts += step;
  }
  return out;
}

function checkPositive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ValidationError(
      `${name}: expected a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`,
      {
        field: name,
      },
    );
  }
  return value;
}

function checkBars(bars: number): number {
  if (!Number.isInteger(bars) || bars < 1 || bars > 50_000_000) {
    throw new ValidationError(`bars: expected a whole number from 1 to 50,000,000, got ${bars}`, {
      field: 'bars',
    });
  }
  return bars;
}

function resolveStart(start: EpochMs | string | undefined): EpochMs {
  if (start === undefined) return DEFAULT_START;
  return typeof start === 'number' ? start : parseDate(start, 'start');
}

/**
 * Fill OHLCV around a close path: each bar opens at the previous close times a small gap, the high and
 * low extend beyond the open/close by half-normal amounts scaled to the bar's volatility, and volume is
 * log-normal around `meanVolume`. Consistent by construction: low <= min(open, close) <= max <= high.
 */
function fillBars(
  series: BarSeries,
  logClose: Float64Array,
  firstOpen: number,
  barSigma: number,
  meanVolume: number,
  random: Random,
): void {
  let previousClose = firstOpen;
  for (let i = 0; i < series.length; i++) {
    const close = Math.exp(logClose[i]);
    const open = i === 0 ? firstOpen : previousClose * Math.exp(0.1 * barSigma * random.normal());
    const top = Math.max(open, close);
    const bottom = Math.min(open, close);
    series.open[i] = open;
    series.close[i] = close;
    series.high[i] = top * Math.exp(0.5 * barSigma * Math.abs(random.normal()));
    series.low[i] = bottom * Math.exp(-0.5 * barSigma * Math.abs(random.normal()));
    series.volume[i] = Math.max(1, Math.round(meanVolume * Math.exp(0.3 * random.normal() - 0.045)));
    previousClose = close;
  }
}

/** A geometric Brownian motion: log returns (mu - sigma^2/2) dt + sigma sqrt(dt) Z per bar. */
export function generateGbmSeries(options: GbmOptions = {}): BarSeries {
  const mu = options.mu ?? 0.07;
  if (!Number.isFinite(mu)) throw new ValidationError(`mu: expected a number, got ${mu}`, { field: 'mu' });
  const sigma = checkPositive('sigma', options.sigma ?? 0.2, true);
  const startPrice = checkPositive('startPrice', options.startPrice ?? 100);
  const bars = checkBars(options.bars ?? 2520);
  const timeframe = options.timeframe ?? '1Day';
  const random = new Random(options.seed ?? 42);
  const dt = yearsPerBar(timeframe);
  const drift = (mu - 0.5 * sigma * sigma) * dt;
  const barSigma = sigma * Math.sqrt(dt);
  const series = BarSeries.allocate(options.symbol ?? 'SYN', timeframe, bars);
  series.timestamps.set(syntheticTimestamps(resolveStart(options.start), bars, timeframe));
  const logClose = new Float64Array(bars);
  let level = Math.log(startPrice);
  for (let i = 0; i < bars; i++) {
    level += drift + barSigma * random.normal();
    logClose[i] = level;
  }
  fillBars(series, logClose, startPrice, barSigma, options.meanVolume ?? 1_000_000, random);
  return series;
}

/**
 * Two series that share one random-walk factor: log B follows a GBM, and
 * log A = log A0 + beta (log B - log B0) + s, where the spread s is AR(1) with coefficient
 * phi = 2^(-1/halfLife) and shock sd `noise`. A - beta B (in logs) is stationary: the pair is cointegrated.
 */
export function generateCointegratedPair(options: CointegratedPairOptions = {}): [BarSeries, BarSeries] {
  const mu = options.mu ?? 0.05;
  const sigma = checkPositive('sigma', options.sigma ?? 0.2, true);
  const startPrice = checkPositive('startPrice', options.startPrice ?? 100);
  const startPriceA = checkPositive('startPriceA', options.startPriceA ?? startPrice);
  const hedgeRatio = options.hedgeRatio ?? 1;
  if (!Number.isFinite(hedgeRatio)) {
    throw new ValidationError(`hedgeRatio: expected a number, got ${hedgeRatio}`, { field: 'hedgeRatio' });
  }
  const halfLife = checkPositive('halfLife', options.halfLife ?? 10);
  const noise = checkPositive('noise', options.noise ?? 0.01, true);
  const bars = checkBars(options.bars ?? 2520);
  const timeframe = options.timeframe ?? '1Day';
  const [symbolA, symbolB] = options.symbols ?? ['PAIR_A', 'PAIR_B'];
  const random = new Random(options.seed ?? 42);
  const dt = yearsPerBar(timeframe);
  const drift = (mu - 0.5 * sigma * sigma) * dt;
  const barSigma = sigma * Math.sqrt(dt);
  const phi = 2 ** (-1 / halfLife);
  const timestamps = syntheticTimestamps(resolveStart(options.start), bars, timeframe);
  const a = BarSeries.allocate(symbolA, timeframe, bars);
  const b = BarSeries.allocate(symbolB, timeframe, bars);
  a.timestamps.set(timestamps);
  b.timestamps.set(timestamps);
  const logA = new Float64Array(bars);
  const logB = new Float64Array(bars);
  const logA0 = Math.log(startPriceA);
  const logB0 = Math.log(startPrice);
  let factor = logB0;
  let spread = 0;
  for (let i = 0; i < bars; i++) {
    factor += drift + barSigma * random.normal();
    spread = phi * spread + noise * random.normal();
    logB[i] = factor;
    logA[i] = logA0 + hedgeRatio * (factor - logB0) + spread;
  }
  const legSigma = Math.max(barSigma, noise);
  fillBars(a, logA, startPriceA, legSigma, options.meanVolume ?? 1_000_000, random);
  fillBars(b, logB, startPrice, barSigma, options.meanVolume ?? 1_000_000, random);
  return [a, b];
}

export interface SyntheticProviderOptions extends CointegratedPairOptions {}

/** FNV-1a hash of a symbol, mixed into the seed so every ticker gets its own path. */
function symbolSeed(seed: number, symbol: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) {
    hash ^= symbol.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash ^ seed) >>> 0;
}

/**
 * Synthetic bars by symbol: `SYN` is a GBM from the seed, `PAIR_A`/`PAIR_B` the two legs of a
 * cointegrated pair, and any other ticker a GBM whose seed mixes in the ticker (so `FOO` and `BAR`
 * differ but each is reproducible). Series start at `start` (default: the request's start, else
 * 2000-01-03) and run to the request's end, or for `bars` bars.
 */
export class SyntheticProvider implements MarketDataProvider {
  readonly name = 'synthetic';
  private readonly options: SyntheticProviderOptions;

  constructor(options: SyntheticProviderOptions = {}) {
    this.options = options;
  }

  async fetchBars(symbol: string, request: FetchBarsOptions = {}): Promise<BarSeries> {
    return windowSeries(
      this.generate(symbol, request),
      { start: request.start, end: request.end },
      'synthetic',
    );
  }

  /** The generated series behind a request (before trimming to [start, end]). */
  generate(symbol: string, request: FetchBarsOptions = {}): BarSeries {
    const key = symbol.trim().toUpperCase();
    const timeframe = request.timeframe ?? this.options.timeframe ?? '1Day';
    const range = requestRange(request);
    const start =
      this.options.start !== undefined
        ? resolveStart(this.options.start)
        : Number.isFinite(range.start)
          ? range.start
          : DEFAULT_START;
    let bars = this.options.bars ?? 2520;
    if (Number.isFinite(range.end) && this.options.bars === undefined) {
      // Enough bars to reach the requested end (calendar span is an upper bound on bar count).
      const span = Math.max(0, range.end - start);
      const perBar =
        timeframe === '1Month'
          ? 28 * MS_PER_DAY
          : timeframe === '1Week'
            ? 7 * MS_PER_DAY
            : TIMEFRAME_MS[timeframe];
      bars = Math.max(1, Math.floor(span / perBar) + 1);
      const timestamps = syntheticTimestamps(start, bars, timeframe);
      let count = timestamps.length;
      while (count > 1 && timestamps[count - 1] > range.end) count--;
      bars = count;
    }
    const seed = this.options.seed ?? 42;
    const common = { ...this.options, timeframe, start, bars };
    if (key === 'PAIR_A' || key === 'PAIR_B') {
      const [a, b] = generateCointegratedPair({ ...common, seed });
      return key === 'PAIR_A' ? a : b;
    }
    return generateGbmSeries({
      ...common,
      symbol: key,
      mu: this.options.mu,
      seed: key === 'SYN' ? seed : symbolSeed(seed, key),
    });
  }
}
