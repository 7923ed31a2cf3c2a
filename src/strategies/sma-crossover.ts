import type { SignalInput } from '../indicators/cache.js';
import { Sma } from '../indicators/moving-averages.js';
import { ExposureStrategy } from './base.js';
import type { BarReader } from './input.js';
import { type ParamSpec, paramError, parseParams } from './params.js';
import { ExposureChangeLog, type ExposureChanges } from './types.js';

export interface SmaCrossoverParams {
  /** Bars in the fast SMA. */
  fast: number;
  /** Bars in the slow SMA (must exceed fast). */
  slow: number;
  /** Go short on a bearish cross (otherwise go flat). */
  allowShort: boolean;
  /** Position size as a fraction of equity (1 = 100%). */
  percent: number;
}

export const smaCrossoverParams: readonly ParamSpec[] = [
  {
    name: 'fast',
    type: 'integer',
    default: 10,
    min: 1,
    max: 500,
    grid: { min: 5, max: 50, step: 5 },
    description: 'bars in the fast SMA',
  },
  {
    name: 'slow',
    type: 'integer',
    default: 30,
    min: 2,
    max: 1000,
    grid: { min: 20, max: 200, step: 10 },
    description: 'bars in the slow SMA (greater than fast)',
  },
  {
    name: 'allowShort',
    type: 'boolean',
    default: false,
    description: 'go short on a bearish cross instead of flat',
  },
  {
    name: 'percent',
    type: 'number',
    default: 1,
    min: 0.01,
    max: 10,
    grid: { min: 0.5, max: 1, step: 0.25 },
    description: 'position size as a fraction of equity (1 = 100%)',
  },
];

/**
 * SMA crossover: long when the fast SMA crosses above the slow one; on a cross below, flat (or short
 * with allowShort). Orders go out only on a cross; the first bar on which both SMAs exist just records
 * which side the fast SMA is on. Per bar: two O(1) SMA updates and a comparison.
 */
export class SmaCrossoverStrategy extends ExposureStrategy {
  readonly name = 'sma-crossover';
  readonly warmup: number;
  readonly params: Readonly<SmaCrossoverParams>;
  private readonly fastSma: Sma;
  private readonly slowSma: Sma;
  private readonly longExposure: number;
  private readonly downExposure: number;
  /** +1 fast above slow, -1 below, 0 not known yet. */
  private regime = 0;
  private desired = 0;

  constructor(symbol: string, params: Partial<SmaCrossoverParams> = {}) {
    super(symbol);
    const p = parseParams<SmaCrossoverParams>('sma-crossover', smaCrossoverParams, params);
    if (p.fast >= p.slow) paramError('fast', `${p.fast} must be less than slow (${p.slow})`);
    this.params = p;
    this.warmup = p.slow;
    this.fastSma = new Sma(p.fast);
    this.slowSma = new Sma(p.slow);
    this.longExposure = p.percent;
    this.downExposure = p.allowShort ? -p.percent : 0;
  }

  nextExposure(bar: BarReader): number {
    const price = bar.close();
    if (Number.isNaN(price)) return this.desired; // no bar for this symbol here
    const fast = this.fastSma.update(price);
    const slow = this.slowSma.update(price);
    if (Number.isNaN(slow)) return this.desired;
    const regime = fast > slow ? 1 : fast < slow ? -1 : this.regime;
    if (regime !== this.regime) {
      if (this.regime !== 0) this.desired = regime > 0 ? this.longExposure : this.downExposure;
      this.regime = regime;
    }
    return this.desired;
  }

  signalInputs(): readonly SignalInput[] {
    return [
      { indicator: 'sma', period: this.params.fast, column: 'close' },
      { indicator: 'sma', period: this.params.slow, column: 'close' },
    ];
  }

  /** nextExposure over whole series (the SMAs given, e.g. from the sweep's indicator cache): its changes. */
  exposurePlan(inputs: readonly Float64Array[], close: Float64Array): ExposureChanges {
    const [fastSeries, slowSeries] = inputs;
    const n = close.length;
    const changes = new ExposureChangeLog();
    const longExposure = this.longExposure;
    const downExposure = this.downExposure;
    let regime = 0;
    let desired = 0;
    for (let i = 0; i < n; i++) {
      const slow = slowSeries[i];
      // NaN close (no bar) gives NaN SMAs here, like nextExposure's early return; so does warm-up.
      if (!Number.isNaN(slow)) {
        const fast = fastSeries[i];
        const next = fast > slow ? 1 : fast < slow ? -1 : regime;
        if (next !== regime) {
          if (regime !== 0) {
            const target = next > 0 ? longExposure : downExposure;
            if (target !== desired) changes.push(i, target);
            desired = target;
          }
          regime = next;
        }
      }
    }
    return changes;
  }

  protected resetState(): void {
    this.fastSma.reset();
    this.slowSma.reset();
    this.regime = 0;
    this.desired = 0;
  }

  cloneSignal(): SmaCrossoverStrategy {
    return new SmaCrossoverStrategy(this.symbol, this.params);
  }
}
