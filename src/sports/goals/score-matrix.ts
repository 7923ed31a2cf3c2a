import { ValidationError } from '../../core/errors.js';
import { type BetSelection, checkSelection, type ScoreResult, settleSelection } from '../settlement.js';

/**
 * The joint distribution of a match's final score, P(home = i, away = j) for i, j in 0..maxGoals, from
 * which every goals market is priced: 1X2, over/under, both teams to score, correct score and Asian
 * handicaps (quarter lines included, as half-won/half-lost probabilities). Each market sums the matrix
 * over the scores that settle the bet each way, using the same rule the bet ledger settles with.
 *
 * The matrix is truncated at maxGoals per side and renormalised; the mass beyond it (under 1e-6 for
 * expected goals below 3 with maxGoals 10) is reported as `truncatedMass`.
 */
export const DEFAULT_MAX_GOALS = 10;

export interface ResultProbabilities {
  won: number;
  halfWon: number;
  void: number;
  halfLost: number;
  lost: number;
}

export interface MatchOutcomeProbabilities {
  home: number;
  draw: number;
  away: number;
}

/** Fair decimal odds of a bet from its result probabilities (zero expected value), NaN if it cannot win. */
export function fairOddsOfResults(r: ResultProbabilities): number {
  // EV per unit = won (o - 1) + halfWon (o - 1)/2 - halfLost/2 - lost = 0.
  const winWeight = r.won + r.halfWon / 2;
  return winWeight > 0 ? 1 + (r.lost + r.halfLost / 2) / winWeight : Number.NaN;
}

export class ScoreMatrix {
  readonly maxGoals: number;
  /** Row-major: probabilities[i * (maxGoals + 1) + j] = P(home = i, away = j). */
  readonly probabilities: Float64Array;
  /** Probability mass beyond maxGoals that was dropped before renormalising. */
  readonly truncatedMass: number;

  constructor(probabilities: Float64Array, maxGoals: number, truncatedMass = 0) {
    if (probabilities.length !== (maxGoals + 1) * (maxGoals + 1)) {
      throw new RangeError(`ScoreMatrix: ${probabilities.length} cells for maxGoals ${maxGoals}`);
    }
    this.maxGoals = maxGoals;
    this.probabilities = probabilities;
    this.truncatedMass = truncatedMass;
  }

  /** P(home scores `home`, away scores `away`). */
  probability(home: number, away: number): number {
    if (home < 0 || away < 0 || home > this.maxGoals || away > this.maxGoals) return 0;
    return this.probabilities[home * (this.maxGoals + 1) + away];
  }

  /** Probability of each result of a bet. */
  results(bet: BetSelection): ResultProbabilities {
    const checked = checkSelection(bet);
    const out: ResultProbabilities = { won: 0, halfWon: 0, void: 0, halfLost: 0, lost: 0 };
    const size = this.maxGoals + 1;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const p = this.probabilities[i * size + j];
        if (p === 0) continue;
        add(out, settleSelection(checked, i, j), p);
      }
    }
    return out;
  }

  /** Home win, draw, away win. */
  matchOutcome(): MatchOutcomeProbabilities {
    let home = 0;
    let draw = 0;
    let away = 0;
    const size = this.maxGoals + 1;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const p = this.probabilities[i * size + j];
        if (i > j) home += p;
        else if (i === j) draw += p;
        else away += p;
      }
    }
    return { home, draw, away };
  }

  /** Over/under a goal line (e.g. 2.5, or quarter lines such as 2.25). */
  totals(line: number): { over: ResultProbabilities; under: ResultProbabilities } {
    return {
      over: this.results({ market: 'totals', selection: 'over', line }),
      under: this.results({ market: 'totals', selection: 'under', line }),
    };
  }

  /** Asian handicap with `homeLine` the home team's handicap (the away side gets -homeLine). */
  asianHandicap(homeLine: number): { home: ResultProbabilities; away: ResultProbabilities } {
    return {
      home: this.results({ market: 'spreads', selection: 'home', line: homeLine }),
      away: this.results({ market: 'spreads', selection: 'away', line: -homeLine }),
    };
  }

  /** Both teams to score. */
  bothTeamsToScore(): { yes: number; no: number } {
    const yes = this.results({ market: 'btts', selection: 'yes' }).won;
    return { yes, no: 1 - yes };
  }

  /** Expected goals of each side under the (truncated, renormalised) matrix. */
  expectedGoals(): { home: number; away: number } {
    let home = 0;
    let away = 0;
    const size = this.maxGoals + 1;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const p = this.probabilities[i * size + j];
        home += i * p;
        away += j * p;
      }
    }
    return { home, away };
  }

  /** The `count` most likely scores, most likely first. */
  mostLikelyScores(count = 5): { score: string; probability: number }[] {
    const size = this.maxGoals + 1;
    const cells: { score: string; probability: number }[] = [];
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++)
        cells.push({ score: `${i}-${j}`, probability: this.probabilities[i * size + j] });
    }
    return cells.sort((a, b) => b.probability - a.probability).slice(0, count);
  }
}

function add(out: ResultProbabilities, result: ScoreResult, p: number): void {
  switch (result) {
    case 'won':
      out.won += p;
      break;
    case 'half-won':
      out.halfWon += p;
      break;
    case 'void':
      out.void += p;
      break;
    case 'half-lost':
      out.halfLost += p;
      break;
    default:
      out.lost += p;
  }
}

/** Poisson probabilities P(k; rate) for k = 0..maxGoals, by the recurrence p(k) = p(k-1) rate / k. */
export function poissonProbabilities(
  rate: number,
  maxGoals: number,
  out = new Float64Array(maxGoals + 1),
): Float64Array {
  let p = Math.exp(-rate);
  out[0] = p;
  for (let k = 1; k <= maxGoals; k++) {
    p *= rate / k;
    out[k] = p;
  }
  return out;
}

/**
 * The Dixon-Coles score matrix: independent Poisson goals with rates `homeRate` and `awayRate`, the four
 * low scores reweighted by tau (0-0 by 1 - lambda mu rho, 0-1 by 1 + lambda rho, 1-0 by 1 + mu rho,
 * 1-1 by 1 - rho). rho = 0 is the plain independent Poisson model.
 */
export function dixonColesMatrix(
  homeRate: number,
  awayRate: number,
  rho = 0,
  maxGoals = DEFAULT_MAX_GOALS,
): ScoreMatrix {
  if (!(homeRate > 0 && awayRate > 0 && Number.isFinite(homeRate) && Number.isFinite(awayRate))) {
    throw new ValidationError(
      `rates: expected goals must be positive and finite, got ${homeRate} and ${awayRate}`,
      {
        field: 'rates',
      },
    );
  }
  if (!Number.isInteger(maxGoals) || maxGoals < 1 || maxGoals > 30) {
    throw new ValidationError(`maxGoals: must be a whole number from 1 to 30, got ${maxGoals}`, {
      field: 'maxGoals',
    });
  }
  const size = maxGoals + 1;
  const home = poissonProbabilities(homeRate, maxGoals);
  const away = poissonProbabilities(awayRate, maxGoals);
  const cells = new Float64Array(size * size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const p = home[i] * away[j];
      cells[i * size + j] = p;
      total += p;
    }
  }
  if (rho !== 0) {
    const tau00 = 1 - homeRate * awayRate * rho;
    const tau01 = 1 + homeRate * rho;
    const tau10 = 1 + awayRate * rho;
    const tau11 = 1 - rho;
    if (!(tau00 > 0 && tau01 > 0 && tau10 > 0 && tau11 > 0)) {
      throw new ValidationError(`rho: ${rho} makes a low-score probability negative for these rates`, {
        field: 'rho',
      });
    }
    // The four adjustments cancel exactly in the untruncated sum, so `total` needs only their change.
    total -= cells[0] + cells[1] + cells[size] + cells[size + 1];
    cells[0] *= tau00;
    cells[1] *= tau01;
    cells[size] *= tau10;
    cells[size + 1] *= tau11;
    total += cells[0] + cells[1] + cells[size] + cells[size + 1];
  }
  for (let k = 0; k < cells.length; k++) cells[k] /= total;
  return new ScoreMatrix(cells, maxGoals, Math.max(0, 1 - total));
}
