import { ValidationError } from '../core/errors.js';
import { Adx, Atr } from '../indicators/directional.js';
import { RollingMax, RollingMin } from '../indicators/extremes.js';
import { Macd } from '../indicators/macd.js';
import { Sma } from '../indicators/moving-averages.js';
import { Rsi } from '../indicators/rsi.js';
import { BollingerBands, RollingStd, ZScore } from '../indicators/statistics.js';
import { Stochastic } from '../indicators/stochastic.js';
import { DEFAULT_NORMALISATION } from './normalisation-defaults.js';
import type { Normalisation } from './types.js';

export type { Normalisation } from './types.js';

/**
 * Market-state embeddings: a fixed, documented vector of 32 features describing the market at one bar,
 * computed only from that bar and the ones before it, with the project's streaming indicators. No model
 * and no download: the same bars give the same bytes in every run and every process (plain IEEE-754
 * arithmetic in a fixed order, then a cast to float32).
 *
 * Raw features are scale-free by construction (log returns, ratios, oscillators re-centred on 0); a
 * feature that cannot be computed for the data (ADX without real highs and lows, volume features
 * without volume, benchmark features without a benchmark) is NaN. The stored vector is the z-score of
 * each raw feature under a normalisation (mean and standard deviation per feature, kept in the memory
 * database alongside the vectors), clipped to [-8, 8]; an unavailable feature is 0 (its mean).
 */
export const EMBEDDING_DIMENSION = 32;
/** Bars of history before the first complete state (the longest window, 120 bars, plus one return). */
export const EMBEDDING_WARMUP = 121;
/** Version of the feature definitions; stored with every database so vectors of other versions are refused. */
export const EMBEDDING_VERSION = 'market-state-v1';
const CLIP = 8;

/** The features, in vector order. */
export const EMBEDDING_FEATURES: readonly { name: string; description: string }[] = [
  { name: 'ret_1', description: 'log return over 1 bar' },
  { name: 'ret_5', description: 'log return over 5 bars' },
  { name: 'ret_20', description: 'log return over 20 bars' },
  { name: 'ret_60', description: 'log return over 60 bars' },
  { name: 'ret_120', description: 'log return over 120 bars' },
  { name: 'vol_10', description: 'realised volatility: std of 1-bar log returns over 10 bars' },
  { name: 'vol_20', description: 'realised volatility over 20 bars' },
  { name: 'vol_60', description: 'realised volatility over 60 bars' },
  { name: 'vol_ratio', description: 'ln(vol_10 / vol_60): volatility regime change' },
  { name: 'sma_20_gap', description: 'close / SMA(20) - 1' },
  { name: 'sma_50_gap', description: 'close / SMA(50) - 1' },
  { name: 'sma_120_gap', description: 'close / SMA(120) - 1' },
  { name: 'sma_20_50', description: 'SMA(20) / SMA(50) - 1: trend' },
  { name: 'macd', description: 'MACD(12, 26) line / close' },
  { name: 'macd_hist', description: 'MACD histogram (signal 9) / close' },
  { name: 'rsi_14', description: 'RSI(14) / 100 - 0.5' },
  { name: 'rsi_5', description: 'RSI(5) / 100 - 0.5' },
  { name: 'stoch_14', description: 'stochastic %K(14) / 100 - 0.5' },
  { name: 'bollinger_b', description: 'Bollinger %B(20, 2) - 0.5' },
  { name: 'zscore_20', description: 'z-score of the close over 20 bars' },
  { name: 'zscore_60', description: 'z-score of the close over 60 bars' },
  { name: 'drawdown_60', description: 'close / highest close of 60 bars - 1' },
  { name: 'drawdown_120', description: 'close / highest close of 120 bars - 1' },
  { name: 'rally_60', description: 'close / lowest close of 60 bars - 1' },
  { name: 'adx_14', description: 'ADX(14) / 100 (needs real highs and lows)' },
  { name: 'atr_14', description: 'ATR(14) / close (needs real highs and lows)' },
  { name: 'slope_20', description: 'least-squares slope of ln(close) per bar over 20 bars' },
  { name: 'up_share_20', description: 'share of rising closes over 20 bars - 0.5' },
  { name: 'volume_20', description: 'ln(volume / SMA(20) of volume) (needs volume)' },
  { name: 'volume_trend', description: 'ln(SMA(5) / SMA(20) of volume) (needs volume)' },
  { name: 'bench_corr_60', description: 'correlation of 1-bar log returns with the benchmark over 60 bars' },
  { name: 'bench_rel_20', description: 'ret_20 minus the benchmark ret_20' },
];

/** One bar's inputs; high, low and volume may be NaN (close-only data), benchmark undefined. */
export interface StateBar {
  high: number;
  low: number;
  close: number;
  volume: number;
  benchmarkClose?: number;
}

/** A ring of the last `n` values with O(1) push. */
class Ring {
  readonly values: Float64Array;
  private next = 0;
  count = 0;
  constructor(readonly size: number) {
    this.values = new Float64Array(size);
  }
  push(x: number): void {
    this.values[this.next] = x;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
  }
  /** Value `back` steps ago (0 = the latest). */
  ago(back: number): number {
    if (back >= this.count) return Number.NaN;
    return this.values[(this.next - 1 - back + 2 * this.size) % this.size];
  }
}

/**
 * Streams bars and returns the raw (un-normalised) feature vector of the state at each bar. Every
 * window is causal: the features at bar t use bars t-120..t only.
 */
export class MarketStateEncoder {
  private closes = new Ring(EMBEDDING_WARMUP);
  private logReturns = new Ring(60);
  private benchReturns = new Ring(60);
  private benchCloses = new Ring(21);
  private vol10 = new RollingStd(10);
  private vol20 = new RollingStd(20);
  private vol60 = new RollingStd(60);
  private sma20 = new Sma(20);
  private sma50 = new Sma(50);
  private sma120 = new Sma(120);
  private macd = new Macd(12, 26, 9);
  private rsi14 = new Rsi(14);
  private rsi5 = new Rsi(5);
  private stoch = new Stochastic(14, 3);
  private bands = new BollingerBands(20, 2);
  private z20 = new ZScore(20);
  private z60 = new ZScore(60);
  private max60 = new RollingMax(60);
  private max120 = new RollingMax(120);
  private min60 = new RollingMin(60);
  private adx = new Adx(14);
  private atr = new Atr(14);
  private volume20 = new Sma(20);
  private volume5 = new Sma(5);
  private bars = 0;
  private hasRange = false;
  private hasVolume = false;

  /** Bars seen so far. */
  get count(): number {
    return this.bars;
  }

  /** Whether the last update returned a complete state (at least EMBEDDING_WARMUP bars seen). */
  get ready(): boolean {
    return this.bars >= EMBEDDING_WARMUP;
  }

  /** Add one bar; returns its raw features (NaN entries for unavailable features, all NaN in warm-up). */
  update(bar: StateBar, out: Float64Array = new Float64Array(EMBEDDING_DIMENSION)): Float64Array {
    const { close } = bar;
    if (!(close > 0) || !Number.isFinite(close)) {
      throw new ValidationError(`close ${close} at bar ${this.bars} must be a positive number`, {
        field: 'close',
      });
    }
    const previous = this.closes.ago(0);
    const logReturn = Number.isNaN(previous) ? Number.NaN : Math.log(close / previous);
    this.closes.push(close);
    const rangeKnown = Number.isFinite(bar.high) && Number.isFinite(bar.low) && bar.high >= bar.low;
    if (rangeKnown && bar.high > bar.low) this.hasRange = true;
    const high = rangeKnown ? bar.high : close;
    const low = rangeKnown ? bar.low : close;
    const volumeKnown = Number.isFinite(bar.volume) && bar.volume > 0;
    if (volumeKnown) this.hasVolume = true;
    if (!Number.isNaN(logReturn)) {
      this.logReturns.push(logReturn);
      this.vol10.update(logReturn);
      this.vol20.update(logReturn);
      this.vol60.update(logReturn);
    }
    const bench = bar.benchmarkClose;
    const hasBench = bench !== undefined && bench > 0 && Number.isFinite(bench);
    if (hasBench) {
      const previousBench = this.benchCloses.ago(0);
      if (!Number.isNaN(previousBench) && !Number.isNaN(logReturn)) {
        this.benchReturns.push(Math.log(bench / previousBench));
      }
      this.benchCloses.push(bench);
    }
    const sma20 = this.sma20.update(close);
    const sma50 = this.sma50.update(close);
    const sma120 = this.sma120.update(close);
    this.macd.update(close);
    const rsi14 = this.rsi14.update(close);
    const rsi5 = this.rsi5.update(close);
    const stochK = this.stoch.update(high, low, close);
    this.bands.update(close);
    const z20 = this.z20.update(close);
    const z60 = this.z60.update(close);
    const max60 = this.max60.update(close);
    const max120 = this.max120.update(close);
    const min60 = this.min60.update(close);
    const adx = this.adx.update(high, low, close);
    const atr = this.atr.update(high, low, close);
    const v20 = volumeKnown ? this.volume20.update(bar.volume) : Number.NaN;
    const v5 = volumeKnown ? this.volume5.update(bar.volume) : Number.NaN;
    this.bars++;
    if (!this.ready) {
      out.fill(Number.NaN);
      return out;
    }
    const ret = (n: number) => Math.log(close / this.closes.ago(n));
    out[0] = logReturn;
    out[1] = ret(5);
    out[2] = ret(20);
    out[3] = ret(60);
    out[4] = ret(120);
    out[5] = this.vol10.value;
    out[6] = this.vol20.value;
    out[7] = this.vol60.value;
    out[8] = this.vol10.value > 0 && this.vol60.value > 0 ? Math.log(this.vol10.value / this.vol60.value) : 0;
    out[9] = close / sma20 - 1;
    out[10] = close / sma50 - 1;
    out[11] = close / sma120 - 1;
    out[12] = sma20 / sma50 - 1;
    out[13] = this.macd.value / close;
    out[14] = this.macd.histogram / close;
    out[15] = rsi14 / 100 - 0.5;
    out[16] = rsi5 / 100 - 0.5;
    out[17] = stochK / 100 - 0.5;
    out[18] = this.bands.percentB - 0.5;
    out[19] = z20;
    out[20] = z60;
    out[21] = close / max60 - 1;
    out[22] = close / max120 - 1;
    out[23] = close / min60 - 1;
    out[24] = this.hasRange ? adx / 100 : Number.NaN;
    out[25] = this.hasRange ? atr / close : Number.NaN;
    out[26] = this.slope20();
    out[27] = this.upShare20() - 0.5;
    out[28] = this.hasVolume && volumeKnown && v20 > 0 ? Math.log(bar.volume / v20) : Number.NaN;
    out[29] = this.hasVolume && v20 > 0 && v5 > 0 ? Math.log(v5 / v20) : Number.NaN;
    out[30] = hasBench ? this.benchCorrelation() : Number.NaN;
    const bench20 = this.benchCloses.ago(20);
    out[31] =
      hasBench && bench !== undefined && bench20 > 0 ? out[2] - Math.log(bench / bench20) : Number.NaN;
    for (let i = 0; i < EMBEDDING_DIMENSION; i++) if (!Number.isFinite(out[i])) out[i] = Number.NaN;
    return out;
  }

  /** Slope of ln(close) against the bar number over the last 20 closes (least squares). */
  private slope20(): number {
    const n = 20;
    // x = 0..n-1 (oldest first); sum x = n(n-1)/2, sum (x - mean)^2 = n(n^2-1)/12.
    const meanX = (n - 1) / 2;
    let meanY = 0;
    for (let i = 0; i < n; i++) meanY += Math.log(this.closes.ago(n - 1 - i));
    meanY /= n;
    let sxy = 0;
    for (let i = 0; i < n; i++) sxy += (i - meanX) * (Math.log(this.closes.ago(n - 1 - i)) - meanY);
    return sxy / ((n * (n * n - 1)) / 12);
  }

  private upShare20(): number {
    let up = 0;
    for (let i = 0; i < 20; i++) if (this.logReturns.ago(i) > 0) up++;
    return up / 20;
  }

  private benchCorrelation(): number {
    const n = Math.min(this.logReturns.count, this.benchReturns.count);
    if (n < 20) return Number.NaN;
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      mx += this.logReturns.ago(i);
      my += this.benchReturns.ago(i);
    }
    mx /= n;
    my /= n;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const dx = this.logReturns.ago(i) - mx;
      const dy = this.benchReturns.ago(i) - my;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
  }
}

/** Check a normalisation has one finite mean and one positive finite std per feature. */
export function checkNormalisation(stats: Normalisation): Normalisation {
  const ok =
    Array.isArray(stats.mean) &&
    Array.isArray(stats.std) &&
    stats.mean.length === EMBEDDING_DIMENSION &&
    stats.std.length === EMBEDDING_DIMENSION &&
    stats.mean.every(Number.isFinite) &&
    stats.std.every((s) => Number.isFinite(s) && s > 0);
  if (!ok) {
    throw new ValidationError(
      `normalisation: needs ${EMBEDDING_DIMENSION} finite means and ${EMBEDDING_DIMENSION} positive standard deviations`,
      { field: 'normalisation' },
    );
  }
  return stats;
}

/** z-score each raw feature, clip to [-8, 8], 0 for an unavailable feature; float32 output. */
export function normaliseState(
  raw: ArrayLike<number>,
  stats: Normalisation = DEFAULT_NORMALISATION,
): Float32Array {
  const out = new Float32Array(EMBEDDING_DIMENSION);
  for (let i = 0; i < EMBEDDING_DIMENSION; i++) {
    const x = raw[i];
    if (!Number.isFinite(x)) continue;
    const z = (x - stats.mean[i]) / stats.std[i];
    out[i] = z > CLIP ? CLIP : z < -CLIP ? -CLIP : z;
  }
  return out;
}

/** Columns an embedding is computed from: closes required; the rest may be absent. */
export interface StateSeries {
  close: ArrayLike<number>;
  high?: ArrayLike<number>;
  low?: ArrayLike<number>;
  volume?: ArrayLike<number>;
  /** Whether high/low/volume are placeholders (a close-only series). */
  closeOnly?: boolean;
}

/**
 * Raw features at every bar of a series (NaN rows during warm-up), as one Float64Array of
 * length * 32, row-major. `benchmark` closes must be aligned with the series when given.
 */
export function rawStateFeatures(series: StateSeries, benchmark?: ArrayLike<number>): Float64Array {
  const n = series.close.length;
  if (benchmark !== undefined && benchmark.length !== n) {
    throw new ValidationError(
      `benchmark: ${benchmark.length} closes, expected ${n} aligned with the series`,
      {
        field: 'benchmark',
      },
    );
  }
  const encoder = new MarketStateEncoder();
  const out = new Float64Array(n * EMBEDDING_DIMENSION);
  const full = series.closeOnly !== true;
  const row = new Float64Array(EMBEDDING_DIMENSION);
  for (let t = 0; t < n; t++) {
    encoder.update(
      {
        close: series.close[t],
        high: full && series.high ? series.high[t] : Number.NaN,
        low: full && series.low ? series.low[t] : Number.NaN,
        volume: full && series.volume ? series.volume[t] : Number.NaN,
        benchmarkClose: benchmark?.[t],
      },
      row,
    );
    out.set(row, t * EMBEDDING_DIMENSION);
  }
  return out;
}

/**
 * The normalised state vector at bar `index` of a series (all bars up to and including it are read,
 * none after). Refused during warm-up (fewer than 121 bars up to `index`).
 */
export function embedMarketState(
  series: StateSeries,
  index: number = series.close.length - 1,
  options: { benchmark?: ArrayLike<number>; normalisation?: Normalisation } = {},
): Float32Array {
  if (!Number.isInteger(index) || index < 0 || index >= series.close.length) {
    throw new ValidationError(`index ${index} is outside the series (0..${series.close.length - 1})`, {
      field: 'index',
    });
  }
  if (index + 1 < EMBEDDING_WARMUP) {
    throw new ValidationError(
      `a market state needs ${EMBEDDING_WARMUP} bars of history; bar ${index} has ${index + 1}`,
      { field: 'index', hint: 'use a later bar or a longer history' },
    );
  }
  const cut = (a: ArrayLike<number> | undefined) =>
    a === undefined ? undefined : Array.prototype.slice.call(a, 0, index + 1);
  const raw = rawStateFeatures(
    {
      close: cut(series.close) as number[],
      high: cut(series.high),
      low: cut(series.low),
      volume: cut(series.volume),
      closeOnly: series.closeOnly,
    },
    cut(options.benchmark),
  );
  return normaliseState(raw.subarray(index * EMBEDDING_DIMENSION), options.normalisation);
}

/**
 * Fit a normalisation (mean and population std per feature) from rows of raw features; rows or
 * features that are NaN are skipped. A feature never seen gets mean 0, std 1.
 */
export function fitNormalisation(rows: readonly Float64Array[], source: string): Normalisation {
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < EMBEDDING_DIMENSION; j++) {
    let n = 0;
    let m = 0;
    let m2 = 0;
    for (const row of rows) {
      for (let i = j; i < row.length; i += EMBEDDING_DIMENSION) {
        const x = row[i];
        if (!Number.isFinite(x)) continue;
        n++;
        const d = x - m;
        m += d / n;
        m2 += d * (x - m);
      }
    }
    const s = n > 1 ? Math.sqrt(m2 / n) : 0;
    mean.push(n > 0 ? m : 0);
    std.push(s > 1e-12 ? s : 1);
  }
  return { version: EMBEDDING_VERSION, source, mean, std };
}
