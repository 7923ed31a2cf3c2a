import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitGoalsModel, type GoalsMatch } from '../../src/sports/goals/dixon-coles.js';
import { dixonColesMatrix, fairOddsOfResults } from '../../src/sports/goals/score-matrix.js';
import { simulateLeague } from '../../src/sports/simulate.js';

const rmse = (errors: number[]) => Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);

describe('Dixon-Coles / Poisson fit recovers the parameters of simulated leagues', () => {
  it('Dixon-Coles: attack, defence, home advantage, rho and intercept within tolerance (20 teams, 30 seasons)', () => {
    const league = simulateLeague({ teams: 20, seasons: 30, seed: 11, homeAdvantage: 0.27, rho: -0.12 });
    const model = fitGoalsModel(league.matches);
    expect(model.converged).toBe(true);
    const attackErrors = league.teams.map((t, i) => model.rating(t).attack - league.attack[i]);
    const defenceErrors = league.teams.map((t, i) => model.rating(t).defence - league.defence[i]);
    // 11,400 matches: the standard error of one team's rating is about 0.025.
    expect(rmse(attackErrors)).toBeLessThan(0.04);
    expect(rmse(defenceErrors)).toBeLessThan(0.04);
    expect(Math.max(...attackErrors.map(Math.abs))).toBeLessThan(0.1);
    expect(Math.max(...defenceErrors.map(Math.abs))).toBeLessThan(0.1);
    expect(Math.abs(model.homeAdvantage - 0.27)).toBeLessThan(0.03);
    expect(Math.abs(model.rho - -0.12)).toBeLessThan(0.04);
    expect(Math.abs(model.intercept - league.intercept)).toBeLessThan(0.03);
  });

  it('Poisson: recovers a league simulated without the low-score correction', () => {
    const league = simulateLeague({ teams: 18, seasons: 25, seed: 5, rho: 0 });
    const model = fitGoalsModel(league.matches, { kind: 'poisson' });
    expect(model.rho).toBe(0);
    expect(rmse(league.teams.map((t, i) => model.rating(t).attack - league.attack[i]))).toBeLessThan(0.045);
    expect(Math.abs(model.homeAdvantage - league.homeAdvantage)).toBeLessThan(0.03);
    // A Dixon-Coles fit of the same data finds rho near 0.
    expect(Math.abs(fitGoalsModel(league.matches).rho)).toBeLessThan(0.05);
  });

  it('time decay follows a change in strength that the unweighted fit averages away', () => {
    // T01 is average for 20 seasons, then much stronger for 2: with decay the fit sees the new level.
    const teams = 16;
    const before = simulateLeague({ teams, seasons: 20, seed: 3, attack: new Array(teams).fill(0) });
    const attackAfter = new Array(teams).fill(-0.6 / (teams - 1));
    attackAfter[0] = 0.6;
    const after = simulateLeague({
      teams,
      seasons: 2,
      seed: 4,
      attack: attackAfter,
      defence: before.defence,
    });
    const offset = before.matches.length / (teams / 2);
    const matches: GoalsMatch[] = [
      ...before.matches,
      ...after.matches.map((m) => ({ ...m, time: (m.time as number) + offset })),
    ];
    const plain = fitGoalsModel(matches);
    const decayed = fitGoalsModel(matches, { xi: 0.05 }); // per round: half-life 14 rounds
    expect(plain.rating('T01').attack).toBeLessThan(0.2);
    expect(Math.abs(decayed.rating('T01').attack - 0.6)).toBeLessThan(0.15);
  });

  it('is the maximum of an independently computed likelihood (score-matrix probabilities, 25 goals)', () => {
    const league = simulateLeague({ teams: 10, seasons: 4, seed: 21 });
    const model = fitGoalsModel(league.matches);
    const data = model.toJSON();
    const logLikelihood = (d: typeof data) => {
      const index = new Map(d.teams.map((t, i) => [t, i]));
      let ll = 0;
      for (const m of league.matches) {
        const h = index.get(m.homeTeam) as number;
        const a = index.get(m.awayTeam) as number;
        const lambda = Math.exp(d.intercept + d.homeAdvantage + d.attack[h] - d.defence[a]);
        const mu = Math.exp(d.intercept + d.attack[a] - d.defence[h]);
        ll += Math.log(dixonColesMatrix(lambda, mu, d.rho, 25).probability(m.homeGoals, m.awayGoals));
      }
      return ll;
    };
    const best = logLikelihood(data);
    expect(model.logLikelihood).toBeCloseTo(best, 6);
    const perturb = (mutate: (d: typeof data) => void) => {
      const copy = structuredClone(data);
      mutate(copy);
      return logLikelihood(copy);
    };
    for (const step of [1e-3, -1e-3]) {
      expect(perturb((d) => (d.homeAdvantage += step))).toBeLessThan(best);
      expect(perturb((d) => (d.rho += step))).toBeLessThan(best);
      expect(perturb((d) => (d.intercept += step))).toBeLessThan(best);
      for (let i = 0; i < data.teams.length; i++) {
        expect(perturb((d) => (d.attack[i] += step))).toBeLessThan(best);
        expect(perturb((d) => (d.defence[i] += step))).toBeLessThan(best);
      }
    }
    // Ratings are relative to the league average.
    expect(Math.abs(data.attack.reduce((a, b) => a + b, 0))).toBeLessThan(1e-6);
    expect(Math.abs(data.defence.reduce((a, b) => a + b, 0))).toBeLessThan(1e-6);
  });

  it('warm starts reach the same optimum in fewer iterations', () => {
    const league = simulateLeague({ teams: 20, seasons: 2, seed: 9 });
    const cold = fitGoalsModel(league.matches);
    const warm = fitGoalsModel(league.matches.slice(0, 750), {});
    const again = fitGoalsModel(league.matches, { warmStart: warm });
    expect(again.iterations).toBeLessThanOrEqual(cold.iterations);
    expect(again.logLikelihood).toBeCloseTo(cold.logLikelihood, 6);
    expect(again.rating('T05').attack).toBeCloseTo(cold.rating('T05').attack, 5);
  });

  it('ridge rates a team without matches at its prior and refuses the unfittable without one', () => {
    const league = simulateLeague({ teams: 8, seasons: 1, seed: 2 });
    const model = fitGoalsModel(league.matches, {
      ridge: 1,
      teams: ['Newcomers FC'],
      priors: new Map([['Newcomers FC', { attack: -0.3, defence: -0.2 }]]),
    });
    expect(model.rating('Newcomers FC').attack).toBeCloseTo(-0.3, 6);
    expect(model.rating('Newcomers FC').defence).toBeCloseTo(-0.2, 6);
    expect(() => fitGoalsModel(league.matches, { teams: ['Newcomers FC'] })).toThrow(
      /teams: Newcomers FC have no weighted match/,
    );
    expect(() => model.rates('Nobody', 'T01')).toThrow(/homeTeam: unknown team "Nobody"/);
    expect(() => fitGoalsModel([])).toThrow(/no matches/);
    expect(() => fitGoalsModel([{ homeTeam: 'A', awayTeam: 'B', homeGoals: -1, awayGoals: 0 }])).toThrow(
      /goals must be whole numbers/,
    );
  });
});

describe('score-matrix markets', () => {
  // Independent Poisson goals (rho = 0): totals and BTTS have closed forms to check against.
  const lambda = 1.5;
  const mu = 1.1;
  const m = dixonColesMatrix(lambda, mu, 0, 30);
  const poisson = (k: number, rate: number) => {
    let p = Math.exp(-rate);
    for (let i = 1; i <= k; i++) p *= rate / i;
    return p;
  };
  const total = (k: number) => poisson(k, lambda + mu); // sum of independent Poissons is Poisson

  it('1X2 sums the matrix; BTTS = (1 - e^-lambda)(1 - e^-mu); expected goals = the rates', () => {
    const o = m.matchOutcome();
    expect(o.home + o.draw + o.away).toBeCloseTo(1, 14);
    let draw = 0;
    for (let k = 0; k <= 30; k++) draw += poisson(k, lambda) * poisson(k, mu);
    expect(o.draw).toBeCloseTo(draw, 12);
    expect(m.bothTeamsToScore().yes).toBeCloseTo((1 - Math.exp(-lambda)) * (1 - Math.exp(-mu)), 12);
    expect(m.expectedGoals().home).toBeCloseTo(lambda, 10);
    expect(m.expectedGoals().away).toBeCloseTo(mu, 10);
  });

  it('over/under on whole, half and quarter lines', () => {
    const upTo = (k: number) => Array.from({ length: k + 1 }, (_, i) => total(i)).reduce((a, b) => a + b, 0);
    expect(m.totals(2.5).over.won).toBeCloseTo(1 - upTo(2), 12);
    expect(m.totals(2.5).under.won).toBeCloseTo(upTo(2), 12);
    const two = m.totals(2).over;
    expect(two.void).toBeCloseTo(total(2), 12);
    const q = m.totals(2.25).over; // half on 2.0, half on 2.5
    expect(q.won).toBeCloseTo(1 - upTo(2), 12);
    expect(q.halfLost).toBeCloseTo(total(2), 12);
    expect(q.lost).toBeCloseTo(upTo(1), 12);
    const q3 = m.totals(2.75).over; // half on 2.5, half on 3.0
    expect(q3.won).toBeCloseTo(1 - upTo(3), 12);
    expect(q3.halfWon).toBeCloseTo(total(3), 12);
    expect(q3.lost).toBeCloseTo(upTo(2), 12);
  });

  it('Asian handicaps: -0.5 is the home win, 0 is draw-no-bet, -0.25 loses half on a draw', () => {
    const o = m.matchOutcome();
    expect(m.asianHandicap(-0.5).home.won).toBeCloseTo(o.home, 14);
    const level = m.asianHandicap(0);
    expect(level.home.won).toBeCloseTo(o.home, 14);
    expect(level.home.void).toBeCloseTo(o.draw, 14);
    expect(level.away.won).toBeCloseTo(o.away, 14);
    const quarter = m.asianHandicap(-0.25).home;
    expect(quarter.won).toBeCloseTo(o.home, 14);
    expect(quarter.halfLost).toBeCloseTo(o.draw, 14);
    expect(quarter.lost).toBeCloseTo(o.away, 14);
    // Fair odds of -0.25: 1 + (away + draw/2) / home.
    expect(fairOddsOfResults(quarter)).toBeCloseTo(1 + (o.away + o.draw / 2) / o.home, 12);
  });

  it('Dixon-Coles tau reweights exactly the four low scores', () => {
    const rho = -0.13;
    const dc = dixonColesMatrix(lambda, mu, rho, 30);
    const base = dixonColesMatrix(lambda, mu, 0, 30);
    expect(dc.probability(0, 0) / base.probability(0, 0)).toBeCloseTo(1 - lambda * mu * rho, 10);
    expect(dc.probability(0, 1) / base.probability(0, 1)).toBeCloseTo(1 + lambda * rho, 10);
    expect(dc.probability(1, 0) / base.probability(1, 0)).toBeCloseTo(1 + mu * rho, 10);
    expect(dc.probability(1, 1) / base.probability(1, 1)).toBeCloseTo(1 - rho, 10);
    expect(dc.probability(2, 1) / base.probability(2, 1)).toBeCloseTo(1, 10);
    expect(dc.mostLikelyScores(1)[0].score).toBe('1-1');
    expect(() => dixonColesMatrix(3, 3, 0.5)).toThrow(/rho: 0.5 makes a low-score probability negative/);
    expect(() => dixonColesMatrix(0, 1)).toThrow(/expected goals must be positive/);
  });

  it('every market and line: result probabilities sum to 1 (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 3.5, noNaN: true }),
        fc.double({ min: 0.2, max: 3.5, noNaN: true }),
        fc.double({ min: -0.2, max: 0.1, noNaN: true }),
        fc.integer({ min: -16, max: 16 }),
        (h, a, rho, quarterSteps) => {
          fc.pre(1 - h * a * rho > 0 && 1 + h * rho > 0 && 1 + a * rho > 0);
          const matrix = dixonColesMatrix(h, a, rho);
          const line = quarterSteps / 4;
          const sums = [
            ...Object.values(matrix.asianHandicap(line)),
            ...(line > 0 ? Object.values(matrix.totals(line)) : []),
          ].map((r) => r.won + r.halfWon + r.void + r.halfLost + r.lost);
          for (const s of sums) expect(s).toBeCloseTo(1, 12);
        },
      ),
      { numRuns: 200 },
    );
  });
});
