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
  /** Bars per year, to annualise volatility (252 for daily bars). */
  periodsPerYear: number;
  allowShort: boolean;
  /** Resize an open position only when the target moved by more than this (fraction of equity). */
  rebalanceThreshold: number;
}

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
    default: 252,
    min: 1,
    max: 1_000_000,
    description: 'bars per year, to annualise volatility (252 daily)',
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
  private readonly annualise: number;
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

  nextExposure(bar: BarReader): number {
    const price = bar.close();
    if (Number.isNaN(price)) return this.desired;
    const p = this.params;
    const volume = bar.volume();
    const change = this.roc.update(price);
    const previous = this.previousClose;
    this.previousClose = price;
    if (previous > 0 && price > 0) this.volatility.update(Math.log(price / previous));
    const averageVolume = p.volumeFilter ? this.averageVolume.update(volume) : 0;
    if (Number.isNaN(change) || !this.volatility.isReady || (p.volumeFilter && !this.averageVolume.isReady)) {
      return this.desired;
    }
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
  }

  cloneSignal(): EnhancedMomentumStrategy {
    return new EnhancedMomentumStrategy(this.symbol, this.params);
  }
}
