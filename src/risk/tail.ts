/**
 * The quantile convention for every simulated or historical VaR in neural-trader:
 *
 *   Sort the n scenario P&Ls ascending, L(1) <= L(2) <= ... <= L(n), and let k = max(1, floor(n (1 - c))).
 *   VaR  = -L(k)                        (the k-th worst P&L, as a positive loss)
 *   CVaR = -(L(1) + ... + L(k)) / k     (the mean of the k worst P&Ls, so CVaR >= VaR)
 *
 * Example: 250 daily P&Ls at c = 0.95 gives k = floor(12.5) = 12, so VaR is minus the 12th worst day
 * and CVaR minus the average of the 12 worst days. A tiny epsilon guards floor() against representation
 * error (100 x (1 - 0.95) = 5.000000000000004 must give 5).
 */
export function tailCount(scenarios: number, confidence: number): number {
  return Math.max(1, Math.floor(scenarios * (1 - confidence) + 1e-9));
}

export interface TailSummary {
  /** Number of scenarios in the tail (k). */
  k: number;
  var: number;
  cvar: number;
  /** The k-th smallest P&L (= -var). */
  threshold: number;
  /** Scenarios with P&L strictly below the threshold (the rest of the k tie at it). */
  strictlyBelow: number;
  /** P&L range of the scenarios ranked around k, used to estimate per-position VaR contributions. */
  windowLow: number;
  windowHigh: number;
}

/** VaR/CVaR of a P&L sample under the convention above. Does not modify `pnl`. */
export function summarizeTail(pnl: Float64Array, confidence: number): TailSummary {
  const n = pnl.length;
  const sorted = Float64Array.from(pnl).sort();
  const k = tailCount(n, confidence);
  const threshold = sorted[k - 1];
  let sum = 0;
  for (let i = 0; i < k; i++) sum += sorted[i];
  let strictlyBelow = 0;
  while (strictlyBelow < k && sorted[strictlyBelow] < threshold) strictlyBelow++;
  // Euler VaR contributions from a single scenario are very noisy; average the scenarios ranked within
  // +-0.5% of n around k (Hallerbach's estimator) and rescale them to sum to VaR.
  const half = Math.floor(n * 0.005);
  const windowLow = sorted[Math.max(0, k - 1 - half)];
  const windowHigh = sorted[Math.min(n - 1, k - 1 + half)];
  return { k, var: -threshold, cvar: -sum / k, threshold, strictlyBelow, windowLow, windowHigh };
}

/**
 * Accumulates per-position P&L over the tail scenarios (for CVaR contributions) and over the window
 * around the VaR rank (for VaR contributions). Feed it every scenario in the same order as the P&L array.
 */
export class TailContributions {
  private readonly tailSum: Float64Array;
  private readonly windowSum: Float64Array;
  private windowCount = 0;
  private tiesLeft: number;

  constructor(
    private readonly summary: TailSummary,
    size: number,
  ) {
    this.tailSum = new Float64Array(size);
    this.windowSum = new Float64Array(size);
    this.tiesLeft = summary.k - summary.strictlyBelow;
  }

  /** Whether a scenario with this P&L needs its per-position P&L (call `add` if so). */
  wants(pnl: number): boolean {
    return pnl <= this.summary.threshold || (pnl >= this.summary.windowLow && pnl <= this.summary.windowHigh);
  }

  add(pnl: number, positionPnl: ArrayLike<number>): void {
    const { threshold, windowLow, windowHigh } = this.summary;
    let inTail = pnl < threshold;
    if (!inTail && pnl === threshold && this.tiesLeft > 0) {
      inTail = true;
      this.tiesLeft--;
    }
    if (inTail) for (let i = 0; i < this.tailSum.length; i++) this.tailSum[i] += positionPnl[i];
    if (pnl >= windowLow && pnl <= windowHigh) {
      for (let i = 0; i < this.windowSum.length; i++) this.windowSum[i] += positionPnl[i];
      this.windowCount++;
    }
  }

  /** Per-position VaR and CVaR contributions (positive = adds to the loss); they sum to VaR and CVaR. */
  result(): { var: Float64Array; cvar: Float64Array } {
    const n = this.tailSum.length;
    const cvar = new Float64Array(n);
    const varContrib = new Float64Array(n);
    let cvarTotal = 0;
    let varTotal = 0;
    for (let i = 0; i < n; i++) {
      cvar[i] = -this.tailSum[i] / this.summary.k;
      varContrib[i] = this.windowCount > 0 ? -this.windowSum[i] / this.windowCount : 0;
      cvarTotal += cvar[i];
      varTotal += varContrib[i];
    }
    // Rescale so the parts add up exactly to the totals despite rounding and the averaging window.
    rescale(cvar, cvarTotal, this.summary.cvar);
    rescale(varContrib, varTotal, this.summary.var);
    return { var: varContrib, cvar };
  }
}

function rescale(parts: Float64Array, total: number, target: number): void {
  if (total === 0 || !Number.isFinite(total)) return;
  const factor = target / total;
  for (let i = 0; i < parts.length; i++) parts[i] *= factor;
}
