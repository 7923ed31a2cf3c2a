import { ValidationError } from '../../core/errors.js';
import { cholesky, choleskySolve } from '../../risk/matrix.js';
import type { MatchOutcomeProbabilities } from './score-matrix.js';

/**
 * Elo ratings for football, the simple baseline the goals models have to beat. Ratings move after every
 * match by K * G * (result - expected), with a home-advantage bonus in the expectation and the
 * goal-difference multiplier G of the World Football Elo ratings (1 for a one-goal margin, 1.5 for two,
 * (11 + N) / 8 for N >= 3). Elo gives an expected score, not three probabilities; an ordered logit on the
 * rating difference, fitted by maximum likelihood on past matches, turns it into home/draw/away.
 */
export interface EloOptions {
  /** Update size per match (default 20). */
  k?: number;
  /** Rating points added to the home side in the expectation (default 60). */
  homeAdvantage?: number;
  /** Rating of a team seen for the first time (default 1500). */
  initialRating?: number;
}

export class EloRatings {
  readonly k: number;
  readonly homeAdvantage: number;
  readonly initialRating: number;
  private readonly ratings = new Map<string, number>();

  constructor(options: EloOptions = {}) {
    this.k = options.k ?? 20;
    this.homeAdvantage = options.homeAdvantage ?? 60;
    this.initialRating = options.initialRating ?? 1500;
    for (const [name, value] of Object.entries({ k: this.k, homeAdvantage: this.homeAdvantage })) {
      if (!Number.isFinite(value) || value < 0) {
        throw new ValidationError(`${name}: must be a finite number >= 0, got ${value}`, { field: name });
      }
    }
  }

  has(team: string): boolean {
    return this.ratings.has(team);
  }

  rating(team: string): number {
    return this.ratings.get(team) ?? this.initialRating;
  }

  setRating(team: string, rating: number): void {
    this.ratings.set(team, rating);
  }

  /** All rated teams, best first. */
  table(): { team: string; rating: number }[] {
    return [...this.ratings].map(([team, rating]) => ({ team, rating })).sort((a, b) => b.rating - a.rating);
  }

  /** Rating difference home - away including home advantage, in units of 400 points. */
  difference(homeTeam: string, awayTeam: string): number {
    return (this.rating(homeTeam) + this.homeAdvantage - this.rating(awayTeam)) / 400;
  }

  /** Expected score of the home side (win 1, draw 1/2). */
  expectedHomeScore(homeTeam: string, awayTeam: string): number {
    return 1 / (1 + 10 ** -this.difference(homeTeam, awayTeam));
  }

  /** Update both teams for a result. */
  update(homeTeam: string, awayTeam: string, homeGoals: number, awayGoals: number): void {
    const expected = this.expectedHomeScore(homeTeam, awayTeam);
    const result = homeGoals > awayGoals ? 1 : homeGoals === awayGoals ? 0.5 : 0;
    const margin = Math.abs(homeGoals - awayGoals);
    const g = margin <= 1 ? 1 : margin === 2 ? 1.5 : (11 + margin) / 8;
    const change = this.k * g * (result - expected);
    this.ratings.set(homeTeam, this.rating(homeTeam) + change);
    this.ratings.set(awayTeam, this.rating(awayTeam) - change);
  }
}

/**
 * Ordered logit for home/draw/away on a single predictor (the Elo difference d):
 *   P(away) = s(c1 - b d), P(away or draw) = s(c2 - b d), c1 < c2, s the logistic function.
 */
export interface OrderedLogit {
  cut1: number;
  cut2: number;
  slope: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function orderedLogitProbabilities(
  model: OrderedLogit,
  difference: number,
): MatchOutcomeProbabilities {
  const pAway = sigmoid(model.cut1 - model.slope * difference);
  const pNotHome = sigmoid(model.cut2 - model.slope * difference);
  return { home: 1 - pNotHome, draw: pNotHome - pAway, away: pAway };
}

/**
 * Maximum-likelihood ordered logit by Newton's method with the exact gradient and Hessian in
 * (cut1, cut2, slope); steps that would unorder the cut points are shortened. `outcomes`: 0 home win,
 * 1 draw, 2 away win. Returns `start` unchanged when an outcome never occurs (nothing to fit).
 */
export function fitOrderedLogit(
  differences: ArrayLike<number>,
  outcomes: ArrayLike<number>,
  start: OrderedLogit = { cut1: -1.2, cut2: 0.1, slope: 2.5 },
): OrderedLogit {
  const n = differences.length;
  if (n !== outcomes.length)
    throw new RangeError('fitOrderedLogit: differences and outcomes differ in length');
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) counts[outcomes[i]]++;
  if (counts.some((c) => c === 0)) return start;
  let theta = [start.cut1, start.cut2, start.slope];
  const g = new Float64Array(3);
  const H = new Float64Array(9);
  const evaluate = (th: readonly number[], derivatives: boolean): number => {
    const [c1, c2, b] = th;
    if (!(c2 > c1)) return Number.POSITIVE_INFINITY;
    if (derivatives) {
      g.fill(0);
      H.fill(0);
    }
    let f = 0;
    for (let i = 0; i < n; i++) {
      const d = differences[i];
      const F1 = sigmoid(c1 - b * d);
      const F2 = sigmoid(c2 - b * d);
      let l1 = 0;
      let l2 = 0;
      let l11 = 0;
      let l22 = 0;
      let l12 = 0;
      const y = outcomes[i];
      if (y === 2) {
        f -= Math.log(F1);
        l1 = 1 - F1;
        l11 = -F1 * (1 - F1);
      } else if (y === 0) {
        f -= Math.log(1 - F2);
        l2 = -F2;
        l22 = -F2 * (1 - F2);
      } else {
        const D = F2 - F1;
        f -= Math.log(Math.max(D, 1e-300));
        const f1 = F1 * (1 - F1);
        const f2 = F2 * (1 - F2);
        l1 = -f1 / D;
        l2 = f2 / D;
        l11 = -(f1 * (1 - 2 * F1) * D + f1 * f1) / (D * D);
        l22 = (f2 * (1 - 2 * F2) * D - f2 * f2) / (D * D);
        l12 = (f1 * f2) / (D * D);
      }
      if (!derivatives) continue;
      // Negative log-likelihood: negate. z1 = c1 - b d, z2 = c2 - b d.
      g[0] -= l1;
      g[1] -= l2;
      g[2] += d * (l1 + l2);
      H[0] -= l11;
      H[4] -= l22;
      H[1] -= l12;
      H[2] += d * (l11 + l12);
      H[5] += d * (l12 + l22);
      H[8] -= d * d * (l11 + 2 * l12 + l22);
    }
    if (derivatives) {
      H[3] = H[1];
      H[6] = H[2];
      H[7] = H[5];
    }
    return f;
  };
  let f = evaluate(theta, false);
  for (let iteration = 0; iteration < 50; iteration++) {
    evaluate(theta, true);
    if (Math.max(Math.abs(g[0]), Math.abs(g[1]), Math.abs(g[2])) < 1e-8 * Math.max(1, n)) break;
    const factor = cholesky({ size: 3, values: Float64Array.from(H) });
    const step = factor ? choleskySolve(factor, 3, g) : Float64Array.from(g, (v) => v / n);
    let t = 1;
    let improved = false;
    for (let k = 0; k < 40; k++, t /= 2) {
      const candidate = theta.map((v, i) => v - t * step[i]);
      const fc = evaluate(candidate, false);
      if (fc < f) {
        improved = f - fc > 1e-12 * Math.max(1, f);
        theta = candidate;
        f = fc;
        break;
      }
    }
    if (!improved) break;
  }
  return { cut1: theta[0], cut2: theta[1], slope: theta[2] };
}
