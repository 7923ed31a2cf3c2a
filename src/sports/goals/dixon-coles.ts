import { NeuralTraderError, ValidationError } from '../../core/errors.js';
import { cholesky, choleskySolve } from '../../risk/matrix.js';
import { DEFAULT_MAX_GOALS, dixonColesMatrix, type ScoreMatrix } from './score-matrix.js';

/**
 * Poisson and Dixon-Coles goals models (Maher 1982; Dixon and Coles 1997), fitted by maximum likelihood.
 *
 * Home goals ~ Poisson(lambda), away goals ~ Poisson(mu), with
 *   log lambda = intercept + home + attack[home team] - defence[away team]
 *   log mu     = intercept        + attack[away team] - defence[home team]
 * so a higher attack scores more and a higher defence concedes less; attack and defence each sum to 0
 * (ratings are relative to the league average; with a ridge, relative to the priors). Dixon-Coles adds rho, which reweights the four low
 * scores (0-0, 0-1, 1-0, 1-1) through tau, and down-weights old matches by exp(-xi * age).
 *
 * The fit is Newton's method on the exact gradient and Hessian of the weighted log-likelihood
 * (dimension 2 * teams + 3), with Levenberg damping when the Hessian is not positive definite and a
 * backtracking line search that keeps every tau positive. From a warm start (the previous round's fit)
 * it converges in 2-4 iterations.
 */

export type GoalsModelKind = 'poisson' | 'dixon-coles';

export interface GoalsMatch {
  homeTeam: string;
  awayTeam: string;
  homeGoals: number;
  awayGoals: number;
  /** When the match was played, in the units of `xi` (e.g. days or weeks); needed only with time decay. */
  time?: number;
  /** Explicit weight (overrides time decay). */
  weight?: number;
}

export interface TeamRating {
  attack: number;
  defence: number;
}

export interface FitGoalsOptions {
  /** 'dixon-coles' (default) or 'poisson' (rho fixed at 0). */
  kind?: GoalsModelKind;
  /** Time-decay rate per unit of `time`: weight = exp(-xi * (asOf - time)). Default 0 (no decay). */
  xi?: number;
  /** "Now" for the decay (default: the latest match time). */
  asOf?: number;
  /**
   * Ridge penalty pulling each team's attack and defence towards its prior (default 0 = pure maximum
   * likelihood). A small value keeps teams with one or two matches from extreme ratings; teams without
   * any match then get their prior exactly.
   */
  ridge?: number;
  /** Prior ratings for the ridge (default 0 = league average), e.g. promoted teams' expected level. */
  priors?: ReadonlyMap<string, TeamRating>;
  /** Teams to rate even if they have no match in the data (they get their prior; needs ridge > 0). */
  teams?: readonly string[];
  /** Start from this model's parameters (teams matched by name). */
  warmStart?: GoalsModel;
  maxIterations?: number;
}

interface Parameters {
  attack: Float64Array;
  defence: Float64Array;
  intercept: number;
  home: number;
  rho: number;
}

export interface GoalsModelData {
  kind: GoalsModelKind;
  teams: string[];
  attack: number[];
  defence: number[];
  intercept: number;
  homeAdvantage: number;
  rho: number;
  xi: number;
  ridge: number;
  /** Weighted log-likelihood at the optimum (factorial terms included). */
  logLikelihood: number;
  matches: number;
  iterations: number;
  converged: boolean;
}

export class GoalsModel {
  readonly kind: GoalsModelKind;
  readonly teams: readonly string[];
  readonly attack: Float64Array;
  readonly defence: Float64Array;
  readonly intercept: number;
  readonly homeAdvantage: number;
  readonly rho: number;
  readonly xi: number;
  readonly ridge: number;
  readonly logLikelihood: number;
  readonly matches: number;
  readonly iterations: number;
  readonly converged: boolean;
  private readonly index: Map<string, number>;

  constructor(data: GoalsModelData) {
    this.kind = data.kind;
    this.teams = data.teams;
    this.attack = Float64Array.from(data.attack);
    this.defence = Float64Array.from(data.defence);
    this.intercept = data.intercept;
    this.homeAdvantage = data.homeAdvantage;
    this.rho = data.rho;
    this.xi = data.xi;
    this.ridge = data.ridge;
    this.logLikelihood = data.logLikelihood;
    this.matches = data.matches;
    this.iterations = data.iterations;
    this.converged = data.converged;
    this.index = new Map(data.teams.map((t, i) => [t, i]));
  }

  hasTeam(team: string): boolean {
    return this.index.has(team);
  }

  rating(team: string): TeamRating {
    const i = this.teamIndex(team, 'team');
    return { attack: this.attack[i], defence: this.defence[i] };
  }

  private teamIndex(team: string, field: string): number {
    const i = this.index.get(team);
    if (i === undefined) {
      const near = this.teams
        .filter((t) => t.toLowerCase().includes(team.toLowerCase().slice(0, 4)))
        .slice(0, 3);
      throw new ValidationError(
        `${field}: unknown team "${team}" (not in the data the model was fitted on)`,
        {
          field,
          hint:
            near.length > 0
              ? `did you mean ${near.join(', ')}?`
              : "check the spelling against the model's team list",
        },
      );
    }
    return i;
  }

  /** Expected goals (lambda, mu) of a match. */
  rates(homeTeam: string, awayTeam: string): { home: number; away: number } {
    const h = this.teamIndex(homeTeam, 'homeTeam');
    const a = this.teamIndex(awayTeam, 'awayTeam');
    if (h === a) throw new ValidationError('awayTeam: a team cannot play itself', { field: 'awayTeam' });
    return {
      home: Math.exp(this.intercept + this.homeAdvantage + this.attack[h] - this.defence[a]),
      away: Math.exp(this.intercept + this.attack[a] - this.defence[h]),
    };
  }

  /** The score matrix of a match (0..maxGoals goals per side). */
  scoreMatrix(homeTeam: string, awayTeam: string, maxGoals = DEFAULT_MAX_GOALS): ScoreMatrix {
    const r = this.rates(homeTeam, awayTeam);
    return dixonColesMatrix(r.home, r.away, this.rho, maxGoals);
  }

  toJSON(): GoalsModelData {
    return {
      kind: this.kind,
      teams: [...this.teams],
      attack: Array.from(this.attack),
      defence: Array.from(this.defence),
      intercept: this.intercept,
      homeAdvantage: this.homeAdvantage,
      rho: this.rho,
      xi: this.xi,
      ridge: this.ridge,
      logLikelihood: this.logLikelihood,
      matches: this.matches,
      iterations: this.iterations,
      converged: this.converged,
    };
  }
}

/**
 * Penalty on sum(attack) and sum(defence) without a ridge: it removes the two directions the likelihood
 * cannot see (every attack up and the intercept down by the same amount changes no prediction) without
 * moving the maximum. With a ridge the priors pin those directions down instead, so that a team without
 * matches gets exactly its prior; the ratings then sum to about, not exactly, 0.
 */
const IDENTIFIABILITY_WEIGHT = 1;

/** Fit a Poisson or Dixon-Coles model to matches by (weighted, optionally ridge-penalised) maximum likelihood. */
export function fitGoalsModel(matches: readonly GoalsMatch[], options: FitGoalsOptions = {}): GoalsModel {
  const kind = options.kind ?? 'dixon-coles';
  const xi = options.xi ?? 0;
  const ridge = options.ridge ?? 0;
  if (!(Number.isFinite(xi) && xi >= 0))
    throw new ValidationError(`xi: must be >= 0, got ${xi}`, { field: 'xi' });
  if (!(Number.isFinite(ridge) && ridge >= 0)) {
    throw new ValidationError(`ridge: must be >= 0, got ${ridge}`, { field: 'ridge' });
  }
  if (matches.length === 0) throw new ValidationError('matches: no matches to fit', { field: 'matches' });

  // Teams, in order of first appearance (then extra teams), and each match as indices.
  const index = new Map<string, number>();
  const teamOf = (name: string) => {
    let i = index.get(name);
    if (i === undefined) {
      i = index.size;
      index.set(name, i);
    }
    return i;
  };
  const n = matches.length;
  const home = new Int32Array(n);
  const away = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  let asOf = options.asOf ?? Number.NEGATIVE_INFINITY;
  if (options.asOf === undefined && xi > 0) {
    for (const m of matches) if (m.time !== undefined && m.time > asOf) asOf = m.time;
  }
  let weightSum = 0;
  matches.forEach((m, k) => {
    if (
      !Number.isInteger(m.homeGoals) ||
      !Number.isInteger(m.awayGoals) ||
      m.homeGoals < 0 ||
      m.awayGoals < 0
    ) {
      throw new ValidationError(
        `matches[${k}]: goals must be whole numbers >= 0 (${m.homeTeam} v ${m.awayTeam})`,
        {
          field: `matches[${k}]`,
        },
      );
    }
    if (m.homeTeam === m.awayTeam) {
      throw new ValidationError(`matches[${k}]: ${m.homeTeam} cannot play itself`, {
        field: `matches[${k}]`,
      });
    }
    home[k] = teamOf(m.homeTeam);
    away[k] = teamOf(m.awayTeam);
    x[k] = m.homeGoals;
    y[k] = m.awayGoals;
    let weight = m.weight ?? 1;
    if (m.weight === undefined && xi > 0) {
      if (m.time === undefined) {
        throw new ValidationError(`matches[${k}]: time decay needs each match's time`, {
          field: `matches[${k}]`,
        });
      }
      weight = Math.exp(-xi * (asOf - m.time));
    }
    if (!(Number.isFinite(weight) && weight >= 0)) {
      throw new ValidationError(`matches[${k}]: weight must be finite and >= 0, got ${weight}`, {
        field: `matches[${k}]`,
      });
    }
    w[k] = weight;
    weightSum += weight;
  });
  for (const team of options.teams ?? []) teamOf(team);
  const teams = [...index.keys()];
  const t = teams.length;
  if (weightSum <= 0) throw new ValidationError('matches: every match has weight 0', { field: 'matches' });
  if (ridge === 0) {
    const played = new Uint8Array(t);
    for (let k = 0; k < n; k++) {
      if (w[k] > 0) {
        played[home[k]] = 1;
        played[away[k]] = 1;
      }
    }
    const idle = teams.filter((_, i) => !played[i]);
    if (idle.length > 0) {
      throw new ValidationError(
        `teams: ${idle.slice(0, 3).join(', ')} have no weighted match to rate them by`,
        {
          field: 'teams',
          hint: 'give ridge > 0 to rate teams without matches at their prior',
        },
      );
    }
  }

  const priorAttack = new Float64Array(t);
  const priorDefence = new Float64Array(t);
  if (options.priors) {
    teams.forEach((team, i) => {
      const prior = options.priors?.get(team);
      if (prior) {
        priorAttack[i] = prior.attack;
        priorDefence[i] = prior.defence;
      }
    });
  }

  const withRho = kind === 'dixon-coles';
  const p = 2 * t + (withRho ? 3 : 2);
  const theta = new Float64Array(p);
  // Start: league-average rates, or the warm-start model's parameters for the teams it knows.
  let sumX = 0;
  let sumY = 0;
  for (let k = 0; k < n; k++) {
    sumX += w[k] * x[k];
    sumY += w[k] * y[k];
  }
  const meanGoals = Math.max(0.05, (sumX + sumY) / (2 * weightSum));
  theta[2 * t] = Math.log(meanGoals);
  theta[2 * t + 1] = sumX > 0 && sumY > 0 ? 0.5 * Math.log(sumX / sumY) : 0;
  for (let i = 0; i < t; i++) {
    theta[i] = priorAttack[i];
    theta[t + i] = priorDefence[i];
  }
  const warm = options.warmStart;
  if (warm) {
    teams.forEach((team, i) => {
      if (warm.hasTeam(team)) {
        const r = warm.rating(team);
        theta[i] = r.attack;
        theta[t + i] = r.defence;
      }
    });
    theta[2 * t] = warm.intercept;
    theta[2 * t + 1] = warm.homeAdvantage;
    if (withRho) theta[2 * t + 2] = warm.kind === 'dixon-coles' ? warm.rho : 0;
  }

  const problem: Problem = {
    n,
    t,
    p,
    withRho,
    home,
    away,
    x,
    y,
    w,
    ridge,
    kappa: ridge > 0 ? 0 : IDENTIFIABILITY_WEIGHT,
    priorAttack,
    priorDefence,
    gradient: new Float64Array(p),
    hessian: new Float64Array(p * p),
  };
  const result = newton(problem, theta, options.maxIterations ?? 100);
  const params = unpack(result.theta, t, withRho);
  let constant = 0;
  for (let k = 0; k < n; k++) constant += w[k] * (logFactorial(x[k]) + logFactorial(y[k]));
  return new GoalsModel({
    kind,
    teams,
    attack: Array.from(params.attack),
    defence: Array.from(params.defence),
    intercept: params.intercept,
    homeAdvantage: params.home,
    rho: params.rho,
    xi,
    ridge,
    logLikelihood: -(result.objective - penalty(problem, result.theta)) - constant,
    matches: n,
    iterations: result.iterations,
    converged: result.converged,
  });
}

interface Problem {
  n: number;
  t: number;
  p: number;
  withRho: boolean;
  home: Int32Array;
  away: Int32Array;
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  ridge: number;
  kappa: number;
  priorAttack: Float64Array;
  priorDefence: Float64Array;
  gradient: Float64Array;
  hessian: Float64Array;
}

function unpack(theta: Float64Array, t: number, withRho: boolean): Parameters {
  return {
    attack: theta.subarray(0, t),
    defence: theta.subarray(t, 2 * t),
    intercept: theta[2 * t],
    home: theta[2 * t + 1],
    rho: withRho ? theta[2 * t + 2] : 0,
  };
}

function penalty(problem: Problem, theta: Float64Array): number {
  const { t, ridge } = problem;
  let sumA = 0;
  let sumD = 0;
  let ridgeTerm = 0;
  for (let i = 0; i < t; i++) {
    sumA += theta[i];
    sumD += theta[t + i];
    if (ridge > 0) {
      const da = theta[i] - problem.priorAttack[i];
      const dd = theta[t + i] - problem.priorDefence[i];
      ridgeTerm += da * da + dd * dd;
    }
  }
  return 0.5 * problem.kappa * (sumA * sumA + sumD * sumD) + 0.5 * ridge * ridgeTerm;
}

/**
 * Negative weighted log-likelihood (without the log-factorial constant) plus penalties, and optionally
 * its gradient and Hessian into problem.gradient / problem.hessian. Infinity when a tau is not positive.
 */
function evaluate(problem: Problem, theta: Float64Array, derivatives: boolean): number {
  const { n, t, p, withRho, home, away, x, y, w } = problem;
  const c = theta[2 * t];
  const hfa = theta[2 * t + 1];
  const rho = withRho ? theta[2 * t + 2] : 0;
  const g = problem.gradient;
  const H = problem.hessian;
  if (derivatives) {
    g.fill(0);
    H.fill(0);
  }
  const iC = 2 * t;
  const iH = 2 * t + 1;
  const iR = 2 * t + 2;
  let f = 0;
  for (let k = 0; k < n; k++) {
    const wk = w[k];
    if (wk === 0) continue;
    const hi = home[k];
    const ai = away[k];
    const eta1 = c + hfa + theta[hi] - theta[t + ai];
    const eta2 = c + theta[ai] - theta[t + hi];
    const lambda = Math.exp(eta1);
    const mu = Math.exp(eta2);
    const xk = x[k];
    const yk = y[k];
    // Log-likelihood terms and their derivatives in (eta1, eta2, rho).
    let ll = xk * eta1 - lambda + yk * eta2 - mu;
    let g1 = xk - lambda;
    let g2 = yk - mu;
    let gr = 0;
    let h11 = -lambda;
    let h22 = -mu;
    let h12 = 0;
    let h1r = 0;
    let h2r = 0;
    let hrr = 0;
    if (withRho && xk <= 1 && yk <= 1) {
      if (xk === 0 && yk === 0) {
        const u = rho * lambda * mu;
        const tau = 1 - u;
        if (!(tau > 0)) return Number.POSITIVE_INFINITY;
        ll += Math.log(tau);
        const s = u / tau;
        g1 -= s;
        g2 -= s;
        gr = (-lambda * mu) / tau;
        const q = u / (tau * tau);
        h11 -= q;
        h22 -= q;
        h12 = -q;
        h1r = (-lambda * mu) / (tau * tau);
        h2r = h1r;
        hrr = -(lambda * mu * lambda * mu) / (tau * tau);
      } else if (xk === 0 && yk === 1) {
        const v = rho * lambda;
        const tau = 1 + v;
        if (!(tau > 0)) return Number.POSITIVE_INFINITY;
        ll += Math.log(tau);
        g1 += v / tau;
        gr = lambda / tau;
        h11 += v / (tau * tau);
        h1r = lambda / (tau * tau);
        hrr = -(lambda * lambda) / (tau * tau);
      } else if (xk === 1 && yk === 0) {
        const v = rho * mu;
        const tau = 1 + v;
        if (!(tau > 0)) return Number.POSITIVE_INFINITY;
        ll += Math.log(tau);
        g2 += v / tau;
        gr = mu / tau;
        h22 += v / (tau * tau);
        h2r = mu / (tau * tau);
        hrr = -(mu * mu) / (tau * tau);
      } else {
        const tau = 1 - rho;
        if (!(tau > 0)) return Number.POSITIVE_INFINITY;
        ll += Math.log(tau);
        gr = -1 / tau;
        hrr = -1 / (tau * tau);
      }
    }
    f -= wk * ll;
    if (!derivatives) continue;
    // eta1 = c + hfa + attack[hi] - defence[ai]; eta2 = c + attack[ai] - defence[hi].
    // Gradient and Hessian of the negative log-likelihood: -w * J' (g, H) J with sparse J rows.
    const iAh = hi;
    const iDa = t + ai;
    const iAa = ai;
    const iDh = t + hi;
    const a1 = wk * g1;
    const a2 = wk * g2;
    g[iAh] -= a1;
    g[iDa] += a1;
    g[iC] -= a1 + a2;
    g[iH] -= a1;
    g[iAa] -= a2;
    g[iDh] += a2;
    // eta1 rows: (iAh,+1) (iDa,-1) (iC,+1) (iH,+1); eta2 rows: (iAa,+1) (iDh,-1) (iC,+1).
    const v11 = -wk * h11;
    const v22 = -wk * h22;
    const v12 = -wk * h12;
    addOuter(H, p, v11, iAh, iDa, iC, iH, -1);
    addOuter2(H, p, v22, iAa, iDh, iC);
    if (v12 !== 0) addCross(H, p, v12, iAh, iDa, iC, iH, iAa, iDh);
    if (withRho) {
      g[iR] -= wk * gr;
      const r1 = -wk * h1r;
      const r2 = -wk * h2r;
      // d2/d(eta1) d(rho) into the eta1 rows x rho column (and symmetric).
      addRhoCross(H, p, iR, r1, iAh);
      addRhoCross(H, p, iR, -r1, iDa);
      addRhoCross(H, p, iR, r1, iC);
      addRhoCross(H, p, iR, r1, iH);
      addRhoCross(H, p, iR, r2, iAa);
      addRhoCross(H, p, iR, -r2, iDh);
      addRhoCross(H, p, iR, r2, iC);
      H[iR * p + iR] += -wk * hrr;
    }
  }
  // Penalties: identifiability (sum attack = sum defence = 0) and the optional ridge towards priors.
  const { ridge } = problem;
  let sumA = 0;
  let sumD = 0;
  for (let i = 0; i < t; i++) {
    sumA += theta[i];
    sumD += theta[t + i];
  }
  f += penalty(problem, theta);
  if (derivatives) {
    const kappa = problem.kappa;
    for (let i = 0; i < t; i++) {
      g[i] += kappa * sumA + ridge * (theta[i] - problem.priorAttack[i]);
      g[t + i] += kappa * sumD + ridge * (theta[t + i] - problem.priorDefence[i]);
      if (kappa > 0) {
        for (let j = 0; j < t; j++) {
          H[i * p + j] += kappa;
          H[(t + i) * p + t + j] += kappa;
        }
      }
      H[i * p + i] += ridge;
      H[(t + i) * p + t + i] += ridge;
    }
  }
  return f;
}

/** H += v * r r' for r = e_i1 + s e_i2 + e_i3 + e_i4 (s = -1: the defence entry has coefficient -1). */
function addOuter(
  H: Float64Array,
  p: number,
  v: number,
  i1: number,
  i2: number,
  i3: number,
  i4: number,
  s: number,
): void {
  const idx = [i1, i2, i3, i4];
  const coef = [1, s, 1, 1];
  for (let a = 0; a < 4; a++) {
    const row = idx[a] * p;
    const ca = coef[a] * v;
    for (let b = 0; b < 4; b++) H[row + idx[b]] += ca * coef[b];
  }
}

/** H += v * r r' for r = e_i1 - e_i2 + e_i3. */
function addOuter2(H: Float64Array, p: number, v: number, i1: number, i2: number, i3: number): void {
  H[i1 * p + i1] += v;
  H[i2 * p + i2] += v;
  H[i3 * p + i3] += v;
  H[i1 * p + i2] -= v;
  H[i2 * p + i1] -= v;
  H[i1 * p + i3] += v;
  H[i3 * p + i1] += v;
  H[i2 * p + i3] -= v;
  H[i3 * p + i2] -= v;
}

/** H += v * (r1 r2' + r2 r1') for r1 = e_ah - e_da + e_c + e_h and r2 = e_aa - e_dh + e_c. */
function addCross(
  H: Float64Array,
  p: number,
  v: number,
  iAh: number,
  iDa: number,
  iC: number,
  iH: number,
  iAa: number,
  iDh: number,
): void {
  const r1 = [iAh, iDa, iC, iH];
  const c1 = [1, -1, 1, 1];
  const r2 = [iAa, iDh, iC];
  const c2 = [1, -1, 1];
  for (let a = 0; a < 4; a++) {
    for (let b = 0; b < 3; b++) {
      const value = v * c1[a] * c2[b];
      H[r1[a] * p + r2[b]] += value;
      H[r2[b] * p + r1[a]] += value;
    }
  }
}

/** H[i][rho] and H[rho][i] += v. */
function addRhoCross(H: Float64Array, p: number, iR: number, v: number, i: number): void {
  H[i * p + iR] += v;
  H[iR * p + i] += v;
}

interface NewtonResult {
  theta: Float64Array;
  objective: number;
  iterations: number;
  converged: boolean;
}

/** Damped Newton minimisation of `evaluate` from `theta`. */
function newton(problem: Problem, start: Float64Array, maxIterations: number): NewtonResult {
  const { p } = problem;
  let theta = Float64Array.from(start);
  let f = evaluate(problem, theta, false);
  if (!Number.isFinite(f)) {
    // A warm start whose rho is infeasible for the new data: restart rho at 0.
    if (problem.withRho) theta[p - 1] = 0;
    f = evaluate(problem, theta, false);
  }
  const scratch = new Float64Array(p * p);
  let damping = 0;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    evaluate(problem, theta, true);
    const g = problem.gradient;
    let gMax = 0;
    for (let i = 0; i < p; i++) gMax = Math.max(gMax, Math.abs(g[i]));
    if (gMax < 1e-7) return { theta, objective: f, iterations: iteration - 1, converged: true };
    // Solve (H + damping I) step = -g, raising the damping until the matrix is positive definite.
    let step: Float64Array | undefined;
    for (let attempt = 0; attempt < 30; attempt++) {
      scratch.set(problem.hessian);
      if (damping > 0) for (let i = 0; i < p; i++) scratch[i * p + i] += damping;
      const factor = cholesky({ size: p, values: scratch });
      if (factor) {
        step = choleskySolve(factor, p, g);
        break;
      }
      damping = damping === 0 ? 1e-6 : damping * 10;
    }
    if (!step) break;
    // Newton decrement g' H^-1 g / 2: the improvement a full step would still make. Below 1e-9 (in
    // log-likelihood units) the fit is done; the objective's own rounding (about 1e-16 of a value in the
    // thousands) would make a line search reject such steps, so the last one is taken whole.
    let slope = 0;
    for (let i = 0; i < p; i++) slope -= g[i] * step[i];
    if (-slope / 2 < 1e-9 && damping === 0) {
      const last = new Float64Array(p);
      for (let i = 0; i < p; i++) last[i] = theta[i] - step[i];
      const fl = evaluate(problem, last, false);
      if (Number.isFinite(fl)) return { theta: last, objective: fl, iterations: iteration, converged: true };
      return { theta, objective: f, iterations: iteration, converged: true };
    }
    // Backtracking (Armijo) line search; infeasible rho (tau <= 0) counts as no decrease.
    let t = 1;
    let accepted = false;
    const candidate = new Float64Array(p);
    for (let halvings = 0; halvings < 50; halvings++, t *= 0.5) {
      for (let i = 0; i < p; i++) candidate[i] = theta[i] - t * step[i];
      const fc = evaluate(problem, candidate, false);
      if (fc <= f + 1e-4 * t * slope) {
        const decrease = f - fc;
        theta = Float64Array.from(candidate);
        f = fc;
        accepted = true;
        damping = damping / 10 < 1e-9 ? 0 : damping / 10;
        if (decrease <= 1e-12 * Math.max(1, Math.abs(f)) && gMax < 1e-4) {
          return { theta, objective: f, iterations: iteration, converged: true };
        }
        break;
      }
    }
    if (!accepted) {
      if (gMax < 1e-4) return { theta, objective: f, iterations: iteration, converged: true };
      damping = damping === 0 ? 1e-3 : damping * 10;
      if (damping > 1e8) break;
    }
  }
  evaluate(problem, theta, true);
  let gMax = 0;
  for (let i = 0; i < p; i++) gMax = Math.max(gMax, Math.abs(problem.gradient[i]));
  if (!(gMax < 1e-3)) {
    throw new NeuralTraderError(
      'MODEL',
      `goals model: the fit did not converge (largest gradient ${gMax.toExponential(2)})`,
      {
        hint: 'a team may have scored or conceded nothing in the data; fit with ridge > 0 (e.g. 1) or more matches',
      },
    );
  }
  return { theta, objective: f, iterations: maxIterations, converged: gMax < 1e-6 };
}

const LOG_FACTORIALS = (() => {
  const out = new Float64Array(64);
  for (let k = 2; k < 64; k++) out[k] = out[k - 1] + Math.log(k);
  return out;
})();

function logFactorial(k: number): number {
  if (k < 64) return LOG_FACTORIALS[k];
  let s = LOG_FACTORIALS[63];
  for (let i = 64; i <= k; i++) s += Math.log(i);
  return s;
}

/** Predicted score matrix of a match from a fitted model (convenience for the faces). */
export function predictScores(
  model: GoalsModel,
  homeTeam: string,
  awayTeam: string,
  maxGoals = DEFAULT_MAX_GOALS,
): ScoreMatrix {
  return model.scoreMatrix(homeTeam, awayTeam, maxGoals);
}
