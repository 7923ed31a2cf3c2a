import { annualisationOf, timeframeOfSpacing } from '../core/calendar.js';
import { Roc } from '../indicators/momentum.js';
import { Sma } from '../indicators/moving-averages.js';
import { RollingStd } from '../indicators/statistics.js';
import { ExposureStrategy } from './base.js';
import type { BarReader } from './input.js';
import { type ParamSpec, parseParams } from './params.js';

export interface EnhancedMomentumParams {
  lookback: number;
  threshold: number;
  /** Bars of log returns in the realised-volatility estimate. */
  volatilityLookback: number;
  /** Annualised volatility above which the strategy stands aside (0 = no cap). */
  maxVolatility: number;
  /** Annualised volatility the position is scaled to (0 = no scaling: always maxExposure). */
  targetVolatility: number;
  /** Largest exposure (fraction of equity) the volatility scaling may reach. */
  maxExposure: number;
  /** Require volume above its moving average to enter. */
  volumeFilter: boolean;
  volumeLookback: number;
  /** Entry needs volume > volumeFactor * average volume. */
  volumeFactor: number;
  /**
   * Bars per year, to annualise volatility; 0 (the default) measures it from the timestamps of the bars
   * seen so far with the time model of every annualised figure (src/core/calendar.ts).
   */
  periodsPerYear: number;
  allowShort: boolean;
  /** Resize an open position only when the target moved by more than this (fraction of equity). */
  rebalanceThreshold: number;
}

/** Periods per year assumed for data without timestamps (plain closes given to generateSignal). */
const DAILY_PERIODS_WITHOUT_TIME = 252;

export const enhancedMomentumParams: readonly ParamSpec[] = [
  {
    name: 'lookback',
    type: 'integer',
    default: 20,
    min: 1,
    max: 500,
    grid: { min: 10, max: 60, step: 5 },
    description: 'bars over which the momentum return is measured',
  },
  {
    name: 'threshold',
    type: 'number',
    default: 0.02,
    min: 0,
    max: 1,
    grid: { min: 0, max: 0.1, step: 0.01 },
    description: 'momentum return (fraction) needed to go long; its negative to exit or short',
  },
  {
    name: 'volatilityLookback',
    type: 'integer',
    default: 20,
    min: 2,
    max: 500,
    grid: { min: 10, max: 60, step: 10 },
    description: 'bars of log returns in the realised volatility',
  },
  {
    name: 'maxVolatility',
    type: 'number',
    default: 0.6,
    min: 0,
    max: 10,
    grid: { min: 0.2, max: 1, step: 0.2 },
    description: 'annualised volatility above which to stand aside (0 = no cap)',
  },
  {
    name: 'targetVolatility',
    type: 'number',
    default: 0.15,
    min: 0,
    max: 5,
    grid: { min: 0.05, max: 0.3, step: 0.05 },
    description: 'annualised volatility to scale the position to (0 = fixed size)',
  },
  {
    name: 'maxExposure',
    type: 'number',
    default: 1,
    min: 0.01,
    max: 10,
    description: 'largest position as a fraction of equity',
  },
  {
    name: 'volumeFilter',
    type: 'boolean',
    default: true,
    description: 'enter only when volume is above its moving average',
  },
  {
    name: 'volumeLookback',
    type: 'integer',
    default: 20,
    min: 1,
    max: 500,
    grid: { min: 10, max: 50, step: 10 },
    description: 'bars in the volume moving average',
  },
  {
    name: 'volumeFactor',
    type: 'number',
    default: 1,
    min: 0,
    max: 10,
    description: 'entry needs volume > volumeFactor x average volume',
  },
  {
    name: 'periodsPerYear',
    type: 'number',
    default: 0,
    min: 0,
    max: 1_000_000,
    description:
      'bars per year, to annualise volatility; 0 = measured from the timestamps (252 for data without any)',
  },
  {
    name: 'allowShort',
    type: 'boolean',
    default: false,
    description: 'go short (not just flat) on negative momentum',
  },
  {
    name: 'rebalanceThreshold',
    type: 'number',
    default: 0.1,
    min: 0,
    max: 10,
    description: 'resize an open position only when its target moved by more than this',
  },
];

/**
 * Momentum with two filters and volatility targeting:
 * - direction from the lookback return with a dead band, as in `momentum`;
 * - volatility: realised volatility (sample std of log returns, annualised) above maxVolatility means
 *   stand aside (flat); otherwise the size is targetVolatility / volatility, capped at maxExposure;
 * - volume: a new position (or a reversal) is entered only on a bar whose volume exceeds volumeFactor
 *   times its moving average; exits never wait for volume.
 * An open position is resized only when its target moved by more than rebalanceThreshold.
 *
 * Volatility is annualised by `periodsPerYear` when given, else by the periods per year measured from
 * the timestamps of the bars seen so far (never later ones): the calendar's nominal count under a year
 * of data (252 for US daily bars, 12,480 for FX half-hours), the measured count beyond. It is measured
 * when the volatility estimate first becomes ready and again each time the history doubles, so the cost
 * stays linear in the bars. Data without timestamps (plain closes) is taken as daily: 252.
 */
export class EnhancedMomentumStrategy extends ExposureStrategy {
  readonly name = 'enhanced-momentum';
  readonly warmup: number;
  override readonly needsVolume: boolean;
  protected override readonly volumeUse = {
    because: 'for its volume filter (volumeFilter=true, the default)',
    withoutIt:
      'set volumeFilter=false (CLI: --param volumeFilter=false; MCP: params {"volumeFilter": false})',
  };
  readonly params: Readonly<EnhancedMomentumParams>;
  private readonly roc: Roc;
  private readonly volatility: RollingStd;
  private readonly averageVolume: Sma;
  /** sqrt(periods per year), given or measured (see `measureAnnualisation`). */
  private annualise: number;
  /** Timestamps of the bars seen, kept only when periods per year are measured. */
  private seen = new Float64Array(0);
  private seenCount = 0;
  /** Bar count at which the measured annualisation is refreshed next. */
  private nextMeasure = 0;
  private previousClose = Number.NaN;
  private direction = 0;
  private desired = 0;

  constructor(symbol: string, params: Partial<EnhancedMomentumParams> = {}) {
    super(symbol);
    const p = parseParams<EnhancedMomentumParams>('enhanced-momentum', enhancedMomentumParams, params);
    this.params = p;
    this.needsVolume = p.volumeFilter;
    this.warmup = Math.max(p.lookback + 1, p.volatilityLookback + 1, p.volumeFilter ? p.volumeLookback : 0);
    this.roc = new Roc(p.lookback);
    this.volatility = new RollingStd(p.volatilityLookback, 1);
    this.averageVolume = new Sma(p.volumeLookback);
    this.annualise = Math.sqrt(p.periodsPerYear);
  }

  /** Periods per year of the bars seen so far (data without timestamps counts as daily US bars: 252). */
  private measureAnnualisation(): void {
    const timestamps = this.seen.subarray(0, this.seenCount);
    const timed = timestamps.length >= 2 && timestamps.every(Number.isFinite);
    const periodsPerYear = timed
      ? annualisationOf(timestamps, timeframeOfSpacing(timestamps)).periodsPerYear
      : DAILY_PERIODS_WITHOUT_TIME;
    this.annualise = Math.sqrt(periodsPerYear);
    this.nextMeasure = this.seenCount * 2;
  }

  private recordTimestamp(timestamp: number): void {
    if (this.seenCount === this.seen.length) {
      const grown = new Float64Array(Math.max(64, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    this.seen[this.seenCount++] = timestamp;
  }

  nextExposure(bar: BarReader): number {
    const price = bar.close();
    if (Number.isNaN(price)) return this.desired;
    const p = this.params;
    const measured = p.periodsPerYear === 0;
    if (measured) this.recordTimestamp(bar.timestamp);
    const volume = bar.volume();
    const change = this.roc.update(price);
    const previous = this.previousClose;
    this.previousClose = price;
    if (previous > 0 && price > 0) this.volatility.update(Math.log(price / previous));
    const averageVolume = p.volumeFilter ? this.averageVolume.update(volume) : 0;
    if (Number.isNaN(change) || !this.volatility.isReady || (p.volumeFilter && !this.averageVolume.isReady)) {
      return this.desired;
    }
    if (measured && this.seenCount >= this.nextMeasure) this.measureAnnualisation();
    const annualVolatility = this.volatility.value * this.annualise;

    let direction = this.direction;
    if (change > p.threshold) direction = 1;
    else if (change < -p.threshold) direction = p.allowShort ? -1 : 0;
    if (p.maxVolatility > 0 && annualVolatility > p.maxVolatility) direction = 0;
    // A new position needs volume confirmation; leaving one does not.
    if (
      direction !== 0 &&
      direction !== this.direction &&
      p.volumeFilter &&
      !(volume > p.volumeFactor * averageVolume)
    ) {
      direction = 0;
    }

    const size =
      p.targetVolatility > 0 && annualVolatility > 0
        ? Math.min(p.maxExposure, p.targetVolatility / annualVolatility)
        : p.maxExposure;
    let desired = direction * size;
    if (
      direction !== 0 &&
      direction === this.direction &&
      Math.abs(desired - this.desired) <= p.rebalanceThreshold
    ) {
      desired = this.desired;
    }
    this.direction = direction;
    this.desired = desired;
    return desired;
  }

  protected resetState(): void {
    this.roc.reset();
    this.volatility.reset();
    this.averageVolume.reset();
    this.previousClose = Number.NaN;
    this.direction = 0;
    this.desired = 0;
    this.seenCount = 0;
    this.nextMeasure = 0;
    this.annualise = Math.sqrt(this.params.periodsPerYear);
  }

  cloneSignal(): EnhancedMomentumStrategy {
    return new EnhancedMomentumStrategy(this.symbol, this.params);
  }
}
