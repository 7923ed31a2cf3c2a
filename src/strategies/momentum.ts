import { Roc } from '../indicators/momentum.js';
import { ExposureStrategy } from './base.js';
import type { BarReader } from './input.js';
import { type ParamSpec, parseParams } from './params.js';

export interface MomentumParams {
  /** Bars over which the return is measured. */
  lookback: number;
  /** Return (as a fraction, 0.02 = 2%) that must be exceeded to go long, or undercut (negated) to exit/short. */
  threshold: number;
  allowShort: boolean;
  percent: number;
}

export const momentumParams: readonly ParamSpec[] = [
  {
    name: 'lookback',
    type: 'integer',
    default: 20,
    min: 1,
    max: 500,
    grid: { min: 10, max: 60, step: 5 },
    description: 'bars over which the return is measured',
  },
  {
    name: 'threshold',
    type: 'number',
    default: 0.02,
    min: 0,
    max: 1,
    grid: { min: 0, max: 0.1, step: 0.01 },
    description: 'lookback return (fraction) above which to go long; below its negative, flat or short',
  },
  {
    name: 'allowShort',
    type: 'boolean',
    default: false,
    description: 'go short (not just flat) on negative momentum',
  },
  {
    name: 'percent',
    type: 'number',
    default: 1,
    min: 0.01,
    max: 10,
    description: 'position size as a fraction of equity',
  },
];

/**
 * Time-series momentum: the return over `lookback` bars, close[t] / close[t - lookback] - 1. Above
 * `threshold`: long; below `-threshold`: short (allowShort) or flat; in between: keep the current
 * position (a dead band, so small wiggles around zero do not churn).
 */
export class MomentumStrategy extends ExposureStrategy {
  readonly name = 'momentum';
  readonly warmup: number;
  readonly params: Readonly<MomentumParams>;
  private readonly roc: Roc;
  private desired = 0;

  constructor(symbol: string, params: Partial<MomentumParams> = {}) {
    super(symbol);
    this.params = parseParams<MomentumParams>('momentum', momentumParams, params);
    this.warmup = this.params.lookback + 1;
    this.roc = new Roc(this.params.lookback);
  }

  nextExposure(bar: BarReader): number {
    const price = bar.close();
    if (Number.isNaN(price)) return this.desired;
    const change = this.roc.update(price);
    if (Number.isNaN(change)) return this.desired;
    const { threshold, percent, allowShort } = this.params;
    if (change > threshold) this.desired = percent;
    else if (change < -threshold) this.desired = allowShort ? -percent : 0;
    return this.desired;
  }

  protected resetState(): void {
    this.roc.reset();
    this.desired = 0;
  }

  cloneSignal(): MomentumStrategy {
    return new MomentumStrategy(this.symbol, this.params);
  }
}
