import { BollingerBands, ZScore } from '../indicators/statistics.js';
import { ExposureStrategy } from './base.js';
import type { BarReader } from './input.js';
import { type ParamSpec, paramError, parseParams } from './params.js';

export interface MeanReversionParams {
  /** 'bollinger': enter outside the bands, exit at the middle band; 'zscore': enter at |z| > k, exit at |z| <= exitZ. */
  mode: 'bollinger' | 'zscore';
  /** Bars in the rolling mean and standard deviation. */
  period: number;
  /** Entry distance from the mean in (population) standard deviations. */
  k: number;
  /** z-score mode: exit once the price is back within exitZ standard deviations (0 = at the mean). */
  exitZ: number;
  allowShort: boolean;
  percent: number;
}

export const meanReversionParams: readonly ParamSpec[] = [
  {
    name: 'mode',
    type: 'choice',
    default: 'bollinger',
    choices: ['bollinger', 'zscore'],
    description: 'bollinger: bands and middle-band exit; zscore: |z| entry and exitZ exit',
  },
  {
    name: 'period',
    type: 'integer',
    default: 20,
    min: 2,
    max: 500,
    grid: { min: 10, max: 60, step: 5 },
    description: 'bars in the rolling mean and standard deviation',
  },
  {
    name: 'k',
    type: 'number',
    default: 2,
    min: 0.1,
    max: 10,
    grid: { min: 1, max: 3, step: 0.5 },
    description: 'entry distance from the mean in standard deviations',
  },
  {
    name: 'exitZ',
    type: 'number',
    default: 0,
    min: 0,
    max: 10,
    grid: { min: 0, max: 1, step: 0.25 },
    description: 'zscore mode: exit within this many standard deviations of the mean',
  },
  {
    name: 'allowShort',
    type: 'boolean',
    default: false,
    description: 'also sell short above the upper band',
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
 * Mean reversion on the close. Long when the close falls more than k standard deviations below its
 * rolling mean (below the lower Bollinger Band), short above the upper band when allowed; the position
 * is closed when the price returns to the mean (bollinger: crosses the middle band; zscore: |z| <= exitZ).
 */
export class MeanReversionStrategy extends ExposureStrategy {
  readonly name = 'mean-reversion';
  readonly warmup: number;
  readonly params: Readonly<MeanReversionParams>;
  private readonly bands: BollingerBands;
  private readonly zScore: ZScore;
  private readonly exitLevel: number;
  private position = 0;

  constructor(symbol: string, params: Partial<MeanReversionParams> = {}) {
    super(symbol);
    const p = parseParams<MeanReversionParams>('mean-reversion', meanReversionParams, params);
    if (p.mode === 'zscore' && p.exitZ >= p.k) paramError('exitZ', `${p.exitZ} must be less than k (${p.k})`);
    this.params = p;
    this.warmup = p.period;
    this.bands = new BollingerBands(p.period, p.k);
    this.zScore = new ZScore(p.period);
    this.exitLevel = p.mode === 'zscore' ? p.exitZ : 0;
  }

  nextExposure(bar: BarReader): number {
    const price = bar.close();
    if (Number.isNaN(price)) return this.position * this.params.percent;
    let z: number;
    if (this.params.mode === 'bollinger') {
      this.bands.update(price);
      if (!this.bands.isReady) return 0;
      // In band units: below the lower band <=> z < -k; at the middle band <=> z = 0.
      const halfWidth = this.bands.upper - this.bands.middle;
      z = halfWidth > 0 ? (this.params.k * (price - this.bands.middle)) / halfWidth : 0;
    } else {
      z = this.zScore.update(price);
      if (!this.zScore.isReady) return 0;
    }
    const k = this.params.k;
    if (this.position > 0 && z >= -this.exitLevel) this.position = 0;
    else if (this.position < 0 && z <= this.exitLevel) this.position = 0;
    if (this.position === 0) {
      if (z < -k) this.position = 1;
      else if (z > k && this.params.allowShort) this.position = -1;
    }
    return this.position * this.params.percent;
  }

  protected resetState(): void {
    this.bands.reset();
    this.zScore.reset();
    this.position = 0;
  }

  cloneSignal(): MeanReversionStrategy {
    return new MeanReversionStrategy(this.symbol, this.params);
  }
}
