import { ValidationError } from '../core/errors.js';
import { Random } from '../core/random.js';
import type { GoalsMatch } from './goals/dixon-coles.js';
import { dixonColesMatrix } from './goals/score-matrix.js';

/**
 * Simulated leagues with known parameters, for checking that a fit recovers them and for examples that
 * need no data. Scores are drawn exactly from the Dixon-Coles score matrix (Poisson when rho = 0).
 */
export interface SimulatedLeagueOptions {
  /** Team names, or a number of teams named T01, T02, ... */
  teams: number | readonly string[];
  /** Double round-robins to play (each team hosts each other team once per season). Default 1. */
  seasons?: number;
  /** Attack and defence ratings per team (default: drawn N(0, 0.3^2) and centred). */
  attack?: readonly number[];
  defence?: readonly number[];
  intercept?: number;
  homeAdvantage?: number;
  rho?: number;
  seed?: number;
}

export interface SimulatedLeague {
  teams: string[];
  attack: number[];
  defence: number[];
  intercept: number;
  homeAdvantage: number;
  rho: number;
  /** Matches with `time` = the round number (0-based, across seasons). */
  matches: GoalsMatch[];
}

function centred(values: number[]): number[] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.map((v) => v - mean);
}

export function simulateLeague(options: SimulatedLeagueOptions): SimulatedLeague {
  const teams =
    typeof options.teams === 'number'
      ? Array.from({ length: options.teams }, (_, i) => `T${String(i + 1).padStart(2, '0')}`)
      : [...options.teams];
  const n = teams.length;
  if (n < 2 || n > 200) throw new ValidationError(`teams: need 2 to 200 teams, got ${n}`, { field: 'teams' });
  const random = new Random(options.seed ?? 1);
  const attack = centred(options.attack ? [...options.attack] : teams.map(() => 0.3 * random.normal()));
  const defence = centred(options.defence ? [...options.defence] : teams.map(() => 0.3 * random.normal()));
  const intercept = options.intercept ?? Math.log(1.3);
  const homeAdvantage = options.homeAdvantage ?? 0.25;
  const rho = options.rho ?? -0.1;
  const seasons = options.seasons ?? 1;
  const matches: GoalsMatch[] = [];
  // Circle-method round robin: n - 1 rounds (n even; a bye team is added for odd n), then the return legs.
  const slots = n % 2 === 0 ? teams.map((_, i) => i) : [...teams.map((_, i) => i), -1];
  const m = slots.length;
  let round = 0;
  for (let season = 0; season < seasons; season++) {
    for (let leg = 0; leg < 2; leg++) {
      const order = [...slots];
      for (let r = 0; r < m - 1; r++, round++) {
        for (let k = 0; k < m / 2; k++) {
          let h = order[k];
          let a = order[m - 1 - k];
          if (h < 0 || a < 0) continue;
          if ((r + leg) % 2 === 1) [h, a] = [a, h];
          const lambda = Math.exp(intercept + homeAdvantage + attack[h] - defence[a]);
          const mu = Math.exp(intercept + attack[a] - defence[h]);
          const matrix = dixonColesMatrix(lambda, mu, rho, 15);
          const u = random.next();
          let cumulative = 0;
          let cell = matrix.probabilities.length - 1;
          for (let c = 0; c < matrix.probabilities.length; c++) {
            cumulative += matrix.probabilities[c];
            if (u < cumulative) {
              cell = c;
              break;
            }
          }
          matches.push({
            homeTeam: teams[h],
            awayTeam: teams[a],
            homeGoals: Math.floor(cell / 16),
            awayGoals: cell % 16,
            time: round,
          });
        }
        // Rotate every slot but the first.
        order.splice(1, 0, order.pop() as number);
      }
    }
  }
  return { teams, attack, defence, intercept, homeAdvantage, rho, matches };
}
