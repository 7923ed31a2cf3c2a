import { ValidationError } from '../core/errors.js';

/**
 * Scoring rules for probabilistic forecasts of a match result with ordered outcomes home, draw, away
 * (index 0, 1, 2). Lower is better for all three.
 *  - log loss: -ln p(observed outcome), natural log;
 *  - Brier score: sum over outcomes of (p - o)^2 (0..2 for three outcomes);
 *  - ranked probability score (Epstein 1969; Constantinou and Fenton 2012): the mean squared difference of
 *    the cumulative forecast and cumulative outcome over the r - 1 thresholds, which credits a forecast
 *    for putting probability near the result (a draw is closer to a home win than an away win is).
 */
export interface ForecastScores {
  logLoss: number;
  brier: number;
  rps: number;
}

function check(probabilities: ArrayLike<number>, outcome: number): void {
  if (!Number.isInteger(outcome) || outcome < 0 || outcome >= probabilities.length) {
    throw new ValidationError(`outcome: ${outcome} is not an outcome index of ${probabilities.length}`, {
      field: 'outcome',
    });
  }
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (!(p >= 0 && p <= 1)) {
      throw new ValidationError(`probabilities[${i}]: a probability must be between 0 and 1, got ${p}`, {
        field: `probabilities[${i}]`,
      });
    }
  }
}

export function logLoss(probabilities: ArrayLike<number>, outcome: number): number {
  check(probabilities, outcome);
  return -Math.log(Math.max(probabilities[outcome], 1e-15));
}

export function brierScore(probabilities: ArrayLike<number>, outcome: number): number {
  check(probabilities, outcome);
  let s = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const d = probabilities[i] - (i === outcome ? 1 : 0);
    s += d * d;
  }
  return s;
}

export function rankedProbabilityScore(probabilities: ArrayLike<number>, outcome: number): number {
  check(probabilities, outcome);
  const r = probabilities.length;
  let cumulativeForecast = 0;
  let cumulativeOutcome = 0;
  let s = 0;
  for (let i = 0; i < r - 1; i++) {
    cumulativeForecast += probabilities[i];
    cumulativeOutcome += i === outcome ? 1 : 0;
    const d = cumulativeForecast - cumulativeOutcome;
    s += d * d;
  }
  return s / (r - 1);
}

/** Running means of the three scores over many forecasts. */
export class ScoreAccumulator {
  private count = 0;
  private logLossSum = 0;
  private brierSum = 0;
  private rpsSum = 0;

  add(probabilities: ArrayLike<number>, outcome: number): void {
    this.count++;
    this.logLossSum += logLoss(probabilities, outcome);
    this.brierSum += brierScore(probabilities, outcome);
    this.rpsSum += rankedProbabilityScore(probabilities, outcome);
  }

  get n(): number {
    return this.count;
  }

  mean(): ForecastScores {
    const n = this.count || Number.NaN;
    return { logLoss: this.logLossSum / n, brier: this.brierSum / n, rps: this.rpsSum / n };
  }
}
