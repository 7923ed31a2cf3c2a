import { checkPeriod, checkSameLength, nanArray } from './validate.js';

const RESYNC_EVERY = 4096;

/**
 * Rolling ordinary least squares of y on x over the last `period` bars: y = alpha + beta * x + e. The
 * pairs-trading hedge ratio is `beta`. Updated in O(1) from running centred sums (means and co-moments
 * Sxx, Syy, Sxy), which keep their precision where raw sums of squares would cancel; when (x_new, y_new)
 * replaces (x_old, y_old):
 *   Sxy' = Sxy + (x_new - mean_x)(y_new - mean_y') - (x_old - mean_x)(y_old - mean_y')
 * and drift is removed by an exact recomputation every few thousand updates (amortised O(1)).
 *
 * Also reported for the current bar: the residual e = y - alpha - beta * x, the population standard
 * deviation of the in-window residuals sqrt((Syy - Sxy^2 / Sxx) / n), the residual's z-score (the
 * pairs "spread z-score": because the window's residuals have mean 0, this equals the z-score of the
 * spread y - beta * x against its own window) and the correlation of x and y.
 */
export class RollingOls {
  readonly period: number;
  /** Hedge ratio (slope); same as `value`. NaN during warm-up or when x did not vary. */
  value = Number.NaN;
  beta = Number.NaN;
  alpha = Number.NaN;
  residual = Number.NaN;
  residualStd = Number.NaN;
  zScore = Number.NaN;
  correlation = Number.NaN;
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private next = 0;
  private count = 0;
  private sinceResync = 0;
  private meanX = 0;
  private meanY = 0;
  private sxx = 0;
  private syy = 0;
  private sxy = 0;

  constructor(period: number) {
    this.period = checkPeriod('rolling OLS', 'period', period, 2);
    this.xs = new Float64Array(period);
    this.ys = new Float64Array(period);
  }

  get isReady(): boolean {
    return this.count >= this.period;
  }

  /** Add one bar: y is the dependent series (the leg being hedged), x the hedge. Returns beta. */
  update(y: number, x: number): number {
    const n = this.period;
    if (this.count < n) {
      const count = ++this.count;
      const dx = x - this.meanX;
      const dy = y - this.meanY;
      this.meanX += dx / count;
      this.meanY += dy / count;
      this.sxx += dx * (x - this.meanX);
      this.syy += dy * (y - this.meanY);
      this.sxy += dx * (y - this.meanY);
    } else {
      const oldX = this.xs[this.next];
      const oldY = this.ys[this.next];
      const meanX = this.meanX;
      const meanY = this.meanY;
      const newMeanX = meanX + (x - oldX) / n;
      const newMeanY = meanY + (y - oldY) / n;
      this.sxx += (x - meanX) * (x - newMeanX) - (oldX - meanX) * (oldX - newMeanX);
      this.syy += (y - meanY) * (y - newMeanY) - (oldY - meanY) * (oldY - newMeanY);
      this.sxy += (x - meanX) * (y - newMeanY) - (oldX - meanX) * (oldY - newMeanY);
      this.meanX = newMeanX;
      this.meanY = newMeanY;
    }
    this.xs[this.next] = x;
    this.ys[this.next] = y;
    if (++this.next === n) this.next = 0;
    if (this.count < n) return this.value;
    if (++this.sinceResync >= RESYNC_EVERY) this.resync();

    const sxx = this.sxx > 0 ? this.sxx : 0;
    const syy = this.syy > 0 ? this.syy : 0;
    if (sxx === 0) {
      this.beta = Number.NaN;
      this.alpha = Number.NaN;
      this.residual = Number.NaN;
      this.residualStd = Number.NaN;
      this.zScore = Number.NaN;
      this.correlation = Number.NaN;
      this.value = Number.NaN;
      return this.value;
    }
    const beta = this.sxy / sxx;
    this.beta = beta;
    this.alpha = this.meanY - beta * this.meanX;
    this.residual = y - this.alpha - beta * x;
    const residualSS = syy - this.sxy * beta;
    this.residualStd = residualSS > 0 ? Math.sqrt(residualSS / n) : 0;
    this.zScore = this.residualStd > 0 ? this.residual / this.residualStd : 0;
    this.correlation = syy > 0 ? this.sxy / Math.sqrt(sxx * syy) : Number.NaN;
    this.value = beta;
    return beta;
  }

  private resync(): void {
    this.sinceResync = 0;
    const n = this.period;
    let sumX = 0;
    let sumY = 0;
    for (let i = 0; i < n; i++) {
      sumX += this.xs[i];
      sumY += this.ys[i];
    }
    const meanX = sumX / n;
    const meanY = sumY / n;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const dx = this.xs[i] - meanX;
      const dy = this.ys[i] - meanY;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    this.meanX = meanX;
    this.meanY = meanY;
    this.sxx = sxx;
    this.syy = syy;
    this.sxy = sxy;
  }

  reset(): void {
    this.xs.fill(0);
    this.ys.fill(0);
    this.next = 0;
    this.count = 0;
    this.sinceResync = 0;
    this.meanX = 0;
    this.meanY = 0;
    this.sxx = 0;
    this.syy = 0;
    this.sxy = 0;
    this.value = Number.NaN;
    this.beta = Number.NaN;
    this.alpha = Number.NaN;
    this.residual = Number.NaN;
    this.residualStd = Number.NaN;
    this.zScore = Number.NaN;
    this.correlation = Number.NaN;
  }
}

export interface RollingOlsResult {
  beta: Float64Array;
  alpha: Float64Array;
  residual: Float64Array;
  zScore: Float64Array;
}

/** Batch rolling OLS of y on x: `rollingOls(ko.close, pg.close, 60).beta` is the hedge ratio series. */
export function rollingOls(y: ArrayLike<number>, x: ArrayLike<number>, period: number): RollingOlsResult {
  const n = checkSameLength('rolling OLS', y, x);
  const indicator = new RollingOls(period);
  const out: RollingOlsResult = {
    beta: nanArray(n),
    alpha: nanArray(n),
    residual: nanArray(n),
    zScore: nanArray(n),
  };
  for (let i = 0; i < n; i++) {
    indicator.update(y[i], x[i]);
    out.beta[i] = indicator.beta;
    out.alpha[i] = indicator.alpha;
    out.residual[i] = indicator.residual;
    out.zScore[i] = indicator.zScore;
  }
  return out;
}
